#include "dbct/values/numeric.hpp"

#include <charconv>
#include <limits>
#include <vector>

#include "dbct/values/binary.hpp"

namespace dbct::values {

namespace {

enum class DecimalSpecial { kNone, kNaN, kPosInfinity, kNegInfinity };

struct DecimalText {
  DecimalSpecial special = DecimalSpecial::kNone;
  bool negative = false;
  std::string_view int_digits;   // leading zeros removed
  std::string_view frac_digits;  // as written
};

bool IsDigits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

DecimalText ParseDecimalText(std::string_view text) {
  DecimalText d;
  if (text == "NaN") {
    d.special = DecimalSpecial::kNaN;
    return d;
  }
  if (text == "Infinity" || text == "+Infinity") {
    d.special = DecimalSpecial::kPosInfinity;
    return d;
  }
  if (text == "-Infinity") {
    d.special = DecimalSpecial::kNegInfinity;
    return d;
  }
  std::string_view s = text;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    d.negative = s[0] == '-';
    s.remove_prefix(1);
  }
  const size_t point = s.find('.');
  std::string_view int_part = s.substr(0, point);
  std::string_view frac_part = point == std::string_view::npos ? std::string_view() : s.substr(point + 1);
  if ((int_part.empty() && frac_part.empty()) || !IsDigits(int_part) || !IsDigits(frac_part)) {
    throw ValueError("invalid decimal value \"" + std::string(text) +
                     "\": expected digits with an optional sign and decimal point");
  }
  while (!int_part.empty() && int_part[0] == '0') int_part.remove_prefix(1);
  d.int_digits = int_part;
  d.frac_digits = frac_part;
  return d;
}

// The unscaled digits of `d` at `scale` (rounded half-up when digits are dropped), without
// leading zeros ("" for zero), into `out`.
void UnscaledDigits(const DecimalText& d, size_t scale, std::string& out) {
  out.clear();
  out.append(d.int_digits.data(), d.int_digits.size());
  const size_t frac = d.frac_digits.size();
  if (scale >= frac) {
    out.append(d.frac_digits.data(), frac);
    out.append(scale - frac, '0');
  } else {
    out.append(d.frac_digits.data(), scale);
    if (d.frac_digits[scale] >= '5') {
      size_t i = out.size();
      while (i > 0 && out[i - 1] == '9') out[--i] = '0';
      if (i == 0) {
        out.insert(out.begin(), '1');
      } else {
        ++out[i - 1];
      }
    }
  }
  size_t zeros = 0;
  while (zeros < out.size() && out[zeros] == '0') ++zeros;
  out.erase(0, zeros);
}

// BigDecimal.toPlainString of unscaled digits and a scale; no sign on zero.
void AppendPlain(std::string& out, bool negative, std::string_view unscaled, size_t scale) {
  if (negative && !unscaled.empty()) out.push_back('-');
  if (unscaled.size() > scale) {
    out.append(unscaled.data(), unscaled.size() - scale);
  } else {
    out.push_back('0');
  }
  if (scale > 0) {
    out.push_back('.');
    if (unscaled.size() < scale) out.append(scale - unscaled.size(), '0');
    const size_t from = unscaled.size() > scale ? unscaled.size() - scale : 0;
    out.append(unscaled.data() + from, unscaled.size() - from);
  }
}

thread_local std::string t_digits;
thread_local std::string t_scratch;
thread_local std::vector<uint32_t> t_limbs;

void WriteDecimalBase64(JsonWriter& w, std::string_view unscaled, bool negative) {
  t_scratch.clear();
  AppendTwosComplement(t_scratch, unscaled, negative);
  w.BeginStringValue();
  AppendBase64(w.Buffer(), t_scratch);
  w.EndStringValue();
}

void WriteDoubleFromPlain(JsonWriter& w, std::string_view plain) {
  double value = 0;
  auto result = std::from_chars(plain.data(), plain.data() + plain.size(), value);
  if (result.ec == std::errc::result_out_of_range) {
    // Beyond double's range: BigDecimal.doubleValue gives +-Infinity (or 0 when tiny).
    bool tiny = plain.find_first_of("123456789") != std::string_view::npos &&
                (plain.rfind("0.", 0) == 0 || plain.rfind("-0.", 0) == 0);
    bool neg = !plain.empty() && plain[0] == '-';
    value = tiny ? (neg ? -0.0 : 0.0)
                 : (neg ? -std::numeric_limits<double>::infinity()
                        : std::numeric_limits<double>::infinity());
  } else if (result.ec != std::errc()) {
    throw ValueError("decimal value \"" + std::string(plain) + "\" cannot be read as a double");
  }
  w.Double(value);
}

void WriteSpecial(JsonWriter& w, DecimalSpecial special, DecimalMode mode, std::string_view text) {
  switch (mode) {
    case DecimalMode::kString:
      // SpecialValueDecimal.toString() is the enum constant's name.
      w.StringLiteral(special == DecimalSpecial::kNaN           ? "NAN"
                      : special == DecimalSpecial::kPosInfinity ? "POSITIVE_INFINITY"
                                                                : "NEGATIVE_INFINITY");
      return;
    case DecimalMode::kDouble:
      w.Double(special == DecimalSpecial::kNaN           ? std::numeric_limits<double>::quiet_NaN()
               : special == DecimalSpecial::kPosInfinity ? std::numeric_limits<double>::infinity()
                                                         : -std::numeric_limits<double>::infinity());
      return;
    case DecimalMode::kPrecise:
      break;
  }
  throw ValueError("decimal value \"" + std::string(text) +
                   "\" cannot be represented in decimal handling mode precise: set decimal "
                   "handling mode to string (or double) to capture NaN and Infinity");
}

}  // namespace

void AppendTwosComplement(std::string& out, std::string_view digits, bool negative) {
  // Magnitude as little-endian 32-bit limbs, fed nine decimal digits at a time.
  std::vector<uint32_t>& limbs = t_limbs;
  limbs.clear();
  size_t pos = 0;
  while (pos < digits.size() && digits[pos] == '0') ++pos;
  while (pos < digits.size()) {
    size_t take = (digits.size() - pos) % 9;
    if (take == 0) take = 9;
    uint32_t chunk = 0;
    uint32_t factor = 1;
    for (size_t i = 0; i < take; ++i) {
      chunk = chunk * 10 + static_cast<uint32_t>(digits[pos + i] - '0');
      factor *= 10;
    }
    pos += take;
    uint64_t carry = chunk;
    for (uint32_t& limb : limbs) {
      const uint64_t v = uint64_t{limb} * factor + carry;
      limb = static_cast<uint32_t>(v);
      carry = v >> 32;
    }
    if (carry != 0) limbs.push_back(static_cast<uint32_t>(carry));
  }
  const size_t start = out.size();
  // Big-endian magnitude bytes without leading zeros.
  bool started = false;
  for (size_t i = limbs.size(); i-- > 0;) {
    for (int shift = 24; shift >= 0; shift -= 8) {
      const auto byte = static_cast<unsigned char>(limbs[i] >> shift);
      if (!started && byte == 0) continue;
      started = true;
      out.push_back(static_cast<char>(byte));
    }
  }
  if (!started) {  // zero
    out.push_back('\0');
    return;
  }
  if (!negative) {
    if (static_cast<unsigned char>(out[start]) & 0x80) out.insert(out.begin() + start, '\0');
    return;
  }
  // Two's complement: invert and add one, then make sure the sign bit reads negative.
  bool carry = true;
  for (size_t i = out.size(); i-- > start;) {
    unsigned v = static_cast<unsigned char>(~static_cast<unsigned char>(out[i]));
    if (carry) {
      v += 1;
      carry = v > 0xFF;
    }
    out[i] = static_cast<char>(v & 0xFF);
  }
  if (!(static_cast<unsigned char>(out[start]) & 0x80)) {
    out.insert(out.begin() + start, static_cast<char>(0xFF));
  }
}

void WriteDecimal(JsonWriter& w, std::string_view text, int32_t scale, DecimalMode mode) {
  const DecimalText d = ParseDecimalText(text);
  if (d.special != DecimalSpecial::kNone) {
    WriteSpecial(w, d.special, mode, text);
    return;
  }
  const bool variable = scale < 0;
  if (variable && mode == DecimalMode::kPrecise) {
    // VariableScaleDecimal: stripTrailingZeros, scale never below 0.
    std::string_view frac = d.frac_digits;
    while (!frac.empty() && frac.back() == '0') frac.remove_suffix(1);
    DecimalText stripped = d;
    stripped.frac_digits = frac;
    UnscaledDigits(stripped, frac.size(), t_digits);
    w.BeginObject();
    w.KeyLiteral("scale");
    w.Int(t_digits.empty() ? 0 : static_cast<int64_t>(frac.size()));
    w.KeyLiteral("value");
    WriteDecimalBase64(w, t_digits, d.negative);
    w.EndObject();
    return;
  }
  const size_t effective_scale = variable ? d.frac_digits.size() : static_cast<size_t>(scale);
  UnscaledDigits(d, effective_scale, t_digits);
  switch (mode) {
    case DecimalMode::kPrecise:
      WriteDecimalBase64(w, t_digits, d.negative);
      return;
    case DecimalMode::kString:
      w.BeginStringValue();
      AppendPlain(w.Buffer(), d.negative, t_digits, effective_scale);
      w.EndStringValue();
      return;
    case DecimalMode::kDouble:
      t_scratch.clear();
      AppendPlain(t_scratch, d.negative, t_digits, effective_scale);
      WriteDoubleFromPlain(w, t_scratch);
      return;
  }
}

void WriteMoney(JsonWriter& w, std::string_view text, int32_t fraction_digits, DecimalMode mode) {
  const DecimalText d = ParseDecimalText(text);
  if (d.special != DecimalSpecial::kNone) {
    throw ValueError("money value \"" + std::string(text) + "\" is not a number");
  }
  if (mode == DecimalMode::kPrecise) {
    // Decimal with scale money.fraction.digits, setScale(HALF_UP).
    UnscaledDigits(d, static_cast<size_t>(fraction_digits < 0 ? 2 : fraction_digits), t_digits);
    WriteDecimalBase64(w, t_digits, d.negative);
    return;
  }
  // double / string: the value as read (BigDecimal.doubleValue / toPlainString).
  WriteDecimal(w, text, kVariableScale, mode);
}

void WriteUnsignedBigint(JsonWriter& w, uint64_t value, BigintUnsignedMode mode) {
  if (mode == BigintUnsignedMode::kLong) {
    w.Int(static_cast<int64_t>(value));  // Debezium's long mode overflows the same way
    return;
  }
  char buf[24];
  auto result = std::to_chars(buf, buf + sizeof buf, value);
  WriteDecimalBase64(w, std::string_view(buf, result.ptr - buf), false);
}

}  // namespace dbct::values
