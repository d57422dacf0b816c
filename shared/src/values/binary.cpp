#include "dbct/values/binary.hpp"

#include <algorithm>

namespace dbct::values {

namespace {

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kBase64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr char kHex[] = "0123456789abcdef";

void WriteBase64Value(JsonWriter& w, std::string_view bytes) {
  w.BeginStringValue();
  AppendBase64(w.Buffer(), bytes);
  w.EndStringValue();
}

}  // namespace

void AppendBase64(std::string& out, std::string_view bytes, bool url_safe) {
  const char* alphabet = url_safe ? kBase64Url : kBase64;
  const auto* s = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t n = bytes.size();
  const size_t start = out.size();
  out.resize(start + (n + 2) / 3 * 4);
  char* p = &out[start];
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const uint32_t v = (uint32_t{s[i]} << 16) | (uint32_t{s[i + 1]} << 8) | s[i + 2];
    *p++ = alphabet[v >> 18];
    *p++ = alphabet[(v >> 12) & 63];
    *p++ = alphabet[(v >> 6) & 63];
    *p++ = alphabet[v & 63];
  }
  if (i < n) {
    uint32_t v = uint32_t{s[i]} << 16;
    if (i + 1 < n) v |= uint32_t{s[i + 1]} << 8;
    *p++ = alphabet[v >> 18];
    *p++ = alphabet[(v >> 12) & 63];
    *p++ = i + 1 < n ? alphabet[(v >> 6) & 63] : '=';
    *p++ = '=';
  }
}

void AppendHex(std::string& out, std::string_view bytes) {
  const size_t start = out.size();
  out.resize(start + bytes.size() * 2);
  char* p = &out[start];
  for (unsigned char c : bytes) {
    *p++ = kHex[c >> 4];
    *p++ = kHex[c & 15];
  }
}

void WriteBytes(JsonWriter& w, std::string_view bytes, BinaryMode mode) {
  w.BeginStringValue();
  switch (mode) {
    case BinaryMode::kBytes:
    case BinaryMode::kBase64:
      AppendBase64(w.Buffer(), bytes);
      break;
    case BinaryMode::kBase64UrlSafe:
      AppendBase64(w.Buffer(), bytes, true);
      break;
    case BinaryMode::kHex:
      AppendHex(w.Buffer(), bytes);
      break;
  }
  w.EndStringValue();
}

void WriteBits(JsonWriter& w, std::string_view bit_text, int32_t length) {
  for (char c : bit_text) {
    if (c != '0' && c != '1') {
      throw ValueError("bit string \"" + std::string(bit_text) + "\" holds a character other than 0 and 1");
    }
  }
  if (length == 1) {
    // bit(1) and varbit(1) are BOOLEAN (PostgresValueConverter.convertBits).
    w.Bool(bit_text.find('1') != std::string_view::npos);
    return;
  }
  // Bit i (from the right) goes to byte i / 8, bit i % 8; bytes up to the highest set bit.
  const size_t n = bit_text.size();
  size_t highest = 0;  // number of bits up to and including the highest set one
  for (size_t i = 0; i < n; ++i) {
    if (bit_text[n - 1 - i] == '1') highest = i + 1;
  }
  char small[64];
  std::string large;
  const size_t num_bytes = (highest + 7) / 8;
  char* bytes = small;
  if (num_bytes > sizeof small) {
    large.assign(num_bytes, '\0');
    bytes = large.data();
  } else {
    std::fill(small, small + num_bytes, '\0');
  }
  for (size_t i = 0; i < highest; ++i) {
    if (bit_text[n - 1 - i] == '1') bytes[i / 8] |= static_cast<char>(1 << (i % 8));
  }
  WriteBase64Value(w, std::string_view(bytes, num_bytes));
}

void WriteBitsFromBigEndian(JsonWriter& w, std::string_view bytes, int32_t length) {
  if (length == 1) {
    bool set = false;
    for (unsigned char c : bytes) set = set || c != 0;
    w.Bool(set);
    return;
  }
  const size_t num_bytes = std::max(bytes.size(), static_cast<size_t>((length + 7) / 8));
  std::string little(num_bytes, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) little[i] = bytes[bytes.size() - 1 - i];
  WriteBase64Value(w, little);
}

}  // namespace dbct::values
