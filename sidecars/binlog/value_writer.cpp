#include "value_writer.hpp"

#include <charconv>
#include <cstdlib>
#include <cstring>

#include "charset.hpp"
#include "dbct/values/binary.hpp"
#include "dbct/values/numeric.hpp"
#include "dbct/values/temporal.hpp"
#include "decimal_codec.hpp"
#include "mysql_json.hpp"
#include "temporal_codec.hpp"

namespace dbct::binlog {

namespace {

constexpr uint32_t kGeometryPoint = 1;

int64_t SignedLittleEndian(const uint8_t* p, size_t n) {
  const uint64_t v = ReadLittleEndian(p, n);
  const uint64_t sign = uint64_t{1} << (8 * n - 1);
  return n == 8 ? static_cast<int64_t>(v) : static_cast<int64_t>((v ^ sign) - sign);
}

Charset CharsetOf(const ColumnInfo& c) {
  if (c.collation < 0) return Charset::kUtf8;  // unknown: MySQL 8 and MariaDB default to utf8mb4
  return CollationMap::Global().Lookup(static_cast<uint32_t>(c.collation));
}

void WriteText(JsonWriter& w, const ColumnInfo& c, std::string_view bytes, Charset charset) {
  if (charset == Charset::kUtf8) {
    w.String(bytes);
    return;
  }
  if (charset == Charset::kOther || charset == Charset::kUnknown) {
    throw UnsupportedError(
        "column \"" + c.name + "\" uses character set " +
        CollationMap::Global().NameOf(static_cast<uint32_t>(c.collation)) +
        ", which cannot be decoded; use utf8mb4, latin1, ascii, ucs2, utf16 or utf32");
  }
  thread_local std::string buffer;
  buffer.clear();
  AppendUtf8(buffer, bytes, charset);
  w.String(buffer);
}

void WriteEnum(JsonWriter& w, const ColumnInfo& c, const Cell& cell) {
  const uint64_t index = ReadLittleEndian(cell.data, cell.size);
  // Index 0 is the empty string MySQL stores for an invalid value (convertEnumToString).
  if (index == 0) {
    w.String("");
  } else if (index <= c.enum_values.size()) {
    w.String(c.enum_values[index - 1]);
  } else {
    throw DecodeError("ENUM column \"" + c.name + "\" has index " + std::to_string(index) +
                      " but " + std::to_string(c.enum_values.size()) + " members are known");
  }
}

void WriteSet(JsonWriter& w, const ColumnInfo& c, const Cell& cell) {
  uint64_t bits = ReadLittleEndian(cell.data, cell.size);
  thread_local std::string buffer;
  buffer.clear();
  for (size_t i = 0; bits != 0; ++i, bits >>= 1) {
    if ((bits & 1) == 0) continue;
    if (i >= c.enum_values.size()) {
      throw DecodeError("SET column \"" + c.name + "\" has member " + std::to_string(i + 1) +
                        " but " + std::to_string(c.enum_values.size()) + " members are known");
    }
    if (!buffer.empty()) buffer.push_back(',');
    buffer += c.enum_values[i];
  }
  w.String(buffer);
}

void WriteGeometry(JsonWriter& w, const ColumnInfo& c, const Cell& cell, values::BinaryMode mode) {
  // MySQL's internal geometry: 4-byte little-endian SRID, then WKB (BinlogGeometry.fromBytes).
  if (cell.size < 4) throw DecodeError("GEOMETRY value shorter than its SRID");
  const uint32_t srid = static_cast<uint32_t>(ReadLittleEndian(cell.data, 4));
  std::string_view wkb(reinterpret_cast<const char*>(cell.data) + 4, cell.size - 4);
  w.BeginObject();
  if (c.geometry_type == kGeometryPoint && wkb.size() >= 21) {
    // Point.createValue: x and y parsed from the WKB point.
    const bool little = wkb[0] == 1;
    double xy[2];
    for (int k = 0; k < 2; ++k) {
      uint8_t b[8];
      std::memcpy(b, wkb.data() + 5 + 8 * k, 8);
      if (!little) {
        for (int i = 0; i < 4; ++i) std::swap(b[i], b[7 - i]);
      }
      std::memcpy(&xy[k], b, 8);
    }
    w.KeyLiteral("x");
    w.Double(xy[0]);
    w.KeyLiteral("y");
    w.Double(xy[1]);
  }
  w.KeyLiteral("wkb");
  values::WriteBytes(w, wkb, mode);
  w.KeyLiteral("srid");
  if (srid == 0) {
    w.Null();  // Debezium uses null for an unset SRID
  } else {
    w.Int(srid);
  }
  w.EndObject();
}

void WriteZeroDate(JsonWriter& w, const ColumnInfo& c) {
  if (c.nullable) {
    w.Null();
    return;
  }
  switch (c.type) {
    case ColumnType::kTimestamp:
    case ColumnType::kTimestamp2:
      w.StringLiteral("1970-01-01T00:00:00Z");
      return;
    default:
      w.Int(0);
      return;
  }
}

}  // namespace

values::ValueModes MysqlDefaultModes() {
  values::ValueModes modes;
  modes.time_precision = values::TimePrecisionMode::kAdaptiveTimeMicroseconds;
  return modes;
}

void WriteColumnValue(JsonWriter& w, const ColumnInfo& c, const Cell& cell,
                      const values::ValueModes& modes) {
  if (cell.is_null) {
    w.Null();
    return;
  }
  const uint8_t* p = cell.data;
  switch (c.type) {
    case ColumnType::kTiny:
    case ColumnType::kShort:
    case ColumnType::kInt24:
    case ColumnType::kLong:
      if (c.is_unsigned) {
        w.Int(static_cast<int64_t>(ReadLittleEndian(p, cell.size)));
      } else {
        w.Int(SignedLittleEndian(p, cell.size));
      }
      return;
    case ColumnType::kLongLong:
      if (c.is_unsigned) {
        values::WriteUnsignedBigint(w, ReadLittleEndian(p, 8), modes.bigint_unsigned);
      } else {
        w.Int(SignedLittleEndian(p, 8));
      }
      return;
    case ColumnType::kFloat: {
      float f;
      std::memcpy(&f, p, 4);
      w.Float(f);
      return;
    }
    case ColumnType::kDouble: {
      double d;
      std::memcpy(&d, p, 8);
      w.Double(d);
      return;
    }
    case ColumnType::kNewDecimal: {
      thread_local std::string text;
      text.clear();
      AppendDecimalText(text, p, c.precision, c.scale);
      values::WriteDecimal(w, text, c.scale, modes.decimal);
      return;
    }
    case ColumnType::kBit:
      values::WriteBitsFromBigEndian(w, cell.View(), static_cast<int32_t>(c.bits));
      return;
    case ColumnType::kDate:
    case ColumnType::kNewDate: {
      const CivilDateTime d = DecodeDate(p);
      if (d.HasZeroDatePart()) return WriteZeroDate(w, c);
      values::WriteDateYmd(w, d.year, d.month, d.day);
      return;
    }
    case ColumnType::kTime:
      values::WriteTime(w, DecodeTimeOld(p), 0, modes.time_precision);
      return;
    case ColumnType::kTime2:
      values::WriteTime(w, DecodeTime2(p, c.fsp), c.fsp, modes.time_precision);
      return;
    case ColumnType::kDatetime:
    case ColumnType::kDatetime2: {
      const CivilDateTime t =
          c.type == ColumnType::kDatetime ? DecodeDatetimeOld(p) : DecodeDatetime2(p, c.fsp);
      if (t.HasZeroDatePart()) return WriteZeroDate(w, c);
      values::WriteTimestamp(w, t.EpochMicros(), c.fsp, modes.time_precision);
      return;
    }
    case ColumnType::kTimestamp:
    case ColumnType::kTimestamp2: {
      const int64_t micros =
          c.type == ColumnType::kTimestamp ? DecodeTimestampOld(p) : DecodeTimestamp2(p, c.fsp);
      if (micros == 0) return WriteZeroDate(w, c);  // '0000-00-00 00:00:00'
      values::WriteTimestampTz(w, micros, c.fsp);
      return;
    }
    case ColumnType::kYear:
      values::WriteYear(w, DecodeYear(p));
      return;
    case ColumnType::kString:
    case ColumnType::kEnum:
    case ColumnType::kSet:
      if (c.real_type == ColumnType::kEnum) return WriteEnum(w, c, cell);
      if (c.real_type == ColumnType::kSet) return WriteSet(w, c, cell);
      if (CharsetOf(c) == Charset::kBinary) {
        // BINARY(n) drops trailing 0x00 in the binlog; Debezium pads it back (DBZ-254).
        if (cell.size < c.max_length) {
          thread_local std::string padded;
          padded.assign(cell.View());
          padded.resize(c.max_length, '\0');
          values::WriteBytes(w, padded, modes.binary);
        } else {
          values::WriteBytes(w, cell.View(), modes.binary);
        }
        return;
      }
      WriteText(w, c, cell.View(), CharsetOf(c));
      return;
    case ColumnType::kVarchar:
    case ColumnType::kVarString:
    case ColumnType::kTinyBlob:
    case ColumnType::kMediumBlob:
    case ColumnType::kLongBlob:
    case ColumnType::kBlob: {
      const Charset charset = CharsetOf(c);
      if (charset == Charset::kBinary) {
        values::WriteBytes(w, cell.View(), modes.binary);
      } else {
        WriteText(w, c, cell.View(), charset);
      }
      return;
    }
    case ColumnType::kJson: {
      // BinlogValueConverters.convertJson: empty bytes -> null (or "{}" when NOT NULL).
      if (cell.size == 0) {
        if (c.nullable) {
          w.Null();
        } else {
          w.StringLiteral("{}");
        }
        return;
      }
      thread_local std::string text;
      text.clear();
      AppendMysqlJsonText(text, cell.View());
      w.String(text);
      return;
    }
    case ColumnType::kGeometry:
      WriteGeometry(w, c, cell, modes.binary);
      return;
    case ColumnType::kVector: {
      // io.debezium.data.FloatVector: an array of FLOAT32.
      w.BeginArray();
      for (uint32_t i = 0; i + 4 <= cell.size; i += 4) {
        float f;
        std::memcpy(&f, p + i, 4);
        w.Float(f);
      }
      w.EndArray();
      return;
    }
    case ColumnType::kNull:
      w.Null();
      return;
    default:
      throw UnsupportedError("column \"" + c.name + "\" of type " + ColumnTypeName(c.type) +
                             " is not supported");
  }
}

namespace {

[[noreturn]] void BadText(const ColumnInfo& c, std::string_view text) {
  throw DecodeError("column \"" + c.name + "\": unexpected text value \"" + std::string(text) +
                    "\" for type " + ColumnTypeName(c.type));
}

int64_t ParseInt(const ColumnInfo& c, std::string_view t) {
  int64_t v = 0;
  auto r = std::from_chars(t.data(), t.data() + t.size(), v);
  if (r.ec != std::errc() || r.ptr != t.data() + t.size()) BadText(c, t);
  return v;
}

uint64_t ParseUint(const ColumnInfo& c, std::string_view t) {
  uint64_t v = 0;
  auto r = std::from_chars(t.data(), t.data() + t.size(), v);
  if (r.ec != std::errc() || r.ptr != t.data() + t.size()) BadText(c, t);
  return v;
}

// Reads up to `max` digits at `i` into *out; false when there is none.
bool Digits(std::string_view t, size_t& i, int max, int64_t* out) {
  const size_t start = i;
  int64_t v = 0;
  while (i < t.size() && i - start < static_cast<size_t>(max) && t[i] >= '0' && t[i] <= '9') {
    v = v * 10 + (t[i] - '0');
    ++i;
  }
  *out = v;
  return i > start;
}

// ".123" -> microseconds (123000); nothing -> 0.
int32_t Fraction(std::string_view t, size_t& i) {
  if (i >= t.size() || t[i] != '.') return 0;
  ++i;
  int32_t v = 0;
  int digits = 0;
  while (i < t.size() && t[i] >= '0' && t[i] <= '9') {
    if (digits < 6) v = v * 10 + (t[i] - '0');
    ++digits;
    ++i;
  }
  for (; digits < 6; ++digits) v *= 10;
  return v;
}

// "YYYY-MM-DD[ hh:mm:ss[.ffffff]]"
CivilDateTime ParseDateTime(const ColumnInfo& c, std::string_view t) {
  CivilDateTime d;
  size_t i = 0;
  int64_t y, mo, da;
  if (!Digits(t, i, 4, &y) || i >= t.size() || t[i++] != '-' || !Digits(t, i, 2, &mo) ||
      i >= t.size() || t[i++] != '-' || !Digits(t, i, 2, &da)) {
    BadText(c, t);
  }
  d.year = static_cast<int>(y);
  d.month = static_cast<int>(mo);
  d.day = static_cast<int>(da);
  if (i < t.size()) {
    int64_t h, mi, s;
    if (t[i++] != ' ' || !Digits(t, i, 2, &h) || i >= t.size() || t[i++] != ':' ||
        !Digits(t, i, 2, &mi) || i >= t.size() || t[i++] != ':' || !Digits(t, i, 2, &s)) {
      BadText(c, t);
    }
    d.hour = static_cast<int>(h);
    d.minute = static_cast<int>(mi);
    d.second = static_cast<int>(s);
    d.micros = Fraction(t, i);
  }
  if (i != t.size()) BadText(c, t);
  return d;
}

// "[-]hhh:mm:ss[.ffffff]" -> signed microseconds.
int64_t ParseTimeText(const ColumnInfo& c, std::string_view t) {
  size_t i = 0;
  const bool negative = !t.empty() && t[0] == '-';
  if (negative) ++i;
  int64_t h, m, s;
  if (!Digits(t, i, 4, &h) || i >= t.size() || t[i++] != ':' || !Digits(t, i, 2, &m) ||
      i >= t.size() || t[i++] != ':' || !Digits(t, i, 2, &s)) {
    BadText(c, t);
  }
  const int64_t us = ((h * 60 + m) * 60 + s) * 1000000 + Fraction(t, i);
  if (i != t.size()) BadText(c, t);
  return negative ? -us : us;
}

}  // namespace

void WriteTextColumnValue(JsonWriter& w, const ColumnInfo& c, const char* data, size_t size,
                          const values::ValueModes& modes) {
  if (data == nullptr) {
    w.Null();
    return;
  }
  const std::string_view t(data, size);
  switch (c.type) {
    case ColumnType::kTiny:
    case ColumnType::kShort:
    case ColumnType::kInt24:
    case ColumnType::kLong:
      w.Int(ParseInt(c, t));
      return;
    case ColumnType::kLongLong:
      if (c.is_unsigned) {
        values::WriteUnsignedBigint(w, ParseUint(c, t), modes.bigint_unsigned);
      } else {
        w.Int(ParseInt(c, t));
      }
      return;
    case ColumnType::kFloat:
    case ColumnType::kDouble: {
      // The text of a double is the shortest that reads back to the same value; FLOAT
      // columns come as CAST(c AS DOUBLE), which holds the float exactly.
      thread_local std::string nul_terminated;
      nul_terminated.assign(t);
      char* end = nullptr;
      const double d = std::strtod(nul_terminated.c_str(), &end);
      if (end != nul_terminated.c_str() + nul_terminated.size()) BadText(c, t);
      if (c.type == ColumnType::kFloat) {
        w.Float(static_cast<float>(d));
      } else {
        w.Double(d);
      }
      return;
    }
    case ColumnType::kNewDecimal: {
      // Canonical as the row image gives it: no "-" on zero.
      thread_local std::string text;
      text.assign(t);
      if (!text.empty() && text[0] == '-' && text.find_first_not_of("0.", 1) == std::string::npos) {
        text.erase(0, 1);
      }
      values::WriteDecimal(w, text, c.scale, modes.decimal);
      return;
    }
    case ColumnType::kBit:
      values::WriteBitsFromBigEndian(w, t, static_cast<int32_t>(c.bits));
      return;
    case ColumnType::kDate:
    case ColumnType::kNewDate: {
      const CivilDateTime d = ParseDateTime(c, t);
      if (d.HasZeroDatePart()) return WriteZeroDate(w, c);
      values::WriteDateYmd(w, d.year, d.month, d.day);
      return;
    }
    case ColumnType::kTime:
    case ColumnType::kTime2:
      values::WriteTime(w, ParseTimeText(c, t), c.type == ColumnType::kTime ? 0 : c.fsp,
                        modes.time_precision);
      return;
    case ColumnType::kDatetime:
    case ColumnType::kDatetime2: {
      const CivilDateTime d = ParseDateTime(c, t);
      if (d.HasZeroDatePart()) return WriteZeroDate(w, c);
      values::WriteTimestamp(w, d.EpochMicros(), c.fsp, modes.time_precision);
      return;
    }
    case ColumnType::kTimestamp:
    case ColumnType::kTimestamp2: {
      const CivilDateTime d = ParseDateTime(c, t);  // session time_zone is UTC
      if (d.HasZeroDatePart()) return WriteZeroDate(w, c);
      values::WriteTimestampTz(w, d.EpochMicros(), c.fsp);
      return;
    }
    case ColumnType::kYear:
      values::WriteYear(w, static_cast<int32_t>(ParseInt(c, t)));
      return;
    case ColumnType::kString:
      if (c.real_type == ColumnType::kEnum || c.real_type == ColumnType::kSet) {
        w.String(t);  // members by name, SET members in definition order like the bitmap
        return;
      }
      if (CharsetOf(c) == Charset::kBinary) {
        // BINARY(n) comes padded to n bytes, as WriteColumnValue pads the row image.
        values::WriteBytes(w, t, modes.binary);
        return;
      }
      w.String(t);  // results are utf8mb4 whatever the column's charset
      return;
    case ColumnType::kVarchar:
    case ColumnType::kVarString:
    case ColumnType::kTinyBlob:
    case ColumnType::kMediumBlob:
    case ColumnType::kLongBlob:
    case ColumnType::kBlob:
      if (CharsetOf(c) == Charset::kBinary) {
        values::WriteBytes(w, t, modes.binary);
      } else {
        w.String(t);
      }
      return;
    case ColumnType::kJson:
      // MySQL sends JSON columns as text; an empty value is the row image's empty JSON.
      if (t.empty()) {
        if (c.nullable) {
          w.Null();
        } else {
          w.StringLiteral("{}");
        }
        return;
      }
      w.String(t);
      return;
    case ColumnType::kGeometry: {
      // The text protocol sends geometry in the internal format: SRID, then WKB.
      Cell cell;
      cell.data = reinterpret_cast<const uint8_t*>(data);
      cell.size = static_cast<uint32_t>(size);
      cell.is_null = false;
      WriteGeometry(w, c, cell, modes.binary);
      return;
    }
    case ColumnType::kNull:
      w.Null();
      return;
    default:
      throw UnsupportedError("column \"" + c.name + "\" of type " + ColumnTypeName(c.type) +
                             " is not supported in snapshots");
  }
}

void WriteRowObject(JsonWriter& w, const TableMapEvent& table, const Row& row,
                    const std::vector<bool>& include, const values::ValueModes& modes) {
  w.BeginObject();
  for (size_t i = 0; i < table.columns.size(); ++i) {
    if (!include.empty() && !include[i]) continue;
    w.Key(table.columns[i].name);
    WriteColumnValue(w, table.columns[i], row[i], modes);
  }
  w.EndObject();
}

}  // namespace dbct::binlog
