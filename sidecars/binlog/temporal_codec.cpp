#include "temporal_codec.hpp"

#include "byte_reader.hpp"
#include "dbct/values/temporal.hpp"

namespace dbct::binlog {

namespace {

constexpr int64_t kDatetimeIntOffset = 0x8000000000LL;  // DATETIMEF_INT_OFS
constexpr int64_t kTimeIntOffset = 0x800000LL;          // TIMEF_INT_OFS
constexpr int64_t kTimeOffset = 0x800000000000LL;       // TIMEF_OFS

int64_t SignedBigEndian(const uint8_t* p, size_t n) {
  uint64_t v = ReadBigEndian(p, n);
  const uint64_t sign = uint64_t{1} << (8 * n - 1);
  return static_cast<int64_t>((v ^ sign) - sign);
}

// The fractional part of DATETIME2 in microseconds (signed storage, as MySQL reads it).
int64_t DatetimeFraction(const uint8_t* p, uint8_t fsp) {
  switch (FractionBytes(fsp)) {
    case 1: return SignedBigEndian(p, 1) * 10000;
    case 2: return SignedBigEndian(p, 2) * 100;
    case 3: return SignedBigEndian(p, 3);
    default: return 0;
  }
}

}  // namespace

int64_t CivilDateTime::EpochMicros() const {
  const int64_t days = values::DaysFromCivil(year, month, day);
  return days * values::kMicrosPerDay +
         ((int64_t{hour} * 60 + minute) * 60 + second) * values::kMicrosPerSecond + micros;
}

CivilDateTime DecodeDate(const uint8_t* p) {
  const uint32_t v = static_cast<uint32_t>(ReadLittleEndian(p, 3));
  CivilDateTime t;
  t.day = static_cast<int>(v & 31);
  t.month = static_cast<int>((v >> 5) & 15);
  t.year = static_cast<int>(v >> 9);
  return t;
}

CivilDateTime DecodeDatetime2(const uint8_t* p, uint8_t fsp) {
  const int64_t intpart = static_cast<int64_t>(ReadBigEndian(p, 5)) - kDatetimeIntOffset;
  int64_t packed = intpart * (int64_t{1} << 24) + DatetimeFraction(p + 5, fsp);
  if (packed < 0) packed = -packed;  // negative datetimes do not occur in valid data
  CivilDateTime t;
  t.micros = static_cast<int32_t>(packed % (1 << 24));
  const int64_t ymdhms = packed >> 24;
  const int64_t ymd = ymdhms >> 17;
  const int64_t ym = ymd >> 5;
  const int64_t hms = ymdhms % (1 << 17);
  t.day = static_cast<int>(ymd % (1 << 5));
  t.month = static_cast<int>(ym % 13);
  t.year = static_cast<int>(ym / 13);
  t.second = static_cast<int>(hms % (1 << 6));
  t.minute = static_cast<int>((hms >> 6) % (1 << 6));
  t.hour = static_cast<int>(hms >> 12);
  return t;
}

CivilDateTime DecodeDatetimeOld(const uint8_t* p) {
  uint64_t v = ReadLittleEndian(p, 8);  // YYYYMMDDhhmmss
  CivilDateTime t;
  t.second = static_cast<int>(v % 100);
  v /= 100;
  t.minute = static_cast<int>(v % 100);
  v /= 100;
  t.hour = static_cast<int>(v % 100);
  v /= 100;
  t.day = static_cast<int>(v % 100);
  v /= 100;
  t.month = static_cast<int>(v % 100);
  t.year = static_cast<int>(v / 100);
  return t;
}

int64_t DecodeTime2(const uint8_t* p, uint8_t fsp) {
  int64_t packed;
  switch (FractionBytes(fsp)) {
    case 0:
      packed = (static_cast<int64_t>(ReadBigEndian(p, 3)) - kTimeIntOffset) * (int64_t{1} << 24);
      break;
    case 1: {
      int64_t intpart = static_cast<int64_t>(ReadBigEndian(p, 3)) - kTimeIntOffset;
      int64_t frac = p[3];
      if (intpart < 0 && frac != 0) {
        ++intpart;
        frac -= 0x100;
      }
      packed = intpart * (int64_t{1} << 24) + frac * 10000;
      break;
    }
    case 2: {
      int64_t intpart = static_cast<int64_t>(ReadBigEndian(p, 3)) - kTimeIntOffset;
      int64_t frac = static_cast<int64_t>(ReadBigEndian(p + 3, 2));
      if (intpart < 0 && frac != 0) {
        ++intpart;
        frac -= 0x10000;
      }
      packed = intpart * (int64_t{1} << 24) + frac * 100;
      break;
    }
    default:
      packed = static_cast<int64_t>(ReadBigEndian(p, 6)) - kTimeOffset;
      break;
  }
  const bool negative = packed < 0;
  if (negative) packed = -packed;
  const int64_t hms = packed >> 24;
  const int64_t frac = packed % (1 << 24);
  const int64_t hour = (hms >> 12) % (1 << 10);
  const int64_t minute = (hms >> 6) % (1 << 6);
  const int64_t second = hms % (1 << 6);
  const int64_t micros = ((hour * 60 + minute) * 60 + second) * values::kMicrosPerSecond + frac;
  return negative ? -micros : micros;
}

int64_t DecodeTimeOld(const uint8_t* p) {
  // Signed 3-byte little-endian integer HHMMSS.
  int64_t v = static_cast<int64_t>(ReadLittleEndian(p, 3));
  if (v & 0x800000) v -= 0x1000000;
  const bool negative = v < 0;
  if (negative) v = -v;
  const int64_t micros = ((v / 10000 * 60 + v / 100 % 100) * 60 + v % 100) * values::kMicrosPerSecond;
  return negative ? -micros : micros;
}

int64_t DecodeTimestamp2(const uint8_t* p, uint8_t fsp) {
  const int64_t seconds = static_cast<int64_t>(ReadBigEndian(p, 4));
  int64_t frac = 0;
  switch (FractionBytes(fsp)) {
    case 1: frac = int64_t{p[4]} * 10000; break;
    case 2: frac = static_cast<int64_t>(ReadBigEndian(p + 4, 2)) * 100; break;
    case 3: frac = static_cast<int64_t>(ReadBigEndian(p + 4, 3)); break;
    default: break;
  }
  return seconds * values::kMicrosPerSecond + frac;
}

int64_t DecodeTimestampOld(const uint8_t* p) {
  return static_cast<int64_t>(ReadLittleEndian(p, 4)) * values::kMicrosPerSecond;
}

int32_t DecodeYear(const uint8_t* p) { return p[0] == 0 ? 0 : 1900 + p[0]; }

}  // namespace dbct::binlog
