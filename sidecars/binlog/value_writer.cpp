#include "value_writer.hpp"

#include <cstring>

#include "charset.hpp"
#include "decimal_codec.hpp"
#include "dbct/values/binary.hpp"
#include "dbct/values/numeric.hpp"
#include "dbct/values/temporal.hpp"
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
    throw UnsupportedError("column \"" + c.name + "\" uses character set " +
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
