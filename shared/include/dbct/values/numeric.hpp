// Numbers as Debezium writes them through Kafka's JsonConverter (schemas disabled).
#ifndef DBCT_VALUES_NUMERIC_HPP
#define DBCT_VALUES_NUMERIC_HPP

#include <cstdint>
#include <string>
#include <string_view>

#include "dbct/envelope/json_writer.hpp"
#include "dbct/values/modes.hpp"

namespace dbct::values {

using envelope::JsonWriter;

// Scale value meaning "numeric without a declared scale" (Debezium's VariableScaleDecimal).
constexpr int32_t kVariableScale = -1;

// A decimal from its text ("-123.45", "1e3" is not accepted; "NaN", "Infinity", "-Infinity"
// are). `scale` is the column's declared scale, or kVariableScale.
//  - precise, declared scale: org.apache.kafka.connect.data.Decimal = base64 of the unscaled
//    value's minimal big-endian two's complement (Java BigInteger.toByteArray), after
//    rescaling to `scale` (PostgresValueConverter.withScaleAdjustedIfNeeded; digits beyond
//    the scale are rounded half-up). Any precision, no overflow.
//  - precise, variable scale: io.debezium.data.VariableScaleDecimal {"scale":N,"value":"<b64>"}
//    with trailing fraction zeros stripped (PostgresValueConverter.convertDecimal).
//  - double: JSON number (BigDecimal.doubleValue, correctly rounded).
//  - string: BigDecimal.toPlainString ("1.50", no leading zeros, no "-" on zero).
// NaN/Infinity (SpecialValueDecimal.fromLogical): string mode gives "NAN",
// "POSITIVE_INFINITY", "NEGATIVE_INFINITY" (Debezium's enum names, its tests expect "NAN");
// double mode gives the JSON strings "NaN", "Infinity", "-Infinity"; precise mode cannot
// represent them and Debezium stops with a ConnectException: we throw ValueError saying to
// use decimal handling mode string.
void WriteDecimal(JsonWriter& w, std::string_view text, int32_t scale, DecimalMode mode);

// PostgreSQL money (PostgresValueConverter.convertMoney): Decimal with scale
// money.fraction.digits (default 2), rounded half-up; double; string = plain text.
void WriteMoney(JsonWriter& w, std::string_view text, int32_t fraction_digits, DecimalMode mode);

// MySQL BIGINT UNSIGNED (bigint.unsigned.handling.mode): long = int64 (wraps above 2^63-1, as
// Debezium's long mode does); precise = Decimal with scale 0 (base64).
void WriteUnsignedBigint(JsonWriter& w, uint64_t value, BigintUnsignedMode mode);

// Appends the minimal big-endian two's complement bytes of the integer whose decimal digits
// are `digits` (no sign, no point), negated when `negative`. Zero gives one 0x00 byte.
void AppendTwosComplement(std::string& out, std::string_view digits, bool negative);

}  // namespace dbct::values

#endif  // DBCT_VALUES_NUMERIC_HPP
