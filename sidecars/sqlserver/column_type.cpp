#include "column_type.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "dbct/values/binary.hpp"
#include "dbct/values/numeric.hpp"
#include "dbct/values/temporal.hpp"
#include "source_temporal.hpp"

namespace dbct::sqlserver {

namespace {

using odbc::SourceValue;
using values::ValueError;

constexpr int64_t kNanosPerSecond = 1000000000;

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

using odbc::ReadDigits;
using odbc::Temporal;

// Parses "[YYYY-MM-DD][ |T][hh:mm[:ss[.f{1,9}]]][ ][+hh:mm|-hh:mm|Z]".
bool ParseTemporal(std::string_view s, bool want_date, bool want_time, Temporal* t) {
  size_t i = 0;
  int64_t v = 0;
  if (want_date) {
    if (!ReadDigits(s, 0, 4, &t->year) || s.size() < 10 || s[4] != '-' || s[7] != '-') return false;
    if (!ReadDigits(s, 5, 2, &v)) return false;
    t->month = static_cast<int>(v);
    if (!ReadDigits(s, 8, 2, &v)) return false;
    t->day = static_cast<int>(v);
    if (t->month < 1 || t->month > 12 || t->day < 1 || t->day > 31) return false;
    i = 10;
    if (i < s.size() && (s[i] == ' ' || s[i] == 'T')) ++i;
  }
  if (want_time && i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
    if (!ReadDigits(s, i, 2, &v) || i + 5 > s.size() || s[i + 2] != ':') return false;
    t->hour = static_cast<int>(v);
    if (!ReadDigits(s, i + 3, 2, &v)) return false;
    t->minute = static_cast<int>(v);
    i += 5;
    if (i < s.size() && s[i] == ':') {
      if (!ReadDigits(s, i + 1, 2, &v)) return false;
      t->second = static_cast<int>(v);
      i += 3;
      if (i < s.size() && s[i] == '.' && odbc::ReadFraction(s, &i, &t->nanos) == 0) return false;
    }
    if (t->hour > 23 || t->minute > 59 || t->second > 59) return false;
  }
  while (i < s.size() && s[i] == ' ') ++i;
  return i == s.size() || odbc::ReadOffset(s, i, t);
}

std::string Describe(const SourceValue& v) {
  switch (v.kind) {
    case SourceValue::Kind::kText: return "\"" + v.text + "\"";
    case SourceValue::Kind::kInt: return std::to_string(v.i);
    case SourceValue::Kind::kDouble: return std::to_string(v.d);
    case SourceValue::Kind::kBool: return v.b ? "true" : "false";
    case SourceValue::Kind::kBytes: return "bytes";
    default: return "null";
  }
}

[[noreturn]] void Bad(const char* type, const SourceValue& v) {
  throw ValueError(std::string("invalid ") + type + " value " + Describe(v));
}

Temporal ReadTemporal(const SourceValue& v, const char* type, bool date, bool time) {
  Temporal t;
  if (v.kind != SourceValue::Kind::kText || !ParseTemporal(v.text, date, time, &t)) Bad(type, v);
  return t;
}

void WriteEpochNanosTimestamp(envelope::JsonWriter& w, const Temporal& t, int precision, values::TimePrecisionMode mode) {
  const int64_t seconds = t.EpochSeconds();
  if (mode == values::TimePrecisionMode::kConnect || precision <= 3) {
    w.Int(seconds * 1000 + t.nanos / 1000000);
  } else if (precision <= 6) {
    w.Int(seconds * 1000000 + t.nanos / 1000);
  } else {
    // NanoTimestamp: int64 nanoseconds; Debezium fails outside 1677..2262 too.
    constexpr int64_t kMaxSeconds = INT64_MAX / kNanosPerSecond - 1;
    if (seconds > kMaxSeconds || seconds < -kMaxSeconds) {
      throw ValueError("datetime2(7) value is outside the range of io.debezium.time.NanoTimestamp "
                       "(1677-09-21 to 2262-04-11): declare the column datetime2(6) or lower");
    }
    w.Int(seconds * kNanosPerSecond + t.nanos);
  }
}

void WriteTimeOfDay(envelope::JsonWriter& w, const Temporal& t, int precision, values::TimePrecisionMode mode) {
  const int64_t nanos = t.NanosOfDay();
  if (mode == values::TimePrecisionMode::kAdaptiveTimeMicroseconds) {
    w.Int(nanos / 1000);
  } else if (mode == values::TimePrecisionMode::kConnect || precision <= 3) {
    w.Int(nanos / 1000000);
  } else if (precision <= 6) {
    w.Int(nanos / 1000);
  } else {
    w.Int(nanos);
  }
}

void WriteZoned(envelope::JsonWriter& w, const Temporal& t) { w.String(odbc::IsoDateTime(t)); }

std::string DecimalText(const SourceValue& v, const char* type) {
  switch (v.kind) {
    case SourceValue::Kind::kText: return v.text;
    case SourceValue::Kind::kInt: return std::to_string(v.i);
    case SourceValue::Kind::kDouble: {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.17g", v.d);
      return buf;
    }
    default: Bad(type, v);
  }
}

int64_t IntOf(const SourceValue& v, const char* type) {
  switch (v.kind) {
    case SourceValue::Kind::kInt: return v.i;
    case SourceValue::Kind::kBool: return v.b ? 1 : 0;
    case SourceValue::Kind::kText: {
      char* end = nullptr;
      errno = 0;
      const long long r = std::strtoll(v.text.c_str(), &end, 10);
      if (v.text.empty() || *end != '\0' || errno != 0) Bad(type, v);
      return r;
    }
    default: Bad(type, v);
  }
}

double DoubleOf(const SourceValue& v, const char* type) {
  switch (v.kind) {
    case SourceValue::Kind::kDouble: return v.d;
    case SourceValue::Kind::kInt: return static_cast<double>(v.i);
    case SourceValue::Kind::kText: {
      char* end = nullptr;
      const double r = std::strtod(v.text.c_str(), &end);
      if (v.text.empty() || *end != '\0') Bad(type, v);
      return r;
    }
    default: Bad(type, v);
  }
}

std::string BytesOf(const SourceValue& v, const char* type) {
  if (v.kind == SourceValue::Kind::kBytes) return v.text;
  if (v.kind != SourceValue::Kind::kText) Bad(type, v);
  std::string_view hex = v.text;
  if (hex.size() >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) hex.remove_prefix(2);
  if (hex.size() % 2 != 0) Bad(type, v);
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    auto digit = [&](char c) {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      Bad(type, v);
    };
    out.push_back(static_cast<char>(digit(hex[i]) * 16 + digit(hex[i + 1])));
  }
  return out;
}

}  // namespace

std::optional<ColumnType> ParseColumnType(std::string_view text) {
  std::string s = Lower(text);
  s.erase(std::remove(s.begin(), s.end(), ' '), s.end());
  std::string name = s;
  std::vector<std::string> args;
  const size_t open = s.find('(');
  if (open != std::string::npos) {
    if (s.back() != ')') return std::nullopt;
    name = s.substr(0, open);
    std::string inner = s.substr(open + 1, s.size() - open - 2);
    size_t start = 0;
    for (;;) {
      const size_t comma = inner.find(',', start);
      args.push_back(inner.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  auto arg = [&](size_t i, int fallback) {
    if (i >= args.size() || args[i] == "max") return fallback;
    return std::atoi(args[i].c_str());
  };
  ColumnType t;
  static const std::pair<const char*, TypeId> kNames[] = {
      {"bit", TypeId::kBit}, {"tinyint", TypeId::kTinyInt}, {"smallint", TypeId::kSmallInt},
      {"int", TypeId::kInt}, {"integer", TypeId::kInt}, {"bigint", TypeId::kBigInt}, {"real", TypeId::kReal},
      {"float", TypeId::kFloat}, {"decimal", TypeId::kDecimal}, {"numeric", TypeId::kDecimal},
      {"money", TypeId::kMoney}, {"smallmoney", TypeId::kSmallMoney}, {"char", TypeId::kChar},
      {"varchar", TypeId::kVarChar}, {"text", TypeId::kText}, {"nchar", TypeId::kNChar},
      {"nvarchar", TypeId::kNVarChar}, {"ntext", TypeId::kNText}, {"xml", TypeId::kXml},
      {"uniqueidentifier", TypeId::kUniqueIdentifier}, {"sysname", TypeId::kSysName}, {"date", TypeId::kDate},
      {"time", TypeId::kTime}, {"datetime", TypeId::kDateTime}, {"smalldatetime", TypeId::kSmallDateTime},
      {"datetime2", TypeId::kDateTime2}, {"datetimeoffset", TypeId::kDateTimeOffset}, {"binary", TypeId::kBinary},
      {"varbinary", TypeId::kVarBinary}, {"image", TypeId::kImage}, {"rowversion", TypeId::kRowVersion},
      {"timestamp", TypeId::kRowVersion}, {"geometry", TypeId::kGeometry}, {"geography", TypeId::kGeography},
      {"hierarchyid", TypeId::kHierarchyId}, {"sql_variant", TypeId::kSqlVariant},
  };
  bool found = false;
  for (const auto& [n, id] : kNames) {
    if (name == n) {
      t.id = id;
      found = true;
      break;
    }
  }
  if (!found) return std::nullopt;
  switch (t.id) {
    case TypeId::kDecimal:
      t.precision = arg(0, 18);
      t.scale = arg(1, 0);
      break;
    case TypeId::kMoney:
      t.precision = 19;
      t.scale = 4;
      break;
    case TypeId::kSmallMoney:
      t.precision = 10;
      t.scale = 4;
      break;
    case TypeId::kFloat:
      if (arg(0, 53) <= 24) t.id = TypeId::kReal;
      break;
    case TypeId::kTime: case TypeId::kDateTime2: case TypeId::kDateTimeOffset:
      t.scale = arg(0, 7);
      if (t.scale < 0 || t.scale > 7) return std::nullopt;
      break;
    case TypeId::kDateTime:
      t.scale = 3;
      break;
    case TypeId::kSmallDateTime:
      t.scale = 0;
      break;
    default:
      break;
  }
  return t;
}

bool ParseDateTimeMicros(std::string_view text, int64_t* micros) {
  Temporal t;
  if (!ParseTemporal(text, true, true, &t)) return false;
  *micros = (t.EpochSeconds() - int64_t{t.offset_minutes} * 60) * 1000000 + t.nanos / 1000;
  return true;
}

void WriteValue(envelope::JsonWriter& w, const ColumnType& type, const SourceValue& v, const values::ValueModes& modes) {
  if (v.IsNull()) {
    w.Null();
    return;
  }
  switch (type.id) {
    case TypeId::kBit:
      w.Bool(IntOf(v, "bit") != 0);
      return;
    case TypeId::kTinyInt: case TypeId::kSmallInt: case TypeId::kInt: case TypeId::kBigInt:
      w.Int(IntOf(v, "integer"));
      return;
    case TypeId::kReal:
      w.Float(static_cast<float>(DoubleOf(v, "real")));
      return;
    case TypeId::kFloat:
      w.Double(DoubleOf(v, "float"));
      return;
    case TypeId::kDecimal: case TypeId::kMoney: case TypeId::kSmallMoney:
      values::WriteDecimal(w, DecimalText(v, "decimal"), type.scale, modes.decimal);
      return;
    case TypeId::kChar: case TypeId::kVarChar: case TypeId::kText: case TypeId::kNChar: case TypeId::kNVarChar:
    case TypeId::kNText: case TypeId::kXml: case TypeId::kUniqueIdentifier: case TypeId::kSysName:
      if (v.kind != SourceValue::Kind::kText) Bad("character", v);
      w.String(v.text);
      return;
    case TypeId::kDate: {
      const Temporal t = ReadTemporal(v, "date", true, false);
      w.Int(values::DaysFromCivil(t.year, t.month, t.day));
      return;
    }
    case TypeId::kTime:
      WriteTimeOfDay(w, ReadTemporal(v, "time", false, true), type.scale, modes.time_precision);
      return;
    case TypeId::kDateTime: case TypeId::kSmallDateTime: case TypeId::kDateTime2:
      WriteEpochNanosTimestamp(w, ReadTemporal(v, "datetime", true, true), type.scale, modes.time_precision);
      return;
    case TypeId::kDateTimeOffset: {
      const Temporal t = ReadTemporal(v, "datetimeoffset", true, true);
      WriteZoned(w, t);
      return;
    }
    case TypeId::kBinary: case TypeId::kVarBinary: case TypeId::kImage: case TypeId::kRowVersion:
    case TypeId::kGeometry: case TypeId::kGeography: case TypeId::kHierarchyId: case TypeId::kSqlVariant:
      values::WriteBytes(w, BytesOf(v, "binary"), modes.binary);
      return;
  }
}

}  // namespace dbct::sqlserver
