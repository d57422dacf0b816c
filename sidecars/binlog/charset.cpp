#include "charset.hpp"


#include "binlog_error.hpp"
#include "dbct/values/utf8.hpp"

namespace dbct::binlog {

namespace {

// Windows-1252 0x80-0x9F (Java's Cp1252: the five unassigned bytes decode to U+FFFD).
constexpr uint16_t kCp1252High[32] = {
    0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
    0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178};

void AppendUtf16(std::string& out, std::string_view bytes, bool big_endian) {
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  const size_t n = bytes.size() / 2;
  auto unit = [&](size_t i) -> uint32_t {
    return big_endian ? (uint32_t{p[2 * i]} << 8) | p[2 * i + 1]
                      : (uint32_t{p[2 * i + 1]} << 8) | p[2 * i];
  };
  values::AppendUtf8FromUtf16(out, n, unit);
}

}  // namespace

Charset CharsetFromName(std::string_view name) {
  if (name == "binary") return Charset::kBinary;
  if (name == "utf8mb4" || name == "utf8mb3" || name == "utf8" || name == "ascii") {
    return Charset::kUtf8;
  }
  if (name == "latin1") return Charset::kLatin1;
  if (name == "ucs2") return Charset::kUcs2;
  if (name == "utf16") return Charset::kUtf16;
  if (name == "utf16le") return Charset::kUtf16le;
  if (name == "utf32") return Charset::kUtf32;
  return Charset::kOther;
}

CollationMap::CollationMap() {
  Add(63, "binary");
  for (uint32_t id : {5u, 8u, 15u, 31u, 47u, 48u, 49u, 94u}) Add(id, "latin1");
  for (uint32_t id : {11u, 65u}) Add(id, "ascii");
  for (uint32_t id : {33u, 76u, 83u, 223u}) Add(id, "utf8mb3");
  for (uint32_t id = 192; id <= 215; ++id) Add(id, "utf8mb3");
  for (uint32_t id : {45u, 46u}) Add(id, "utf8mb4");
  for (uint32_t id = 224; id <= 247; ++id) Add(id, "utf8mb4");
  for (uint32_t id = 255; id <= 323; ++id) Add(id, "utf8mb4");  // MySQL 8 utf8mb4_0900_*
  for (uint32_t id : {35u, 90u, 159u}) Add(id, "ucs2");
  for (uint32_t id = 128; id <= 151; ++id) Add(id, "ucs2");
  for (uint32_t id : {54u, 55u}) Add(id, "utf16");
  for (uint32_t id = 101; id <= 124; ++id) Add(id, "utf16");
  for (uint32_t id : {56u, 62u}) Add(id, "utf16le");
  for (uint32_t id : {60u, 61u}) Add(id, "utf32");
  for (uint32_t id = 160; id <= 183; ++id) Add(id, "utf32");
}

void CollationMap::Add(uint32_t collation_id, std::string_view charset_name) {
  map_[collation_id] = {CharsetFromName(charset_name), std::string(charset_name)};
}

Charset CollationMap::Lookup(uint32_t collation_id) const {
  auto it = map_.find(collation_id);
  return it == map_.end() ? Charset::kUnknown : it->second.first;
}

std::string CollationMap::NameOf(uint32_t collation_id) const {
  auto it = map_.find(collation_id);
  return it == map_.end() ? "collation " + std::to_string(collation_id) : it->second.second;
}

CollationMap& CollationMap::Global() {
  static CollationMap map;
  return map;
}

void AppendUtf8(std::string& out, std::string_view bytes, Charset charset) {
  switch (charset) {
    case Charset::kUtf8:
    case Charset::kBinary:
      out.append(bytes.data(), bytes.size());
      return;
    case Charset::kLatin1:
      for (unsigned char c : bytes) {
        if (c < 0x80) {
          out.push_back(static_cast<char>(c));
        } else if (c < 0xA0) {
          values::AppendUtf8CodePoint(out, kCp1252High[c - 0x80]);
        } else {
          values::AppendUtf8CodePoint(out, c);
        }
      }
      return;
    case Charset::kUcs2:
    case Charset::kUtf16:
      AppendUtf16(out, bytes, true);
      return;
    case Charset::kUtf16le:
      AppendUtf16(out, bytes, false);
      return;
    case Charset::kUtf32: {
      const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
      for (size_t i = 0; i + 4 <= bytes.size(); i += 4) {
        values::AppendUtf8CodePoint(out, (uint32_t{p[i]} << 24) | (uint32_t{p[i + 1]} << 16) |
                                 (uint32_t{p[i + 2]} << 8) | p[i + 3]);
      }
      return;
    }
    case Charset::kUnknown:
    case Charset::kOther:
      break;
  }
  throw UnsupportedError("text in this character set cannot be decoded");
}

}  // namespace dbct::binlog
