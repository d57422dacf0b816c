#include "dbct/envelope/json_writer.hpp"

#include <charconv>
#include <cmath>

namespace dbct::envelope {

namespace {

// 1 for ASCII bytes that JSON requires escaped: control characters, quote and backslash.
constexpr bool NeedsEscape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD in UTF-8

void AppendControlEscape(std::string& out, unsigned char c) {
  switch (c) {
    case '"':
      out.append("\\\"", 2);
      return;
    case '\\':
      out.append("\\\\", 2);
      return;
    case '\b':
      out.append("\\b", 2);
      return;
    case '\f':
      out.append("\\f", 2);
      return;
    case '\n':
      out.append("\\n", 2);
      return;
    case '\r':
      out.append("\\r", 2);
      return;
    case '\t':
      out.append("\\t", 2);
      return;
    default: {
      char buf[6] = {'\\', 'u', '0', '0', kHexDigits[c >> 4], kHexDigits[c & 0xF]};
      out.append(buf, 6);
    }
  }
}

// Length of the valid UTF-8 sequence starting at s[i] (2..4), or 0 with *bad set to the
// number of bytes making up the maximal invalid subpart (Unicode's "substitution of maximal
// subparts": one U+FFFD per such subpart).
size_t Utf8SequenceLength(const unsigned char* s, size_t n, size_t i, size_t* bad) {
  const unsigned char c = s[i];
  size_t len;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;  // no overlong forms
    if (c == 0xED) hi = 0x9F;  // no UTF-16 surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    *bad = 1;
    return 0;
  }
  for (size_t k = 1; k < len; ++k) {
    if (i + k >= n) {
      *bad = k;
      return 0;
    }
    const unsigned char b = s[i + k];
    const unsigned char min = k == 1 ? lo : 0x80;
    const unsigned char max = k == 1 ? hi : 0xBF;
    if (b < min || b > max) {
      *bad = k;
      return 0;
    }
  }
  return len;
}

}  // namespace

void JsonWriter::AppendEscaped(std::string& out, std::string_view value) {
  const auto* s = reinterpret_cast<const unsigned char*>(value.data());
  const size_t n = value.size();
  size_t run = 0;  // start of the bytes not yet copied
  size_t i = 0;
  while (i < n) {
    const unsigned char c = s[i];
    if (c < 0x80) {
      if (NeedsEscape(c)) {
        out.append(value.data() + run, i - run);
        AppendControlEscape(out, c);
        run = ++i;
      } else {
        ++i;
      }
      continue;
    }
    size_t bad = 0;
    const size_t len = Utf8SequenceLength(s, n, i, &bad);
    if (len != 0) {
      i += len;
      continue;
    }
    out.append(value.data() + run, i - run);
    out.append(kReplacement.data(), kReplacement.size());
    i += bad;
    run = i;
  }
  out.append(value.data() + run, n - run);
}

void JsonWriter::Int(int64_t value) {
  char buf[24];
  char* p = buf;
  if (need_comma_) *p++ = ',';
  auto result = std::to_chars(p, buf + sizeof buf, value);
  out_.append(buf, result.ptr - buf);
  need_comma_ = true;
}

void JsonWriter::UInt(uint64_t value) {
  char buf[24];
  char* p = buf;
  if (need_comma_) *p++ = ',';
  auto result = std::to_chars(p, buf + sizeof buf, value);
  out_.append(buf, result.ptr - buf);
  need_comma_ = true;
}

namespace {

// Appends ".0" to an integral-looking shortest form ("100" -> "100.0") so a double stays a
// floating-point number for JSON readers that type numbers, as Java's Double.toString does.
void AppendFloatingText(std::string& out, const char* begin, const char* end) {
  out.append(begin, end - begin);
  for (const char* p = begin; p != end; ++p) {
    if (*p == '.' || *p == 'e' || *p == 'E') return;
  }
  out.append(".0", 2);
}

template <typename T>
bool WriteNonFinite(JsonWriter& w, T value) {
  if (std::isnan(value)) {
    w.StringLiteral("NaN");
    return true;
  }
  if (std::isinf(value)) {
    w.StringLiteral(value > 0 ? "Infinity" : "-Infinity");
    return true;
  }
  return false;
}

}  // namespace

void JsonWriter::Double(double value) {
  if (WriteNonFinite(*this, value)) return;
  Separate();
  char buf[32];
  auto result = std::to_chars(buf, buf + sizeof buf, value);
  AppendFloatingText(out_, buf, result.ptr);
  need_comma_ = true;
}

void JsonWriter::Float(float value) {
  if (WriteNonFinite(*this, value)) return;
  Separate();
  char buf[32];
  auto result = std::to_chars(buf, buf + sizeof buf, value);
  AppendFloatingText(out_, buf, result.ptr);
  need_comma_ = true;
}

}  // namespace dbct::envelope
