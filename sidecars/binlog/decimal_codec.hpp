// DECIMAL in the binlog's packed binary format (MySQL's decimal2bin): groups of nine decimal
// digits in four big-endian bytes, a shorter group for the leftover digits on each side of the
// point, the sign in the top bit of the first byte (set = positive; negative values have every
// byte inverted).
#ifndef DBCT_BINLOG_DECIMAL_CODEC_HPP
#define DBCT_BINLOG_DECIMAL_CODEC_HPP

#include <cstdint>
#include <string>

namespace dbct::binlog {

// Bytes taken by DECIMAL(precision, scale).
uint32_t DecimalBinarySize(uint8_t precision, uint8_t scale);

// Appends the decimal's plain text ("-12.340", "0.5", "7"), with exactly `scale` fraction digits.
// `data` must hold DecimalBinarySize(precision, scale) bytes.
void AppendDecimalText(std::string& out, const uint8_t* data, uint8_t precision, uint8_t scale);

}  // namespace dbct::binlog

#endif  // DBCT_BINLOG_DECIMAL_CODEC_HPP
