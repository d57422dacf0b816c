#include "dbct/values/temporal.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace dbct::values {

namespace {

constexpr int64_t kMicrosPerMilli = 1000;
constexpr int64_t kMicrosPerMinute = 60 * kMicrosPerSecond;
constexpr int64_t kMicrosPerHour = 60 * kMicrosPerMinute;
// pgjdbc's PGStatement.DATE_POSITIVE_INFINITY / DATE_NEGATIVE_INFINITY, which Debezium reads as
// epoch microseconds for 'infinity' timestamps.
constexpr int64_t kPosInfinityTimestampMicros = 9223372036825200000LL;
constexpr int64_t kNegInfinityTimestampMicros = -9223372036832400000LL;
// The fraction width PostgreSQL gives time/timestamp columns declared without one.
constexpr int32_t kDefaultPrecision = 6;

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

void AppendPadded(std::string& out, int64_t value, int width) {
  char buf[24];
  auto result = std::to_chars(buf, buf + sizeof buf, value);
  for (int len = static_cast<int>(result.ptr - buf); len < width; ++len) out.push_back('0');
  out.append(buf, result.ptr - buf);
}

void AppendInt(std::string& out, int64_t value) {
  char buf[24];
  auto result = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, result.ptr - buf);
}

// java.time's year: four digits, a '+' above 9999, a '-' below 0 (SignStyle.EXCEEDS_PAD).
void AppendYear(std::string& out, int64_t year) {
  if (year > 9999) {
    out.push_back('+');
  } else if (year < 0) {
    out.push_back('-');
    year = -year;
  }
  AppendPadded(out, year, 4);
}

// Fraction of a second (micros < 1e6) with trailing zeros dropped; nothing when zero.
void AppendTrimmedFraction(std::string& out, int64_t micros) {
  if (micros == 0) return;
  char digits[6];
  for (int i = 5; i >= 0; --i) {
    digits[i] = static_cast<char>('0' + micros % 10);
    micros /= 10;
  }
  int len = 6;
  while (digits[len - 1] == '0') --len;
  out.push_back('.');
  out.append(digits, len);
}

// Exactly `width` (1-9) fraction digits of a micros-precise fraction.
void AppendFixedFraction(std::string& out, int64_t micros, int width) {
  char digits[9];
  int64_t nanos = micros * 1000;
  for (int i = 8; i >= 0; --i) {
    digits[i] = static_cast<char>('0' + nanos % 10);
    nanos /= 10;
  }
  out.push_back('.');
  out.append(digits, width);
}

void AppendClock(std::string& out, int64_t micros_of_day) {
  AppendPadded(out, micros_of_day / kMicrosPerHour, 2);
  out.push_back(':');
  AppendPadded(out, micros_of_day / kMicrosPerMinute % 60, 2);
  out.push_back(':');
  AppendPadded(out, micros_of_day / kMicrosPerSecond % 60, 2);
}

// Java's (long) cast of a double: truncation, saturating, NaN -> 0.
int64_t JavaDoubleToLong(double value) {
  if (std::isnan(value)) return 0;
  if (value >= 9223372036854775808.0) return std::numeric_limits<int64_t>::max();
  if (value <= -9223372036854775808.0) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(value);
}

// The fields pgjdbc's PGInterval holds after parsing PostgreSQL's interval text: each carries
// the sign of its part, as interval2itm() splits them with C truncation.
struct IntervalFields {
  int64_t years, months, days, hours, minutes, whole_seconds, micros;
};

IntervalFields SplitInterval(int32_t months, int32_t days, int64_t micros) {
  IntervalFields f;
  f.years = months / 12;
  f.months = months % 12;
  f.days = days;
  f.hours = micros / kMicrosPerHour;
  micros -= f.hours * kMicrosPerHour;
  f.minutes = micros / kMicrosPerMinute;
  micros -= f.minutes * kMicrosPerMinute;
  f.whole_seconds = micros / kMicrosPerSecond;
  f.micros = micros - f.whole_seconds * kMicrosPerSecond;
  return f;
}

}  // namespace

int64_t DaysFromCivil(int64_t year, int month, int day) {
  // Count from 0000-03-01 in 400-year eras so the leap day falls at the end of a year.
  const int64_t y = year - (month <= 2 ? 1 : 0);
  const int64_t era = FloorDiv(y, 400);
  const int64_t year_of_era = y - era * 400;
  const int64_t month_from_march = month > 2 ? month - 3 : month + 9;
  const int64_t day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;  // 719468 days from 0000-03-01 to 1970-01-01
}

void CivilFromDays(int64_t days, int64_t* year, int* month, int* day) {
  const int64_t z = days + 719468;
  const int64_t era = FloorDiv(z, 146097);
  const int64_t day_of_era = z - era * 146097;
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t month_from_march = (5 * day_of_year + 2) / 153;
  *day = static_cast<int>(day_of_year - (153 * month_from_march + 2) / 5 + 1);
  *month = static_cast<int>(month_from_march < 10 ? month_from_march + 3 : month_from_march - 9);
  *year = year_of_era + era * 400 + (*month <= 2 ? 1 : 0);
}

void WriteDate(JsonWriter& w, int64_t days, Special special) {
  if (special == Special::kPosInfinity) {
    w.Int(DaysFromCivil(-5877611, 6, 21));
  } else if (special == Special::kNegInfinity) {
    w.Int(DaysFromCivil(-5877611, 6, 22));
  } else {
    w.Int(days);
  }
}

void WriteDateYmd(JsonWriter& w, int year, int month, int day) {
  w.Int(DaysFromCivil(year, month, day));
}

void WriteTime(JsonWriter& w, int64_t micros, int32_t precision, TimePrecisionMode mode) {
  if (precision < 0) precision = kDefaultPrecision;
  const bool millis = mode == TimePrecisionMode::kConnect ||
                      (mode == TimePrecisionMode::kAdaptive && precision <= 3);
  w.Int(millis ? FloorDiv(micros, kMicrosPerMilli) : micros);
}

void WriteTimestamp(JsonWriter& w, int64_t micros, int32_t precision, TimePrecisionMode mode,
                    Special special) {
  if (special == Special::kPosInfinity) micros = kPosInfinityTimestampMicros;
  if (special == Special::kNegInfinity) micros = kNegInfinityTimestampMicros;
  if (precision < 0) precision = kDefaultPrecision;
  const bool millis = mode == TimePrecisionMode::kConnect || precision <= 3;
  w.Int(millis ? FloorDiv(micros, kMicrosPerMilli) : micros);
}

void AppendIsoTimestamp(std::string& out, int64_t micros, int32_t precision) {
  if (precision < 0) precision = kDefaultPrecision;
  const int64_t days = FloorDiv(micros, kMicrosPerDay);
  const int64_t of_day = micros - days * kMicrosPerDay;
  int64_t year;
  int month, day;
  CivilFromDays(days, &year, &month, &day);
  AppendYear(out, year);
  out.push_back('-');
  AppendPadded(out, month, 2);
  out.push_back('-');
  AppendPadded(out, day, 2);
  out.push_back('T');
  AppendClock(out, of_day);
  const int64_t fraction = of_day % kMicrosPerSecond;
  if (precision >= 1 && precision <= 9) {
    AppendFixedFraction(out, fraction, precision);
  } else {
    AppendTrimmedFraction(out, fraction);
  }
  out.push_back('Z');
}

void WriteTimestampTz(JsonWriter& w, int64_t micros, int32_t precision, Special special) {
  if (special == Special::kPosInfinity) {
    w.StringLiteral("infinity");
    return;
  }
  if (special == Special::kNegInfinity) {
    w.StringLiteral("-infinity");
    return;
  }
  w.BeginStringValue();
  AppendIsoTimestamp(w.Buffer(), micros, precision);
  w.EndStringValue();
}

void WriteTimeTz(JsonWriter& w, int64_t micros, int32_t zone_seconds_east) {
  if (micros == kMicrosPerDay && zone_seconds_east == 0) {
    w.StringLiteral("24:00:00Z");
    return;
  }
  int64_t utc = (micros - int64_t{zone_seconds_east} * kMicrosPerSecond) % kMicrosPerDay;
  if (utc < 0) utc += kMicrosPerDay;
  w.BeginStringValue();
  std::string& out = w.Buffer();
  AppendClock(out, utc);
  AppendTrimmedFraction(out, utc % kMicrosPerSecond);
  out.push_back('Z');
  w.EndStringValue();
}

int64_t IntervalMicroDuration(int32_t months, int32_t days, int64_t micros) {
  // MicroDuration.durationMicros(years, months, days, hours, minutes, seconds, 0,
  // DAYS_PER_MONTH_AVG), step by step in double so the result matches Debezium's bit for bit.
  const IntervalFields f = SplitInterval(months, days, micros);
  const double days_per_month = 365.25 / 12.0;
  const double seconds =
      static_cast<double>(f.whole_seconds) + static_cast<double>(f.micros) / 1e6;
  const double number_of_days =
      static_cast<double>(f.years * 12 + f.months) * days_per_month + static_cast<double>(f.days);
  const double number_of_seconds =
      (((number_of_days * 24 + static_cast<double>(f.hours)) * 60) + static_cast<double>(f.minutes)) *
          60 +
      seconds;
  return JavaDoubleToLong(number_of_seconds * 1e6 + 0);
}

void AppendIsoInterval(std::string& out, int32_t months, int32_t days, int64_t micros) {
  // Interval.toIsoString: "P" y "Y" m "M" d "D" "T" h "H" m "M" s "S", the seconds as
  // BigDecimal.stripTrailingZeros().toPlainString().
  const IntervalFields f = SplitInterval(months, days, micros);
  out.push_back('P');
  AppendInt(out, f.years);
  out.push_back('Y');
  AppendInt(out, f.months);
  out.push_back('M');
  AppendInt(out, f.days);
  out.append("DT", 2);
  AppendInt(out, f.hours);
  out.push_back('H');
  AppendInt(out, f.minutes);
  out.push_back('M');
  if (f.whole_seconds < 0 || f.micros < 0) out.push_back('-');
  AppendInt(out, std::llabs(f.whole_seconds));
  AppendTrimmedFraction(out, std::llabs(f.micros));
  out.push_back('S');
}

void WriteInterval(JsonWriter& w, int32_t months, int32_t days, int64_t micros,
                   IntervalMode mode) {
  if (mode == IntervalMode::kNumeric) {
    w.Int(IntervalMicroDuration(months, days, micros));
    return;
  }
  w.BeginStringValue();
  AppendIsoInterval(w.Buffer(), months, days, micros);
  w.EndStringValue();
}

}  // namespace dbct::values
