#include "column_type.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "dbct/values/binary.hpp"
#include "dbct/values/numeric.hpp"
#include "dbct/values/temporal.hpp"
#include "source_temporal.hpp"

namespace dbct::oracle {

namespace {

using values::ValueError;
constexpr int64_t kNanosPerSecond = 1000000000;

std::string Upper(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c != ' ' || (!out.empty() && out.back() != ' ')) out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

[[noreturn]] void Bad(const char* type, const RedoValue& v) {
  throw ValueError(std::string("invalid ") + type + " value \"" + v.text + "\"");
}

// Oracle prints ".5", "-.25", "1.0E+20": a plain decimal text for the value writers.
std::string PlainNumber(const std::string& text, const RedoValue& v) {
  std::string s = text;
  bool negative = false;
  size_t i = 0;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    i = 1;
  }
  std::string mantissa = s.substr(i);
  int exponent = 0;
  const size_t e = mantissa.find_first_of("eE");
  if (e != std::string::npos) {
    exponent = std::atoi(mantissa.c_str() + e + 1);
    mantissa.resize(e);
  }
  std::string digits;
  int point = -1;
  for (char c : mantissa) {
    if (c == '.') {
      if (point >= 0) Bad("NUMBER", v);
      point = static_cast<int>(digits.size());
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      digits.push_back(c);
    } else {
      Bad("NUMBER", v);
    }
  }
  if (digits.empty()) Bad("NUMBER", v);
  if (point < 0) point = static_cast<int>(digits.size());
  point += exponent;
  while (point > static_cast<int>(digits.size())) digits.push_back('0');
  while (point < 1) {
    digits.insert(digits.begin(), '0');
    ++point;
  }
  std::string out = negative ? "-" : "";
  out += digits.substr(0, static_cast<size_t>(point));
  if (static_cast<size_t>(point) < digits.size()) out += "." + digits.substr(static_cast<size_t>(point));
  return out;
}

using odbc::ReadDigits;
using odbc::Temporal;

// "YYYY-MM-DD HH24:MI:SS[.FF][ +TZH:TZM]" (also 'T' between date and time).
bool ParseTemporal(std::string_view s, Temporal* t) {
  int64_t v = 0;
  if (!ReadDigits(s, 0, 4, &t->year) || s.size() < 10 || s[4] != '-' || s[7] != '-') return false;
  if (!ReadDigits(s, 5, 2, &v)) return false;
  t->month = static_cast<int>(v);
  if (!ReadDigits(s, 8, 2, &v)) return false;
  t->day = static_cast<int>(v);
  size_t i = 10;
  if (i < s.size() && (s[i] == ' ' || s[i] == 'T')) {
    ++i;
    if (!ReadDigits(s, i, 2, &v) || s.size() < i + 8 || s[i + 2] != ':' || s[i + 5] != ':') return false;
    t->hour = static_cast<int>(v);
    if (!ReadDigits(s, i + 3, 2, &v)) return false;
    t->minute = static_cast<int>(v);
    if (!ReadDigits(s, i + 6, 2, &v)) return false;
    t->second = static_cast<int>(v);
    i += 8;
    if (i < s.size() && s[i] == '.') odbc::ReadFraction(s, &i, &t->nanos);
  }
  while (i < s.size() && s[i] == ' ') ++i;
  if (i == s.size()) return t->month >= 1 && t->month <= 12 && t->day >= 1 && t->day <= 31;
  return odbc::ReadOffset(s, i, t);
}

void WriteZoned(envelope::JsonWriter& w, Temporal t, int fraction_digits, bool to_utc) {
  if (to_utc && t.offset_minutes != 0) {
    int64_t seconds = t.EpochSeconds() - int64_t{t.offset_minutes} * 60;
    int64_t days = seconds / 86400;
    int64_t rem = seconds % 86400;
    if (rem < 0) {
      rem += 86400;
      --days;
    }
    values::CivilFromDays(days, &t.year, &t.month, &t.day);
    t.hour = static_cast<int>(rem / 3600);
    t.minute = static_cast<int>(rem / 60 % 60);
    t.second = static_cast<int>(rem % 60);
    t.offset_minutes = 0;
  }
  w.String(odbc::IsoDateTime(t, fraction_digits));  // exactly that many digits when given
}

// TO_YMINTERVAL('+01-02') / TO_DSINTERVAL('+01 02:03:04.500000').
void WriteInterval(envelope::JsonWriter& w, const RedoValue& v, values::IntervalMode mode) {
  const std::string& s = v.text;
  size_t i = 0;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  int32_t months = 0, days = 0;
  int64_t micros = 0;
  char* end = nullptr;
  if (v.year_month) {
    const long years = std::strtol(s.c_str() + i, &end, 10);
    if (*end != '-') Bad("INTERVAL YEAR TO MONTH", v);
    const long m = std::strtol(end + 1, &end, 10);
    months = static_cast<int32_t>(years * 12 + m);
  } else {
    days = static_cast<int32_t>(std::strtol(s.c_str() + i, &end, 10));
    int h = 0, m = 0, sec = 0;
    int consumed = 0;
    if (std::sscanf(end, " %d:%d:%d%n", &h, &m, &sec, &consumed) != 3) Bad("INTERVAL DAY TO SECOND", v);
    const char* rest = end + consumed;
    int64_t frac = 0;
    int n = 0;
    if (*rest == '.') {
      ++rest;
      while (std::isdigit(static_cast<unsigned char>(*rest))) {
        if (n < 6) {
          frac = frac * 10 + (*rest - '0');
          ++n;
        }
        ++rest;
      }
    }
    for (; n < 6; ++n) frac *= 10;
    micros = ((int64_t{h} * 60 + m) * 60 + sec) * 1000000 + frac;
  }
  if (negative) {
    months = -months;
    days = -days;
    micros = -micros;
  }
  values::WriteInterval(w, months, days, micros, mode);
}

}  // namespace

std::optional<ColumnType> ParseColumnType(std::string_view text) {
  const std::string s = Upper(text);
  ColumnType t;
  auto args = [&](const std::string& name, int* a, int* b) {
    const size_t open = s.find('(', name.size());
    if (open == std::string::npos) return;
    const size_t close = s.find(')', open);
    const std::string inner = s.substr(open + 1, close - open - 1);
    const size_t comma = inner.find(',');
    const std::string first = inner.substr(0, comma);
    if (first != "*") *a = std::atoi(first.c_str());
    if (comma != std::string::npos && b != nullptr) *b = std::atoi(inner.c_str() + comma + 1);
  };
  auto starts = [&](const char* p) { return s.rfind(p, 0) == 0; };
  if (starts("NUMBER")) {
    t.id = TypeId::kNumber;
    args("NUMBER", &t.precision, &t.scale);
    if (t.precision >= 0 && t.scale < 0) t.scale = 0;  // NUMBER(p) is NUMBER(p,0)
    if (t.precision < 0 && s.find(",") != std::string::npos) {
      // NUMBER(*,s): precision 38
      t.precision = 38;
    }
  } else if (starts("FLOAT") || s == "REAL" || s == "DOUBLE PRECISION") {
    t.id = TypeId::kFloat;
  } else if (s == "BINARY_FLOAT") {
    t.id = TypeId::kBinaryFloat;
  } else if (s == "BINARY_DOUBLE") {
    t.id = TypeId::kBinaryDouble;
  } else if (starts("NVARCHAR2")) {
    t.id = TypeId::kNVarChar2;
  } else if (starts("VARCHAR2") || starts("VARCHAR")) {
    t.id = TypeId::kVarChar2;
  } else if (starts("NCHAR")) {
    t.id = TypeId::kNChar;
  } else if (starts("CHAR")) {
    t.id = TypeId::kChar;
  } else if (s == "DATE") {
    t.id = TypeId::kDate;
  } else if (starts("TIMESTAMP")) {
    t.scale = 6;
    args("TIMESTAMP", &t.scale, nullptr);
    if (s.find("WITH LOCAL TIME ZONE") != std::string::npos) {
      t.id = TypeId::kTimestampLtz;
    } else if (s.find("WITH TIME ZONE") != std::string::npos) {
      t.id = TypeId::kTimestampTz;
    } else {
      t.id = TypeId::kTimestamp;
    }
    if (t.scale < 0 || t.scale > 9) return std::nullopt;
  } else if (starts("INTERVAL YEAR")) {
    t.id = TypeId::kIntervalYearToMonth;
  } else if (starts("INTERVAL DAY")) {
    t.id = TypeId::kIntervalDayToSecond;
  } else if (starts("RAW") || starts("LONG RAW")) {
    t.id = TypeId::kRaw;
  } else if (s == "CLOB") {
    t.id = TypeId::kClob;
  } else if (s == "NCLOB") {
    t.id = TypeId::kNClob;
  } else if (s == "BLOB") {
    t.id = TypeId::kBlob;
  } else if (s == "ROWID" || starts("UROWID")) {
    t.id = TypeId::kRowId;
  } else {
    return std::nullopt;
  }
  return t;
}

void WriteValue(envelope::JsonWriter& w, const ColumnType& type, const RedoValue& v, const WriteOptions& o) {
  using Kind = RedoValue::Kind;
  const bool lob = type.id == TypeId::kClob || type.id == TypeId::kNClob || type.id == TypeId::kBlob;
  if (v.kind == Kind::kNull) {
    w.Null();
    return;
  }
  if (lob) {
    // LOB mining is off: the redo holds EMPTY_*LOB() and locator writes, not the content.
    if (type.id == TypeId::kBlob) {
      values::WriteBytes(w, v.kind == Kind::kBytes ? v.text : o.unavailable_placeholder, o.modes.binary);
    } else if (v.kind == Kind::kText) {
      w.String(v.text);
    } else {
      w.String(o.unavailable_placeholder);
    }
    return;
  }
  if (v.kind == Kind::kEmptyLob) throw ValueError("EMPTY_CLOB()/EMPTY_BLOB() for a column that is not a LOB");
  switch (type.id) {
    case TypeId::kNumber: {
      const std::string n = PlainNumber(v.text, v);
      if (type.precision < 0) {
        values::WriteDecimal(w, n, values::kVariableScale, o.modes.decimal);
        return;
      }
      if (type.scale > 0) {
        values::WriteDecimal(w, n, type.scale, o.modes.decimal);
        return;
      }
      // NUMBER(p,s<=0): integers by width; Debezium uses the decimal mode's form for them
      // when decimal.handling.mode is not precise (OracleValueConverters.getNumericSchema).
      const int width = type.precision - type.scale;
      if (o.modes.decimal != values::DecimalMode::kPrecise || width >= 19) {
        values::WriteDecimal(w, n, 0, o.modes.decimal);
        return;
      }
      if (n.find('.') != std::string::npos) Bad("integer NUMBER", v);
      w.Int(std::strtoll(n.c_str(), nullptr, 10));
      return;
    }
    case TypeId::kFloat:
      values::WriteDecimal(w, PlainNumber(v.text, v), values::kVariableScale, o.modes.decimal);
      return;
    case TypeId::kBinaryFloat:
      w.Float(std::strtof(v.text.c_str(), nullptr));
      return;
    case TypeId::kBinaryDouble:
      w.Double(std::strtod(v.text.c_str(), nullptr));
      return;
    case TypeId::kChar: case TypeId::kVarChar2: case TypeId::kNChar: case TypeId::kNVarChar2: case TypeId::kRowId:
      w.String(v.text);
      return;
    case TypeId::kDate: case TypeId::kTimestamp: {
      Temporal t;
      if (!ParseTemporal(v.text, &t)) Bad(type.id == TypeId::kDate ? "DATE" : "TIMESTAMP", v);
      const int precision = type.id == TypeId::kDate ? 0 : type.scale;
      const int64_t seconds = t.EpochSeconds();
      if (o.modes.time_precision == values::TimePrecisionMode::kConnect || precision <= 3) {
        w.Int(seconds * 1000 + t.nanos / 1000000);
      } else if (precision <= 6) {
        w.Int(seconds * 1000000 + t.nanos / 1000);
      } else {
        w.Int(seconds * kNanosPerSecond + t.nanos);
      }
      return;
    }
    case TypeId::kTimestampTz: case TypeId::kTimestampLtz: {
      Temporal t;
      if (!ParseTemporal(v.text, &t)) Bad("TIMESTAMP WITH TIME ZONE", v);
      WriteZoned(w, t, type.scale, type.id == TypeId::kTimestampLtz);
      return;
    }
    case TypeId::kIntervalYearToMonth: case TypeId::kIntervalDayToSecond:
      WriteInterval(w, v, o.modes.interval);
      return;
    case TypeId::kRaw:
      if (v.kind != Kind::kBytes) Bad("RAW", v);
      values::WriteBytes(w, v.text, o.modes.binary);
      return;
    default:
      break;
  }
  Bad("column", v);
}

}  // namespace dbct::oracle
