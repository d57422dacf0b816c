// point and hstore in Debezium's shapes (structured.hpp).
#include "dbct/values/structured.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <utility>

#include "dbct/values/binary.hpp"
#include "dbct/values/modes.hpp"

namespace dbct::values {

namespace {

void AppendLittleEndian(std::string& out, const void* data, size_t size) {
  unsigned char bytes[8];
  std::memcpy(bytes, data, size);
  uint16_t probe = 1;
  const bool little = *reinterpret_cast<unsigned char*>(&probe) == 1;
  for (size_t i = 0; i < size; ++i)
    out.push_back(static_cast<char>(bytes[little ? i : size - 1 - i]));
}

// Java's String.hashCode: over UTF-16 code units, int arithmetic wrapping.
int32_t JavaStringHash(std::string_view utf8) {
  uint32_t h = 0;
  auto add = [&h](uint32_t unit) { h = 31 * h + unit; };
  for (size_t i = 0; i < utf8.size();) {
    const unsigned char c = static_cast<unsigned char>(utf8[i]);
    uint32_t cp;
    size_t n;
    if (c < 0x80) {
      cp = c, n = 1;
    } else if ((c >> 5) == 0x6) {
      cp = c & 0x1f, n = 2;
    } else if ((c >> 4) == 0xe) {
      cp = c & 0x0f, n = 3;
    } else {
      cp = c & 0x07, n = 4;
    }
    if (i + n > utf8.size()) n = utf8.size() - i;
    for (size_t k = 1; k < n; ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(utf8[i + k]) & 0x3f);
    i += n;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      add(0xd800 + (cp >> 10));
      add(0xdc00 + (cp & 0x3ff));
    } else {
      add(cp);
    }
  }
  return static_cast<int32_t>(h);
}

// One quoted hstore token ("..." with \" and \\ escapes) starting at text[*pos].
std::string ParseQuoted(std::string_view text, size_t* pos) {
  if (*pos >= text.size() || text[*pos] != '"') {
    throw ValueError("hstore text is malformed near position " + std::to_string(*pos));
  }
  std::string out;
  for (size_t i = *pos + 1; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      out.push_back(text[++i]);
    } else if (text[i] == '"') {
      *pos = i + 1;
      return out;
    } else {
      out.push_back(text[i]);
    }
  }
  throw ValueError("hstore text has an unterminated string");
}

void SkipSpaces(std::string_view text, size_t* pos) {
  while (*pos < text.size() && (text[*pos] == ' ' || text[*pos] == ',')) ++*pos;
}

using Pairs = std::vector<std::pair<std::string, std::optional<std::string>>>;

Pairs ParseHstore(std::string_view text) {
  Pairs pairs;
  size_t pos = 0;
  SkipSpaces(text, &pos);
  while (pos < text.size()) {
    std::string key = ParseQuoted(text, &pos);
    if (text.substr(pos, 2) != "=>") {
      throw ValueError("hstore text lacks \"=>\" at position " + std::to_string(pos));
    }
    pos += 2;
    if (text.substr(pos, 4) == "NULL") {
      pos += 4;
      pairs.emplace_back(std::move(key), std::nullopt);
    } else {
      pairs.emplace_back(std::move(key), ParseQuoted(text, &pos));
    }
    SkipSpaces(text, &pos);
  }
  return pairs;
}

void WriteObject(JsonWriter& w, const Pairs& pairs) {
  std::vector<std::string_view> keys;
  keys.reserve(pairs.size());
  for (const auto& pair : pairs) keys.emplace_back(pair.first);
  w.BeginObject();
  for (size_t index : JavaHashMapOrder(keys)) {
    w.Key(pairs[index].first);
    if (pairs[index].second) {
      w.String(*pairs[index].second);
    } else {
      w.Null();
    }
  }
  w.EndObject();
}

void WritePairs(JsonWriter& w, const Pairs& pairs, bool as_map) {
  if (as_map) {
    WriteObject(w, pairs);
    return;
  }
  JsonWriter inner;
  WriteObject(inner, pairs);
  w.String(inner.View());
}

}  // namespace

std::vector<size_t> JavaHashMapOrder(const std::vector<std::string_view>& keys) {
  size_t capacity = 16;  // new HashMap<>(): 16 buckets, doubled when size > 0.75 * buckets
  while (keys.size() * 4 > capacity * 3) capacity *= 2;
  std::vector<std::pair<size_t, size_t>> order;  // (bucket, insertion index)
  order.reserve(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    const uint32_t h = static_cast<uint32_t>(JavaStringHash(keys[i]));
    const uint32_t spread = h ^ (h >> 16);
    order.emplace_back(spread & (capacity - 1), i);
  }
  std::sort(order.begin(), order.end());
  std::vector<size_t> indexes;
  indexes.reserve(order.size());
  for (const auto& entry : order) indexes.push_back(entry.second);
  return indexes;
}

void WritePoint(JsonWriter& w, double x, double y) {
  std::string wkb;
  wkb.reserve(21);
  wkb.push_back('\x01');    // little-endian
  const uint32_t type = 1;  // WKB Point
  AppendLittleEndian(wkb, &type, sizeof type);
  AppendLittleEndian(wkb, &x, sizeof x);
  AppendLittleEndian(wkb, &y, sizeof y);
  w.BeginObject();
  w.KeyLiteral("x");
  w.Double(x);
  w.KeyLiteral("y");
  w.Double(y);
  w.KeyLiteral("wkb");
  WriteBytes(w, wkb, BinaryMode::kBase64);
  w.KeyLiteral("srid");
  w.Null();
  w.EndObject();
}

void WriteHstore(JsonWriter& w, std::string_view text, bool as_map) {
  WritePairs(w, ParseHstore(text), as_map);
}

void WriteHstorePlaceholder(JsonWriter& w, std::string_view placeholder, bool as_map) {
  Pairs pairs;
  pairs.emplace_back(std::string(placeholder), std::string(placeholder));
  WritePairs(w, pairs, as_map);
}

}  // namespace dbct::values
