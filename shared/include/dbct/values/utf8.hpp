// UTF-8 encoding of one Unicode code point, for the decoders that turn a source's text (UTF-16,
// single-byte charsets, escaped units) into the UTF-8 the events carry.
#ifndef DBCT_VALUES_UTF8_HPP
#define DBCT_VALUES_UTF8_HPP

#include <cstddef>
#include <cstdint>
#include <string>

namespace dbct::values {

// Appends `cp` as UTF-8. A surrogate or a value past U+10FFFF (no character) becomes U+FFFD, so
// the output is always valid UTF-8.
inline void AppendUtf8CodePoint(std::string& out, uint32_t cp) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Appends `count` UTF-16 code units as UTF-8, `unit(i)` giving the i-th (the caller knows the
// byte order): a surrogate pair becomes its code point, a lone surrogate U+FFFD.
template <typename UnitAt>
void AppendUtf8FromUtf16(std::string& out, size_t count, UnitAt unit) {
  for (size_t i = 0; i < count; ++i) {
    uint32_t cp = unit(i);
    if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < count) {
      const uint32_t low = unit(i + 1);
      if (low >= 0xDC00 && low <= 0xDFFF) {
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        ++i;
      }
    }
    AppendUtf8CodePoint(out, cp);
  }
}

}  // namespace dbct::values

#endif  // DBCT_VALUES_UTF8_HPP
