#include "decimal_codec.hpp"

#include <cstdio>

#include "binlog_error.hpp"
#include "byte_reader.hpp"

namespace dbct::binlog {

namespace {

constexpr int kDigitsPerGroup = 9;
constexpr uint32_t kGroupBytes = 4;
constexpr uint8_t kDigitBytes[10] = {0, 1, 1, 2, 2, 3, 3, 4, 4, 4};

}  // namespace

uint32_t DecimalBinarySize(uint8_t precision, uint8_t scale) {
  const int intg = precision - scale;
  return static_cast<uint32_t>(intg / kDigitsPerGroup * kGroupBytes +
                               kDigitBytes[intg % kDigitsPerGroup] +
                               scale / kDigitsPerGroup * kGroupBytes +
                               kDigitBytes[scale % kDigitsPerGroup]);
}

void AppendDecimalText(std::string& out, const uint8_t* data, uint8_t precision, uint8_t scale) {
  if (scale > precision) throw DecodeError("DECIMAL with scale above its precision");
  const uint32_t size = DecimalBinarySize(precision, scale);
  uint8_t buf[64] = {};
  if (size > sizeof buf) throw DecodeError("DECIMAL precision " + std::to_string(precision) + " too large");
  for (uint32_t i = 0; i < size; ++i) buf[i] = data[i];
  const bool negative = (buf[0] & 0x80) == 0;
  buf[0] ^= 0x80;
  if (negative) {
    for (uint32_t i = 0; i < size; ++i) buf[i] = static_cast<uint8_t>(~buf[i]);
  }
  const int intg = precision - scale;
  const uint8_t* p = buf;
  // Reads one group of `bytes` bytes holding `width` digits into `to`, zero-padded.
  auto append_group = [&p](std::string& to, uint32_t bytes, int width) {
    const uint64_t v = ReadBigEndian(p, bytes);
    p += bytes;
    char tmp[16];
    const int n = std::snprintf(tmp, sizeof tmp, "%0*llu", width, static_cast<unsigned long long>(v));
    to.append(tmp, static_cast<size_t>(n));
  };
  std::string int_digits;
  std::string frac_digits;
  const int lead = intg % kDigitsPerGroup;
  if (lead > 0) append_group(int_digits, kDigitBytes[lead], lead);
  for (int i = 0; i < intg / kDigitsPerGroup; ++i) append_group(int_digits, kGroupBytes, kDigitsPerGroup);
  for (int i = 0; i < scale / kDigitsPerGroup; ++i) append_group(frac_digits, kGroupBytes, kDigitsPerGroup);
  const int trail = scale % kDigitsPerGroup;
  if (trail > 0) append_group(frac_digits, kDigitBytes[trail], trail);
  const size_t first = int_digits.find_first_not_of('0');
  const std::string_view int_part = first == std::string::npos
                                        ? std::string_view("0")
                                        : std::string_view(int_digits).substr(first);

  const bool zero = int_part == "0" && frac_digits.find_first_not_of('0') == std::string::npos;
  if (negative && !zero) out.push_back('-');
  out.append(int_part.data(), int_part.size());
  if (scale > 0) {
    out.push_back('.');
    out.append(frac_digits);
  }
}

}  // namespace dbct::binlog
