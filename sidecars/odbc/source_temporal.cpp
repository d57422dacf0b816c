#include "source_temporal.hpp"

#include <cctype>
#include <cstdio>
#include <cstdlib>

#include "dbct/values/temporal.hpp"

namespace dbct::odbc {

int64_t Temporal::EpochSeconds() const {
  return values::DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
}

int64_t Temporal::NanosOfDay() const {
  return (int64_t{hour} * 3600 + minute * 60 + second) * int64_t{1000000000} + nanos;
}

bool ReadDigits(std::string_view s, size_t at, size_t n, int64_t* out) {
  if (at + n > s.size()) return false;
  int64_t v = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

int ReadFraction(std::string_view s, size_t* i, int64_t* nanos) {
  ++*i;  // the '.'
  int n = 0;
  int64_t frac = 0;
  for (; *i < s.size() && std::isdigit(static_cast<unsigned char>(s[*i])); ++*i) {
    if (n < 9) {
      frac = frac * 10 + (s[*i] - '0');
      ++n;
    }
  }
  const int digits = n;
  for (; n < 9; ++n) frac *= 10;
  *nanos = frac;
  return digits;
}

bool ReadOffset(std::string_view s, size_t i, Temporal* t) {
  if (s[i] == 'Z' && i + 1 == s.size()) {
    t->has_offset = true;
    return true;
  }
  if ((s[i] != '+' && s[i] != '-') || i + 6 != s.size() || s[i + 3] != ':') return false;
  int64_t h = 0, m = 0;
  if (!ReadDigits(s, i + 1, 2, &h) || !ReadDigits(s, i + 4, 2, &m)) return false;
  t->has_offset = true;
  t->offset_minutes = static_cast<int>((h * 60 + m) * (s[i] == '-' ? -1 : 1));
  return true;
}

std::string IsoDateTime(const Temporal& t, int fraction_digits) {
  char buf[64];
  const int n = std::snprintf(buf, sizeof buf, "%04lld-%02d-%02dT%02d:%02d:%02d", static_cast<long long>(t.year),
                              t.month, t.day, t.hour, t.minute, t.second);
  std::string out(buf, static_cast<size_t>(n));
  std::snprintf(buf, sizeof buf, "%09lld", static_cast<long long>(t.nanos));
  std::string frac = buf;
  if (fraction_digits >= 1 && fraction_digits <= 9) {
    out += "." + frac.substr(0, static_cast<size_t>(fraction_digits));
  } else if (t.nanos != 0) {
    while (frac.back() == '0') frac.pop_back();
    out += "." + frac;
  }
  if (t.offset_minutes == 0) {
    out += "Z";
  } else {
    const int m = std::abs(t.offset_minutes);
    std::snprintf(buf, sizeof buf, "%c%02d:%02d", t.offset_minutes < 0 ? '-' : '+', m / 60, m % 60);
    out += buf;
  }
  return out;
}

}  // namespace dbct::odbc
