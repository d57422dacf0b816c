#include "dbct/values/modes.hpp"

namespace dbct::values {

namespace {

[[noreturn]] void BadMode(std::string_view property, std::string_view text,
                          std::string_view accepted) {
  throw ValueError(std::string(property) + " \"" + std::string(text) +
                   "\" is not valid: use one of " + std::string(accepted));
}

}  // namespace

DecimalMode ParseDecimalMode(std::string_view text) {
  if (text == "precise") return DecimalMode::kPrecise;
  if (text == "double") return DecimalMode::kDouble;
  if (text == "string") return DecimalMode::kString;
  BadMode("decimal handling mode", text, "precise, double, string");
}

TimePrecisionMode ParseTimePrecisionMode(std::string_view text) {
  if (text == "adaptive") return TimePrecisionMode::kAdaptive;
  if (text == "adaptive_time_microseconds") return TimePrecisionMode::kAdaptiveTimeMicroseconds;
  if (text == "connect") return TimePrecisionMode::kConnect;
  BadMode("time precision mode", text, "adaptive, adaptive_time_microseconds, connect");
}

BinaryMode ParseBinaryMode(std::string_view text) {
  if (text == "bytes") return BinaryMode::kBytes;
  if (text == "base64") return BinaryMode::kBase64;
  if (text == "base64-url-safe") return BinaryMode::kBase64UrlSafe;
  if (text == "hex") return BinaryMode::kHex;
  BadMode("binary handling mode", text, "bytes, base64, base64-url-safe, hex");
}

IntervalMode ParseIntervalMode(std::string_view text) {
  if (text == "numeric") return IntervalMode::kNumeric;
  if (text == "string") return IntervalMode::kString;
  BadMode("interval handling mode", text, "numeric, string");
}

BigintUnsignedMode ParseBigintUnsignedMode(std::string_view text) {
  if (text == "long") return BigintUnsignedMode::kLong;
  if (text == "precise") return BigintUnsignedMode::kPrecise;
  BadMode("bigint unsigned handling mode", text, "long, precise");
}

}  // namespace dbct::values
