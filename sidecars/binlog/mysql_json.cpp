#include "mysql_json.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "binlog_error.hpp"
#include "byte_reader.hpp"
#include "decimal_codec.hpp"
#include "dbct/values/binary.hpp"
#include "temporal_codec.hpp"

namespace dbct::binlog {

namespace {

enum : uint8_t {
  kSmallObject = 0x00,
  kLargeObject = 0x01,
  kSmallArray = 0x02,
  kLargeArray = 0x03,
  kLiteral = 0x04,
  kInt16 = 0x05,
  kUint16 = 0x06,
  kInt32 = 0x07,
  kUint32 = 0x08,
  kInt64 = 0x09,
  kUint64 = 0x0a,
  kDouble = 0x0b,
  kString = 0x0c,
  kOpaque = 0x0f,
};

// Column types that an opaque value may carry and that Debezium prints as text.
constexpr uint8_t kOpaqueDecimal = 246;
constexpr uint8_t kOpaqueDate = 10;
constexpr uint8_t kOpaqueTime = 11;
constexpr uint8_t kOpaqueDatetime = 12;
constexpr uint8_t kOpaqueTimestamp = 7;

[[noreturn]] void Corrupt(const std::string& what) {
  throw DecodeError("corrupt binary JSON value: " + what);
}

class JsonReader {
 public:
  JsonReader(std::string_view data, std::string& out)
      : data_(reinterpret_cast<const uint8_t*>(data.data())), size_(data.size()), out_(out) {}

  void Value(uint8_t type, size_t offset, int depth) {
    if (depth > 100) Corrupt("nested too deep");
    switch (type) {
      case kSmallObject:
      case kLargeObject:
        Container(offset, type == kLargeObject, true, depth);
        return;
      case kSmallArray:
      case kLargeArray:
        Container(offset, type == kLargeArray, false, depth);
        return;
      case kLiteral:
        Literal(At(offset, 1)[0]);
        return;
      case kInt16:
        AppendInt(static_cast<int16_t>(ReadLittleEndian(At(offset, 2), 2)));
        return;
      case kUint16:
        AppendInt(static_cast<int64_t>(ReadLittleEndian(At(offset, 2), 2)));
        return;
      case kInt32:
        AppendInt(static_cast<int32_t>(ReadLittleEndian(At(offset, 4), 4)));
        return;
      case kUint32:
        AppendInt(static_cast<int64_t>(ReadLittleEndian(At(offset, 4), 4)));
        return;
      case kInt64:
        AppendInt(static_cast<int64_t>(ReadLittleEndian(At(offset, 8), 8)));
        return;
      case kUint64:
        out_ += std::to_string(ReadLittleEndian(At(offset, 8), 8));
        return;
      case kDouble: {
        double d;
        std::memcpy(&d, At(offset, 8), 8);
        AppendJavaDouble(d);
        return;
      }
      case kString: {
        size_t pos = offset;
        const size_t len = VarLength(pos);
        AppendQuoted(reinterpret_cast<const char*>(At(pos, len)), len);
        return;
      }
      case kOpaque:
        Opaque(offset);
        return;
      default:
        Corrupt("value type " + std::to_string(type));
    }
  }

 private:
  const uint8_t* At(size_t offset, size_t n) const {
    if (offset > size_ || n > size_ - offset) Corrupt("offset past the end");
    return data_ + offset;
  }

  // Variable-length size: 7 bits per byte, low bits first, high bit set when more follow.
  size_t VarLength(size_t& pos) const {
    size_t len = 0;
    for (int i = 0; i < 5; ++i) {
      const uint8_t b = At(pos++, 1)[0];
      len |= size_t{b & 0x7fu} << (7 * i);
      if ((b & 0x80) == 0) return len;
    }
    Corrupt("variable length too long");
  }

  static bool Inlined(uint8_t type, bool large) {
    switch (type) {
      case kLiteral:
      case kInt16:
      case kUint16:
        return true;
      case kInt32:
      case kUint32:
        return large;
      default:
        return false;
    }
  }

  void Container(size_t offset, bool large, bool object, int depth) {
    const size_t word = large ? 4 : 2;
    const uint8_t* head = At(offset, 2 * word);
    const size_t count = ReadLittleEndian(head, word);
    const size_t bytes = ReadLittleEndian(head + word, word);
    if (bytes > size_ - offset) Corrupt("container larger than the value");
    const size_t key_entry = word + 2;
    const size_t value_entry = 1 + word;
    const size_t keys_start = offset + 2 * word;
    const size_t values_start = keys_start + (object ? count * key_entry : 0);
    if (count > bytes) Corrupt("element count");
    out_.push_back(object ? '{' : '[');
    for (size_t i = 0; i < count; ++i) {
      if (i > 0) out_.push_back(',');
      if (object) {
        const uint8_t* k = At(keys_start + i * key_entry, key_entry);
        const size_t key_offset = ReadLittleEndian(k, word);
        const size_t key_length = ReadLittleEndian(k + word, 2);
        AppendQuoted(reinterpret_cast<const char*>(At(offset + key_offset, key_length)), key_length);
        out_.push_back(':');
      }
      const uint8_t* v = At(values_start + i * value_entry, value_entry);
      const uint8_t type = v[0];
      if (Inlined(type, large)) {
        Value(type, values_start + i * value_entry + 1, depth + 1);
      } else {
        Value(type, offset + ReadLittleEndian(v + 1, word), depth + 1);
      }
    }
    out_.push_back(object ? '}' : ']');
  }

  void Literal(uint8_t v) {
    switch (v) {
      case 0: out_ += "null"; return;
      case 1: out_ += "true"; return;
      case 2: out_ += "false"; return;
      default: Corrupt("literal " + std::to_string(v));
    }
  }

  void AppendInt(int64_t v) { out_ += std::to_string(v); }

  void AppendJavaDouble(double d) {
    std::string text = JavaDoubleText(d);
    if (text.find('E') == std::string::npos) {
      out_ += text;
    } else {
      AppendExactDecimal(d);  // new BigDecimal(d).toPlainString()
    }
  }

  // The exact decimal expansion of a finite double, as BigDecimal(double).toPlainString().
  void AppendExactDecimal(double d) {
    if (d < 0) out_.push_back('-');
    int exp = 0;
    const double frac = std::frexp(std::fabs(d), &exp);
    uint64_t mantissa = static_cast<uint64_t>(std::ldexp(frac, 53));
    exp -= 53;
    while (mantissa != 0 && (mantissa & 1) == 0 && exp < 0) {
      mantissa >>= 1;
      ++exp;
    }
    // Big number in base 1e9, least significant limb first.
    std::vector<uint32_t> limbs{static_cast<uint32_t>(mantissa % 1000000000u),
                                static_cast<uint32_t>(mantissa / 1000000000u % 1000000000u),
                                static_cast<uint32_t>(mantissa / 1000000000000000000u)};
    auto multiply = [&limbs](uint32_t by) {
      uint64_t carry = 0;
      for (auto& limb : limbs) {
        const uint64_t v = uint64_t{limb} * by + carry;
        limb = static_cast<uint32_t>(v % 1000000000u);
        carry = v / 1000000000u;
      }
      while (carry != 0) {
        limbs.push_back(static_cast<uint32_t>(carry % 1000000000u));
        carry /= 1000000000u;
      }
    };
    const int fraction_digits = exp < 0 ? -exp : 0;
    for (int i = 0; i < exp; ++i) multiply(2);
    for (int i = 0; i < fraction_digits; ++i) multiply(5);  // m * 2^-k = m * 5^k / 10^k
    std::string digits;
    for (size_t i = limbs.size(); i-- > 0;) {
      char buf[16];
      std::snprintf(buf, sizeof buf, digits.empty() ? "%u" : "%09u", limbs[i]);
      if (digits.empty() && limbs[i] == 0) continue;
      digits += buf;
    }
    if (digits.empty()) digits = "0";
    if (fraction_digits == 0) {
      out_ += digits;
      return;
    }
    if (static_cast<int>(digits.size()) <= fraction_digits) {
      digits.insert(0, static_cast<size_t>(fraction_digits) - digits.size() + 1, '0');
    }
    out_.append(digits, 0, digits.size() - static_cast<size_t>(fraction_digits));
    out_.push_back('.');
    out_.append(digits, digits.size() - static_cast<size_t>(fraction_digits), std::string::npos);
  }

  void AppendQuoted(const char* s, size_t n) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    out_.push_back('"');
    for (size_t i = 0; i < n; ++i) {
      const unsigned char c = static_cast<unsigned char>(s[i]);
      switch (c) {
        case '"': out_ += "\\\""; break;
        case '\\': out_ += "\\\\"; break;
        case '\b': out_ += "\\b"; break;
        case '\t': out_ += "\\t"; break;
        case '\f': out_ += "\\f"; break;
        case '\n': out_ += "\\n"; break;
        case '\r': out_ += "\\r"; break;
        default:
          if (c < 0x20) {
            out_ += "\\u00";
            out_.push_back(kHex[c >> 4]);
            out_.push_back(kHex[c & 15]);
          } else {
            out_.push_back(static_cast<char>(c));
          }
      }
    }
    out_.push_back('"');
  }

  void Opaque(size_t offset) {
    const uint8_t type = At(offset, 1)[0];
    size_t pos = offset + 1;
    const size_t len = VarLength(pos);
    const uint8_t* p = At(pos, len);
    char buf[64];
    switch (type) {
      case kOpaqueDecimal: {
        if (len < 2) Corrupt("DECIMAL without precision and scale");
        const uint8_t precision = p[0];
        const uint8_t scale = p[1];
        if (DecimalBinarySize(precision, scale) > len - 2) Corrupt("DECIMAL shorter than its precision");
        AppendDecimalText(out_, p + 2, precision, scale);
        return;
      }
      case kOpaqueDate:
      case kOpaqueDatetime:
      case kOpaqueTimestamp: {
        if (len < 8) Corrupt("DATETIME shorter than 8 bytes");
        // A packed longlong: (YYYYMMDDhhmmss bits << 24) | microseconds, little-endian.
        int64_t packed = static_cast<int64_t>(ReadLittleEndian(p, 8));
        if (packed < 0) packed = -packed;
        const int64_t micros = packed % (1 << 24);
        const int64_t ymdhms = packed >> 24;
        const int64_t ymd = ymdhms >> 17, ym = ymd >> 5, hms = ymdhms % (1 << 17);
        int n = std::snprintf(buf, sizeof buf, "\"%04d-%02d-%02d", static_cast<int>(ym / 13),
                              static_cast<int>(ym % 13), static_cast<int>(ymd % 32));
        out_.append(buf, static_cast<size_t>(n));
        if (type != kOpaqueDate) {
          n = std::snprintf(buf, sizeof buf, " %02d:%02d:%02d", static_cast<int>(hms >> 12),
                            static_cast<int>((hms >> 6) % 64), static_cast<int>(hms % 64));
          out_.append(buf, static_cast<size_t>(n));
          AppendMicros(micros);
        }
        out_.push_back('"');
        return;
      }
      case kOpaqueTime: {
        if (len < 8) Corrupt("TIME shorter than 8 bytes");
        int64_t packed = static_cast<int64_t>(ReadLittleEndian(p, 8));
        const bool negative = packed < 0;
        if (negative) packed = -packed;
        const int64_t micros = packed % (1 << 24);
        const int64_t hms = packed >> 24;
        const int n = std::snprintf(buf, sizeof buf, "\"%s%02d:%02d:%02d", negative ? "-" : "",
                                    static_cast<int>((hms >> 12) % 1024),
                                    static_cast<int>((hms >> 6) % 64), static_cast<int>(hms % 64));
        out_.append(buf, static_cast<size_t>(n));
        AppendMicros(micros);
        out_.push_back('"');
        return;
      }
      default:
        out_.push_back('"');
        values::AppendBase64(out_, std::string_view(reinterpret_cast<const char*>(p), len));
        out_.push_back('"');
        return;
    }
  }

  // ".ffffff" with trailing zeros removed, nothing for zero (JsonStringFormatter.appendTime).
  void AppendMicros(int64_t micros) {
    if (micros == 0) return;
    char buf[16];
    std::snprintf(buf, sizeof buf, ".%06d", static_cast<int>(micros));
    std::string_view s(buf);
    while (s.back() == '0') s.remove_suffix(1);
    out_.append(s.data(), s.size());
  }

  const uint8_t* data_;
  size_t size_;
  std::string& out_;
};

}  // namespace

std::string JavaDoubleText(double value) {
  if (value == 0) return std::signbit(value) ? "-0.0" : "0.0";
  char buf[64];
  // Shortest round-trip digits in scientific form: d.dddde±x
  auto res = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  const bool negative = sci[0] == '-';
  if (negative) sci.erase(0, 1);
  const size_t e = sci.find('e');
  std::string digits = sci.substr(0, e);
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  const int exponent = std::stoi(sci.substr(e + 1));
  std::string out = negative ? "-" : "";
  const double magnitude = std::fabs(value);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    if (exponent >= 0) {
      const size_t int_len = static_cast<size_t>(exponent) + 1;
      if (digits.size() <= int_len) {
        out += digits + std::string(int_len - digits.size(), '0') + ".0";
      } else {
        out += digits.substr(0, int_len) + "." + digits.substr(int_len);
      }
    } else {
      out += "0." + std::string(static_cast<size_t>(-exponent - 1), '0') + digits;
    }
  } else {
    out += digits.substr(0, 1) + "." + (digits.size() > 1 ? digits.substr(1) : "0") + "E" +
           std::to_string(exponent);
  }
  return out;
}

void AppendMysqlJsonText(std::string& out, std::string_view binary) {
  if (binary.empty()) {
    out += "null";
    return;
  }
  JsonReader reader(binary, out);
  reader.Value(static_cast<uint8_t>(binary[0]), 1, 0);
}

}  // namespace dbct::binlog
