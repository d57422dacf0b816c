// DATE, TIME, DATETIME, TIMESTAMP and YEAR as the row images store them.
//
// The 5.6 formats (TIME2, DATETIME2, TIMESTAMP2) are big-endian with a fractional part of
// (fsp + 1) / 2 bytes (MySQL's my_time_packed_from_binary & co.); the older ones are little-endian
// integers. MariaDB 10.x writes the 5.6 formats unless mysql56_temporal_format is off.
#ifndef DBCT_BINLOG_TEMPORAL_CODEC_HPP
#define DBCT_BINLOG_TEMPORAL_CODEC_HPP

#include <cstdint>

namespace dbct::binlog {

struct CivilDateTime {
  int year = 0;
  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  int32_t micros = 0;

  // MySQL's zero dates ('0000-00-00', '2020-00-10'): Debezium turns them into null.
  bool HasZeroDatePart() const { return year == 0 || month == 0 || day == 0; }
  // Microseconds since 1970-01-01 00:00 of this wall-clock time (no zone).
  int64_t EpochMicros() const;
};

// Bytes of the fractional part for `fsp` digits.
inline uint32_t FractionBytes(uint8_t fsp) { return (fsp + 1u) / 2u; }

CivilDateTime DecodeDate(const uint8_t* p);                 // 3 bytes
CivilDateTime DecodeDatetime2(const uint8_t* p, uint8_t fsp);  // 5 + frac bytes
CivilDateTime DecodeDatetimeOld(const uint8_t* p);          // 8 bytes
// TIME as signed microseconds (MySQL TIME spans -838:59:59 to 838:59:59).
int64_t DecodeTime2(const uint8_t* p, uint8_t fsp);  // 3 + frac bytes
int64_t DecodeTimeOld(const uint8_t* p);             // 3 bytes
// TIMESTAMP as microseconds since the epoch (UTC). 0 is MySQL's zero timestamp.
int64_t DecodeTimestamp2(const uint8_t* p, uint8_t fsp);  // 4 + frac bytes
int64_t DecodeTimestampOld(const uint8_t* p);             // 4 bytes
// YEAR: 1 byte, 0 = 0000, otherwise 1900 + value.
int32_t DecodeYear(const uint8_t* p);

}  // namespace dbct::binlog

#endif  // DBCT_BINLOG_TEMPORAL_CODEC_HPP
