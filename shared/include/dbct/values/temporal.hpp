// Dates, times, timestamps and intervals as Debezium writes them (JsonConverter, schemas off).
#ifndef DBCT_VALUES_TEMPORAL_HPP
#define DBCT_VALUES_TEMPORAL_HPP

#include <cstdint>
#include <string>

#include "dbct/envelope/json_writer.hpp"
#include "dbct/values/modes.hpp"

namespace dbct::values {

using envelope::JsonWriter;

// PostgreSQL 'infinity' / '-infinity' for date, timestamp and timestamptz.
enum class Special { kNone, kPosInfinity, kNegInfinity };

constexpr int64_t kMicrosPerSecond = 1000000;
constexpr int64_t kMicrosPerDay = 86400 * kMicrosPerSecond;

// Days since 1970-01-01 of a proleptic Gregorian date (year 0 = 1 BC), and back.
int64_t DaysFromCivil(int64_t year, int month, int day);
void CivilFromDays(int64_t days, int64_t* year, int* month, int* day);

// date -> io.debezium.time.Date (int days since the epoch) in every precision mode (connect's
// Kafka Date also serializes as days). Infinity: pgjdbc's dates -5877611-06-21 (+infinity) and
// -5877611-06-22 (-infinity) (PostgresValueConverter.POSITIVE/NEGATIVE_INFINITY_LOCAL_DATE).
void WriteDate(JsonWriter& w, int64_t days, Special special = Special::kNone);
// MySQL: from year/month/day.
void WriteDateYmd(JsonWriter& w, int year, int month, int day);

// time(p), `micros` since midnight (MySQL TIME may be negative or beyond 24h).
//  adaptive: p 0-3 -> io.debezium.time.Time (ms), p 4-6 or undeclared (-1) -> MicroTime (us);
//  adaptive_time_microseconds: always MicroTime (us); connect: Kafka Time (ms).
// Milliseconds are floored, as Duration.toMillis does.
void WriteTime(JsonWriter& w, int64_t micros, int32_t precision, TimePrecisionMode mode);

// timestamp(p) / MySQL datetime(p), `micros` since 1970-01-01 00:00 without zone.
//  adaptive(_time_microseconds): p 0-3 -> io.debezium.time.Timestamp (ms), p 4-6 or
//  undeclared -> MicroTimestamp (us); connect: Kafka Timestamp (ms). ms floored (Instant).
// Infinity (pgjdbc's PGStatement.DATE_POSITIVE/NEGATIVE_INFINITY read as micros):
// 9223372036825200000 / -9223372036832400000 us, or those divided by 1000 in ms.
void WriteTimestamp(JsonWriter& w, int64_t micros, int32_t precision, TimePrecisionMode mode,
                    Special special = Special::kNone);

// timestamptz(p) / MySQL TIMESTAMP -> io.debezium.time.ZonedTimestamp, an ISO-8601 string in
// UTC: "2024-01-01T12:00:00.000000Z". ZonedTimestamp.getDateTimeFormatter(fractionalWidth):
// 1-9 -> exactly that many fraction digits; 0 -> ISO_OFFSET_DATE_TIME (fraction only when
// non-zero, trailing zeros dropped). Undeclared precision (-1) is PostgreSQL's 6. Years
// outside 0000-9999 get a sign, as java.time prints them. Infinity passes as "infinity" /
// "-infinity" (PostgresValueConverter.convertTimestampWithZone).
void WriteTimestampTz(JsonWriter& w, int64_t micros, int32_t precision,
                      Special special = Special::kNone);
void AppendIsoTimestamp(std::string& out, int64_t micros, int32_t precision);

// timetz -> io.debezium.time.ZonedTime: the time moved to UTC, ISO_OFFSET_TIME:
// "HH:MM:SS[.fraction]Z", fraction only when non-zero and without trailing zeros. `micros`
// is the local time, `zone_seconds_east` its offset east of UTC. 24:00:00 at UTC stays
// "24:00:00Z" (PostgresTimeBoundary).
void WriteTimeTz(JsonWriter& w, int64_t micros, int32_t zone_seconds_east);

// interval (months, days, micros as PostgreSQL stores it).
//  numeric: io.debezium.time.MicroDuration: MicroDuration.durationMicros over the fields
//    pgjdbc's PGInterval reads from PostgreSQL's text form, with a month of 365.25/12 days,
//    computed in double and truncated to int64 exactly as Debezium does.
//  string: io.debezium.time.Interval.toIsoString "P<y>Y<m>M<d>DT<h>H<m>M<s>S".
void WriteInterval(JsonWriter& w, int32_t months, int32_t days, int64_t micros,
                   IntervalMode mode);
int64_t IntervalMicroDuration(int32_t months, int32_t days, int64_t micros);
void AppendIsoInterval(std::string& out, int32_t months, int32_t days, int64_t micros);

// MySQL YEAR -> io.debezium.time.Year (int).
inline void WriteYear(JsonWriter& w, int32_t year) { w.Int(year); }

}  // namespace dbct::values

#endif  // DBCT_VALUES_TEMPORAL_HPP
