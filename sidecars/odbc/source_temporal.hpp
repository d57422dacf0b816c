// Dates and times as the ODBC sources print them ("YYYY-MM-DD hh:mm:ss.fffffff +hh:mm"): the
// pieces both sidecars' column types read them with, and the ISO-8601 text Debezium's zoned
// types carry. Each sidecar keeps its own grammar (which parts a type has).
#ifndef DBCT_ODBC_SOURCE_TEMPORAL_HPP
#define DBCT_ODBC_SOURCE_TEMPORAL_HPP

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace dbct::odbc {

struct Temporal {
  int64_t year = 1970;
  int month = 1, day = 1;
  int hour = 0, minute = 0, second = 0;
  int64_t nanos = 0;
  bool has_offset = false;
  int offset_minutes = 0;

  int64_t EpochSeconds() const;  // of the wall-clock time, the offset not applied
  int64_t NanosOfDay() const;
};

// The `n` decimal digits at s[at] as a number; false when they are not all there.
bool ReadDigits(std::string_view s, size_t at, size_t n, int64_t* out);

// The fraction after the '.' at s[*i]: up to nine digits as nanoseconds (more are read and
// dropped); *i moves past them. Returns how many digits there were.
int ReadFraction(std::string_view s, size_t* i, int64_t* nanos);

// The offset that ends `s` at s[i]: "Z" or "+hh:mm" / "-hh:mm". False for anything else.
bool ReadOffset(std::string_view s, size_t i, Temporal* t);

// "YYYY-MM-DDThh:mm:ss[.f]Z" or with "+hh:mm": the fraction with exactly `fraction_digits`
// digits when that is 1 to 9, else only the digits that are not trailing zeros.
std::string IsoDateTime(const Temporal& t, int fraction_digits = 0);

}  // namespace dbct::odbc

#endif  // DBCT_ODBC_SOURCE_TEMPORAL_HPP
