// Debezium's value handling modes, and the error raised for a value that cannot be written.
#ifndef DBCT_VALUES_MODES_HPP
#define DBCT_VALUES_MODES_HPP

#include <stdexcept>
#include <string>
#include <string_view>

namespace dbct::values {

// decimal.handling.mode
enum class DecimalMode { kPrecise, kDouble, kString };
// time.precision.mode (adaptive is PostgreSQL's default, adaptive_time_microseconds MySQL's)
enum class TimePrecisionMode { kAdaptive, kAdaptiveTimeMicroseconds, kConnect };
// binary.handling.mode
enum class BinaryMode { kBytes, kBase64, kBase64UrlSafe, kHex };
// interval.handling.mode (PostgreSQL)
enum class IntervalMode { kNumeric, kString };
// bigint.unsigned.handling.mode (MySQL). Debezium has only these two.
enum class BigintUnsignedMode { kLong, kPrecise };

struct ValueModes {
  DecimalMode decimal = DecimalMode::kPrecise;
  TimePrecisionMode time_precision = TimePrecisionMode::kAdaptive;
  BinaryMode binary = BinaryMode::kBytes;
  IntervalMode interval = IntervalMode::kNumeric;
  BigintUnsignedMode bigint_unsigned = BigintUnsignedMode::kLong;
};

// A value that cannot be written as asked (bad text, NaN in precise mode...). Ends the event.
class ValueError : public std::runtime_error {
 public:
  explicit ValueError(const std::string& message) : std::runtime_error(message) {}
};

// Parse Debezium's property values ("precise", "adaptive_time_microseconds", "base64-url-safe"...).
// Throw ValueError naming the property and the accepted values.
DecimalMode ParseDecimalMode(std::string_view text);
TimePrecisionMode ParseTimePrecisionMode(std::string_view text);
BinaryMode ParseBinaryMode(std::string_view text);
IntervalMode ParseIntervalMode(std::string_view text);
BigintUnsignedMode ParseBigintUnsignedMode(std::string_view text);

}  // namespace dbct::values

#endif  // DBCT_VALUES_MODES_HPP
