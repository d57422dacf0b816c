#include "ext_json.hpp"

#include <unicode/uchar.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

namespace dbct::mongodb {

namespace {

// StrictCharacterStreamJsonWriter's separators: a member or array element after the first is
// preceded by "," (indent on with empty newline characters) or ", " (indent off).
class JavaJsonWriter {
 public:
  JavaJsonWriter(JsonStyle style, std::string* out) : style_(style), out_(out) {}

  void StartObject() {
    BeforeValue();
    out_->push_back('{');
    has_elements_.push_back(false);
    in_array_.push_back(false);
  }
  void EndObject() {
    out_->push_back('}');
    has_elements_.pop_back();
    in_array_.pop_back();
  }
  void StartArray() {
    BeforeValue();
    out_->push_back('[');
    has_elements_.push_back(false);
    in_array_.push_back(true);
  }
  void EndArray() {
    out_->push_back(']');
    has_elements_.pop_back();
    in_array_.pop_back();
  }
  // Object members: the name, then exactly one value.
  void Name(std::string_view name) {
    Separate();
    AppendJavaJsonString(name, out_);
    out_->append(": ");
    after_name_ = true;
  }
  void Number(std::string_view text) {
    BeforeValue();
    out_->append(text);
  }
  void String(std::string_view text) {
    BeforeValue();
    AppendJavaJsonString(text, out_);
  }
  void Bool(bool value) { Number(value ? "true" : "false"); }
  void Null() { Number("null"); }

 private:
  void Separate() {
    if (!has_elements_.empty()) {
      if (has_elements_.back()) out_->append(style_.layout == JsonLayout::kCompact ? "," : ", ");
      has_elements_.back() = true;
    }
  }
  void BeforeValue() {
    if (after_name_) {
      after_name_ = false;
      return;
    }
    if (!in_array_.empty() && in_array_.back()) Separate();
  }

  JsonStyle style_;
  std::string* out_;
  std::vector<bool> has_elements_;
  std::vector<bool> in_array_;
  bool after_name_ = false;
};

void WriteDocument(JavaJsonWriter& w, bson_iter_t* iter, bool is_array, JsonStyle style);

void WriteOid(JavaJsonWriter& w, const bson_oid_t* oid) {
  char hex[25];
  bson_oid_to_string(oid, hex);
  w.StartObject();
  w.Name("$oid");
  w.String(hex);
  w.EndObject();
}

std::string Base64(const uint8_t* data, size_t len) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((len + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= len; i += 3) {
    const uint32_t v = (uint32_t{data[i]} << 16) | (uint32_t{data[i + 1]} << 8) | data[i + 2];
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back(kAlphabet[v & 63]);
  }
  if (i < len) {
    uint32_t v = uint32_t{data[i]} << 16;
    if (i + 1 < len) v |= uint32_t{data[i + 1]} << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(i + 1 < len ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

// java.time ISO_OFFSET_DATE_TIME of an instant in UTC: seconds always, the fraction only when
// not zero and without trailing zeros ("2024-01-01T00:00:00.5Z").
std::string IsoDate(int64_t ms) {
  int64_t days = ms / 86400000;
  int64_t rem = ms % 86400000;
  if (rem < 0) {
    rem += 86400000;
    --days;
  }
  // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp + (mp < 10 ? 3 : -9);
  if (m <= 2) ++y;
  const int64_t millis = rem % 1000;
  const int64_t secs = rem / 1000;
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld", static_cast<long long>(y),
                        static_cast<long long>(m), static_cast<long long>(d),
                        static_cast<long long>(secs / 3600), static_cast<long long>(secs / 60 % 60),
                        static_cast<long long>(secs % 60));
  std::string out(buf, static_cast<size_t>(n));
  if (millis != 0) {
    char frac[8];
    std::snprintf(frac, sizeof frac, ".%03lld", static_cast<long long>(millis));
    std::string f(frac);
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  out += 'Z';
  return out;
}

void WriteDate(JavaJsonWriter& w, int64_t ms, JsonMode mode) {
  constexpr int64_t kLastMsOfYear9999 = 253402300799999;
  w.StartObject();
  w.Name("$date");
  if (mode == JsonMode::kStrict) {
    w.Number(std::to_string(ms));  // LegacyExtendedJsonDateTimeConverter
  } else if (mode == JsonMode::kRelaxed && ms >= 0 && ms <= kLastMsOfYear9999) {
    w.String(IsoDate(ms));  // RelaxedExtendedJsonDateTimeConverter
  } else {
    w.StartObject();
    w.Name("$numberLong");
    w.String(std::to_string(ms));
    w.EndObject();
  }
  w.EndObject();
}

void WriteDouble(JavaJsonWriter& w, double value, JsonMode mode) {
  const std::string text = JavaDoubleString(value);
  if (mode == JsonMode::kExtended || (mode == JsonMode::kRelaxed && !std::isfinite(value))) {
    w.StartObject();
    w.Name("$numberDouble");
    w.String(text);
    w.EndObject();
  } else {
    w.Number(text);  // JsonDoubleConverter: NaN stays a bare NaN, as in the driver
  }
}

void WriteValue(JavaJsonWriter& w, const bson_iter_t* iter, JsonStyle style) {
  const JsonMode mode = style.mode;
  switch (bson_iter_type(iter)) {
    case BSON_TYPE_DOUBLE:
      WriteDouble(w, bson_iter_double(iter), mode);
      return;
    case BSON_TYPE_UTF8: {
      uint32_t len = 0;
      const char* s = bson_iter_utf8(iter, &len);
      w.String(std::string_view(s, len));
      return;
    }
    case BSON_TYPE_DOCUMENT:
    case BSON_TYPE_ARRAY: {
      bson_iter_t child;
      if (!bson_iter_recurse(iter, &child)) {
        w.Null();
        return;
      }
      WriteDocument(w, &child, bson_iter_type(iter) == BSON_TYPE_ARRAY, style);
      return;
    }
    case BSON_TYPE_BINARY: {
      bson_subtype_t subtype;
      uint32_t len = 0;
      const uint8_t* data = nullptr;
      bson_iter_binary(iter, &subtype, &len, &data);
      char type_hex[4];
      std::snprintf(type_hex, sizeof type_hex, "%02X", static_cast<unsigned>(subtype) & 0xFF);
      w.StartObject();
      if (mode == JsonMode::kStrict) {  // LegacyExtendedJsonBinaryConverter
        w.Name("$binary");
        w.String(Base64(data, len));
        w.Name("$type");
        w.String(type_hex);
      } else {  // ExtendedJsonBinaryConverter
        w.Name("$binary");
        w.StartObject();
        w.Name("base64");
        w.String(Base64(data, len));
        w.Name("subType");
        w.String(type_hex);
        w.EndObject();
      }
      w.EndObject();
      return;
    }
    case BSON_TYPE_UNDEFINED:
      w.StartObject();
      w.Name("$undefined");
      w.Bool(true);
      w.EndObject();
      return;
    case BSON_TYPE_OID:
      WriteOid(w, bson_iter_oid(iter));
      return;
    case BSON_TYPE_BOOL:
      w.Bool(bson_iter_bool(iter));
      return;
    case BSON_TYPE_DATE_TIME:
      WriteDate(w, bson_iter_date_time(iter), mode);
      return;
    case BSON_TYPE_NULL:
      w.Null();
      return;
    case BSON_TYPE_REGEX: {
      const char* options = nullptr;
      const char* pattern = bson_iter_regex(iter, &options);
      w.StartObject();
      if (mode == JsonMode::kStrict) {
        w.Name("$regex");
        w.String(pattern);
        w.Name("$options");
        w.String(options ? options : "");
      } else {
        w.Name("$regularExpression");
        w.StartObject();
        w.Name("pattern");
        w.String(pattern);
        w.Name("options");
        w.String(options ? options : "");
        w.EndObject();
      }
      w.EndObject();
      return;
    }
    case BSON_TYPE_DBPOINTER: {
      uint32_t len = 0;
      const char* ns = nullptr;
      const bson_oid_t* oid = nullptr;
      bson_iter_dbpointer(iter, &len, &ns, &oid);
      w.StartObject();
      if (mode == JsonMode::kExtended) {
        w.Name("$dbPointer");
        w.StartObject();
      }
      w.Name("$ref");
      w.String(std::string_view(ns, len));
      w.Name("$id");
      WriteOid(w, oid);
      if (mode == JsonMode::kExtended) w.EndObject();
      w.EndObject();
      return;
    }
    case BSON_TYPE_CODE: {
      uint32_t len = 0;
      const char* code = bson_iter_code(iter, &len);
      w.StartObject();
      w.Name("$code");
      w.String(std::string_view(code, len));
      w.EndObject();
      return;
    }
    case BSON_TYPE_SYMBOL: {
      uint32_t len = 0;
      const char* symbol = bson_iter_symbol(iter, &len);
      w.StartObject();
      w.Name("$symbol");
      w.String(std::string_view(symbol, len));
      w.EndObject();
      return;
    }
    case BSON_TYPE_CODEWSCOPE: {
      uint32_t len = 0, scope_len = 0;
      const uint8_t* scope = nullptr;
      const char* code = bson_iter_codewscope(iter, &len, &scope_len, &scope);
      w.StartObject();
      w.Name("$code");
      w.String(std::string_view(code, len));
      w.Name("$scope");
      bson_t scope_doc;
      bson_iter_t child;
      if (bson_init_static(&scope_doc, scope, scope_len) && bson_iter_init(&child, &scope_doc)) {
        WriteDocument(w, &child, false, style);
      } else {
        w.Null();
      }
      w.EndObject();
      return;
    }
    case BSON_TYPE_INT32: {
      const std::string text = std::to_string(bson_iter_int32(iter));
      if (mode == JsonMode::kExtended) {
        w.StartObject();
        w.Name("$numberInt");
        w.String(text);
        w.EndObject();
      } else {
        w.Number(text);
      }
      return;
    }
    case BSON_TYPE_TIMESTAMP: {
      uint32_t t = 0, i = 0;
      bson_iter_timestamp(iter, &t, &i);
      w.StartObject();
      w.Name("$timestamp");
      w.StartObject();
      w.Name("t");
      w.Number(std::to_string(t));
      w.Name("i");
      w.Number(std::to_string(i));
      w.EndObject();
      w.EndObject();
      return;
    }
    case BSON_TYPE_INT64: {
      const std::string text = std::to_string(bson_iter_int64(iter));
      if (mode == JsonMode::kRelaxed) {
        w.Number(text);
      } else {
        w.StartObject();
        w.Name("$numberLong");
        w.String(text);
        w.EndObject();
      }
      return;
    }
    case BSON_TYPE_DECIMAL128: {
      bson_decimal128_t dec;
      bson_iter_decimal128(iter, &dec);
      char text[BSON_DECIMAL128_STRING];
      bson_decimal128_to_string(&dec, text);
      w.StartObject();
      w.Name("$numberDecimal");
      w.String(text);
      w.EndObject();
      return;
    }
    case BSON_TYPE_MAXKEY:
    case BSON_TYPE_MINKEY:
      w.StartObject();
      w.Name(bson_iter_type(iter) == BSON_TYPE_MAXKEY ? "$maxKey" : "$minKey");
      w.Number("1");
      w.EndObject();
      return;
    case BSON_TYPE_EOD:
    default:
      w.Null();
      return;
  }
}

void WriteDocument(JavaJsonWriter& w, bson_iter_t* iter, bool is_array, JsonStyle style) {
  if (is_array) {
    w.StartArray();
    while (bson_iter_next(iter)) WriteValue(w, iter, style);
    w.EndArray();
    return;
  }
  w.StartObject();
  while (bson_iter_next(iter)) {
    w.Name(std::string_view(bson_iter_key(iter), bson_iter_key_len(iter)));
    WriteValue(w, iter, style);
  }
  w.EndObject();
}

// Whether Java's writer prints this UTF-16 code unit as is (StrictCharacterStreamJsonWriter:
// by Character.getType). ICU's categories are the same Unicode general categories.
bool PrintedAsIs(uint32_t unit) {
  switch (static_cast<UCharCategory>(u_charType(static_cast<UChar32>(unit)))) {
    case U_UPPERCASE_LETTER:
    case U_LOWERCASE_LETTER:
    case U_TITLECASE_LETTER:
    case U_OTHER_LETTER:
    case U_DECIMAL_DIGIT_NUMBER:
    case U_LETTER_NUMBER:
    case U_OTHER_NUMBER:
    case U_SPACE_SEPARATOR:
    case U_CONNECTOR_PUNCTUATION:
    case U_DASH_PUNCTUATION:
    case U_START_PUNCTUATION:
    case U_END_PUNCTUATION:
    case U_INITIAL_PUNCTUATION:
    case U_FINAL_PUNCTUATION:
    case U_OTHER_PUNCTUATION:
    case U_MATH_SYMBOL:
    case U_CURRENCY_SYMBOL:
    case U_MODIFIER_SYMBOL:
    case U_OTHER_SYMBOL:
      return true;
    default:
      return false;
  }
}

void AppendUnicodeEscape(uint32_t unit, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->append("\\u");
  out->push_back(kHex[(unit >> 12) & 0xF]);
  out->push_back(kHex[(unit >> 8) & 0xF]);
  out->push_back(kHex[(unit >> 4) & 0xF]);
  out->push_back(kHex[unit & 0xF]);
}

// Decodes one UTF-8 sequence at s[i]; invalid bytes give U+FFFD (what Java's decoder does).
uint32_t NextCodePoint(std::string_view s, size_t* i) {
  const auto b0 = static_cast<unsigned char>(s[*i]);
  auto cont = [&](size_t k) {
    return *i + k < s.size() && (static_cast<unsigned char>(s[*i + k]) & 0xC0) == 0x80;
  };
  auto at = [&](size_t k) { return static_cast<uint32_t>(static_cast<unsigned char>(s[*i + k]) & 0x3F); };
  if (b0 < 0x80) {
    *i += 1;
    return b0;
  }
  if (b0 >= 0xC2 && b0 < 0xE0 && cont(1)) {
    const uint32_t cp = ((b0 & 0x1Fu) << 6) | at(1);
    *i += 2;
    return cp;
  }
  if (b0 >= 0xE0 && b0 < 0xF0 && cont(1) && cont(2)) {
    const uint32_t cp = ((b0 & 0x0Fu) << 12) | (at(1) << 6) | at(2);
    if (cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF)) {
      *i += 3;
      return cp;
    }
  }
  if (b0 >= 0xF0 && b0 < 0xF5 && cont(1) && cont(2) && cont(3)) {
    const uint32_t cp = ((b0 & 0x07u) << 18) | (at(1) << 12) | (at(2) << 6) | at(3);
    if (cp >= 0x10000 && cp <= 0x10FFFF) {
      *i += 4;
      return cp;
    }
  }
  *i += 1;
  return 0xFFFD;
}

void AppendCodePointUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace

JsonStyle DocumentStyle(SerializationMode mode) {
  switch (mode) {
    case SerializationMode::kLegacy:
    case SerializationMode::kStrict:
      return {JsonMode::kStrict, JsonLayout::kCompact};
    case SerializationMode::kExtended:
      return {JsonMode::kExtended, JsonLayout::kCompact};
    case SerializationMode::kRelaxed:
      return {JsonMode::kRelaxed, JsonLayout::kCompact};
  }
  return {};
}

JsonStyle UpdatedFieldsStyle(SerializationMode mode) {
  if (mode == SerializationMode::kLegacy) return {JsonMode::kRelaxed, JsonLayout::kSpaced};  // toJson()
  return DocumentStyle(mode);
}

void AppendDocumentJson(const bson_t* document, JsonStyle style, std::string* out) {
  JavaJsonWriter w(style, out);
  bson_iter_t iter;
  if (document == nullptr || !bson_iter_init(&iter, document)) {
    out->append("{}");
    return;
  }
  WriteDocument(w, &iter, false, style);
}

void AppendValueJson(const bson_iter_t* iter, JsonStyle style, std::string* out) {
  JavaJsonWriter w(style, out);
  WriteValue(w, iter, style);
}

std::string JavaDoubleString(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  if (value == 0) return std::signbit(value) ? "-0.0" : "0.0";

  // Shortest digits that read back to the same double; Java (JDK 19+) prefers two digits
  // over one when a two-digit decimal is closer (4.9E-324, not 5.0E-324).
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
  std::string sci(buf, r.ptr);
  const size_t e_pos = sci.find('e');
  std::string mantissa = sci.substr(0, e_pos);
  int exponent = std::stoi(sci.substr(e_pos + 1));
  const bool negative = mantissa[0] == '-';
  if (negative) mantissa.erase(0, 1);
  std::string digits;
  for (char c : mantissa) {
    if (c != '.') digits.push_back(c);
  }
  if (digits.size() == 1) {
    r = std::to_chars(buf, buf + sizeof buf, std::fabs(value), std::chars_format::scientific, 1);
    std::string two(buf, r.ptr);
    if (std::strtod(two.c_str(), nullptr) == std::fabs(value)) {
      const size_t e2 = two.find('e');
      std::string d2 = two.substr(0, 1) + two.substr(2, e2 - 2);
      exponent = std::stoi(two.substr(e2 + 1));
      digits = d2;
      while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
    }
  }

  std::string out = negative ? "-" : "";
  const double magnitude = std::fabs(value);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    if (exponent >= 0) {
      const size_t int_len = static_cast<size_t>(exponent) + 1;
      std::string int_part = digits.substr(0, std::min(int_len, digits.size()));
      while (int_part.size() < int_len) int_part.push_back('0');
      std::string frac = digits.size() > int_len ? digits.substr(int_len) : "0";
      out += int_part + "." + frac;
    } else {
      out += "0." + std::string(static_cast<size_t>(-exponent - 1), '0') + digits;
    }
  } else {
    out += digits.substr(0, 1) + "." + (digits.size() > 1 ? digits.substr(1) : "0") + "E";
    if (exponent > 0) out += "+";  // JsonDoubleHelper
    out += std::to_string(exponent);
  }
  return out;
}

void AppendJavaJsonString(std::string_view utf8, std::string* out) {
  out->push_back('"');
  size_t i = 0;
  while (i < utf8.size()) {
    const uint32_t cp = NextCodePoint(utf8, &i);
    switch (cp) {
      case '"':
        out->append("\\\"");
        continue;
      case '\\':
        out->append("\\\\");
        continue;
      case '\b':
        out->append("\\b");
        continue;
      case '\f':
        out->append("\\f");
        continue;
      case '\n':
        out->append("\\n");
        continue;
      case '\r':
        out->append("\\r");
        continue;
      case '\t':
        out->append("\\t");
        continue;
      default:
        break;
    }
    if (cp >= 0x10000) {
      // Two UTF-16 surrogates, each of category SURROGATE: both escaped.
      const uint32_t v = cp - 0x10000;
      AppendUnicodeEscape(0xD800 + (v >> 10), out);
      AppendUnicodeEscape(0xDC00 + (v & 0x3FF), out);
    } else if (PrintedAsIs(cp)) {
      AppendCodePointUtf8(cp, out);
    } else {
      AppendUnicodeEscape(cp, out);
    }
  }
  out->push_back('"');
}

}  // namespace dbct::mongodb
