#include "table_map_event.hpp"

#include "byte_reader.hpp"
#include "format_description_event.hpp"

namespace dbct::binlog {

namespace {

// Optional metadata field types (MySQL's Table_map_log_event::Optional_metadata_field_type).
enum class OptionalField : uint8_t {
  kSignedness = 1,
  kDefaultCharset = 2,
  kColumnCharset = 3,
  kColumnName = 4,
  kSetStrValue = 5,
  kEnumStrValue = 6,
  kGeometryType = 7,
  kSimplePrimaryKey = 8,
  kPrimaryKeyWithPrefix = 9,
  kEnumAndSetDefaultCharset = 10,
  kEnumAndSetColumnCharset = 11,
  kColumnVisibility = 12,  // MySQL 8.0.23+
};

// Fills the derived fields from the raw metadata bytes of one column.
void ReadColumnMeta(ByteReader& r, ColumnInfo& c) {
  switch (c.type) {
    case ColumnType::kFloat:
    case ColumnType::kDouble:
    case ColumnType::kTinyBlob:
    case ColumnType::kMediumBlob:
    case ColumnType::kLongBlob:
    case ColumnType::kBlob:
    case ColumnType::kGeometry:
    case ColumnType::kJson:
    case ColumnType::kVector:
    case ColumnType::kBlobCompressed:
      c.meta = r.U8();
      c.length_bytes = static_cast<uint8_t>(c.meta);
      break;
    case ColumnType::kVarchar:
    case ColumnType::kVarString:
    case ColumnType::kVarcharCompressed:
      c.meta = r.U16();
      c.max_length = c.meta;
      break;
    case ColumnType::kBit: {
      const uint8_t bits = r.U8();
      const uint8_t bytes = r.U8();
      c.meta = static_cast<uint16_t>(bits | (bytes << 8));
      c.bits = uint32_t{bytes} * 8 + bits;
      break;
    }
    case ColumnType::kNewDecimal:
      c.precision = r.U8();
      c.scale = r.U8();
      c.meta = static_cast<uint16_t>((c.precision << 8) | c.scale);
      break;
    case ColumnType::kString:
    case ColumnType::kEnum:
    case ColumnType::kSet: {
      uint8_t b0 = r.U8();
      const uint8_t b1 = r.U8();
      c.meta = static_cast<uint16_t>((b0 << 8) | b1);
      // CHAR over 255 bytes keeps the two high bits of its length in bits 4-5 of the real
      // type byte, inverted (Field_string::save_field_metadata).
      uint32_t length = b1;
      if ((b0 & 0x30) != 0x30) {
        length |= uint32_t((b0 & 0x30) ^ 0x30) << 4;
        b0 |= 0x30;
      }
      c.real_type = static_cast<ColumnType>(b0);
      if (c.real_type == ColumnType::kEnum || c.real_type == ColumnType::kSet) {
        c.length_bytes = b1;
      } else {
        c.max_length = length;
      }
      break;
    }
    case ColumnType::kTimestamp2:
    case ColumnType::kDatetime2:
    case ColumnType::kTime2:
      c.meta = r.U8();
      c.fsp = static_cast<uint8_t>(c.meta);
      break;
    case ColumnType::kDecimal:
    case ColumnType::kTypedArray:
      throw UnsupportedError("column type " + ColumnTypeName(c.type) +
                             " in a TABLE_MAP_EVENT is not supported");
    default:
      break;  // no metadata
  }
  if (c.real_type == ColumnType::kNull) c.real_type = c.type;
}

std::string ReadPackedString(ByteReader& r) {
  const uint64_t n = r.Packed();
  std::string_view s = r.Bytes(static_cast<size_t>(n));
  return std::string(s);
}

// Visits the columns matching `pred` in order, calling `fn(column_index)`.
template <typename Pred, typename Fn>
void ForEachColumn(const TableMapEvent& t, Pred pred, Fn fn) {
  for (size_t i = 0; i < t.columns.size(); ++i) {
    if (pred(i)) fn(i);
  }
}

void ReadCharsets(ByteReader& r, TableMapEvent& t, bool default_form, bool enum_set) {
  auto is_target = [&](size_t i) { return enum_set ? t.IsEnumOrSet(i) : t.IsCharacter(i); };
  if (default_form) {
    // Default collation, then (column index among the targets, collation) for the others.
    const int64_t def = static_cast<int64_t>(r.Packed());
    std::vector<size_t> targets;
    ForEachColumn(t, is_target, [&](size_t i) { targets.push_back(i); });
    for (size_t i : targets) t.columns[i].collation = def;
    while (!r.AtEnd()) {
      const uint64_t index = r.Packed();
      const int64_t collation = static_cast<int64_t>(r.Packed());
      if (index >= targets.size()) r.Fail("charset for column " + std::to_string(index));
      t.columns[targets[index]].collation = collation;
    }
  } else {
    ForEachColumn(t, is_target,
                  [&](size_t i) { t.columns[i].collation = static_cast<int64_t>(r.Packed()); });
  }
}

void ReadOptionalMetadata(ByteReader& all, TableMapEvent& t) {
  while (!all.AtEnd()) {
    const auto type = static_cast<OptionalField>(all.U8());
    const uint64_t length = all.Packed();
    ByteReader r(all.Bytes(static_cast<size_t>(length)), "TABLE_MAP_EVENT optional metadata");
    switch (type) {
      case OptionalField::kSignedness: {
        // One bit per numeric column, most significant bit first.
        size_t bit = 0;
        std::string_view bitmap = r.Rest();
        ForEachColumn(
            t, [&](size_t i) { return t.IsNumeric(i); },
            [&](size_t i) {
              if (bit / 8 < bitmap.size()) {
                t.columns[i].is_unsigned =
                    (static_cast<uint8_t>(bitmap[bit / 8]) & (0x80 >> (bit % 8))) != 0;
              }
              ++bit;
            });
        t.has_signedness = true;
        break;
      }
      case OptionalField::kDefaultCharset:
        ReadCharsets(r, t, true, false);
        t.has_charsets = true;
        break;
      case OptionalField::kColumnCharset:
        ReadCharsets(r, t, false, false);
        t.has_charsets = true;
        break;
      case OptionalField::kEnumAndSetDefaultCharset:
        ReadCharsets(r, t, true, true);
        break;
      case OptionalField::kEnumAndSetColumnCharset:
        ReadCharsets(r, t, false, true);
        break;
      case OptionalField::kColumnName:
        for (auto& c : t.columns) c.name = ReadPackedString(r);
        t.has_names = true;
        break;
      case OptionalField::kSetStrValue:
      case OptionalField::kEnumStrValue: {
        const ColumnType want =
            type == OptionalField::kSetStrValue ? ColumnType::kSet : ColumnType::kEnum;
        for (auto& c : t.columns) {
          if (c.real_type != want) continue;
          const uint64_t count = r.Packed();
          if (count > r.Remaining()) r.Fail("ENUM/SET member count " + std::to_string(count));
          c.enum_values.clear();
          for (uint64_t k = 0; k < count; ++k) c.enum_values.push_back(ReadPackedString(r));
        }
        t.has_enum_set_values = true;
        break;
      }
      case OptionalField::kGeometryType:
        for (auto& c : t.columns) {
          if (c.type == ColumnType::kGeometry) c.geometry_type = static_cast<uint32_t>(r.Packed());
        }
        break;
      case OptionalField::kSimplePrimaryKey:
        while (!r.AtEnd()) t.primary_key.push_back(static_cast<uint32_t>(r.Packed()));
        t.has_primary_key = true;
        break;
      case OptionalField::kPrimaryKeyWithPrefix:
        while (!r.AtEnd()) {
          t.primary_key.push_back(static_cast<uint32_t>(r.Packed()));
          r.Packed();  // prefix length: the key is still the whole column for our purpose
        }
        t.has_primary_key = true;
        break;
      default:
        break;  // column visibility and later additions: not needed to decode rows
    }
  }
  for (uint32_t index : t.primary_key) {
    if (index >= t.columns.size()) {
      all.Fail("primary key column " + std::to_string(index) + " out of range");
    }
    t.columns[index].in_primary_key = true;
  }
}

}  // namespace

uint64_t ReadTableId(ByteReader& r, uint8_t post_header_length) {
  return post_header_length == 6 ? r.U32() : r.U48();
}

bool TableMapEvent::IsNumeric(size_t i) const {
  switch (columns[i].type) {
    case ColumnType::kTiny:
    case ColumnType::kShort:
    case ColumnType::kInt24:
    case ColumnType::kLong:
    case ColumnType::kLongLong:
    case ColumnType::kNewDecimal:
    case ColumnType::kFloat:
    case ColumnType::kDouble:
    case ColumnType::kDecimal:
      return true;
    default:
      return false;
  }
}

bool TableMapEvent::IsCharacter(size_t i) const {
  switch (columns[i].type) {
    case ColumnType::kString:
      return columns[i].real_type == ColumnType::kString;
    case ColumnType::kVarchar:
    case ColumnType::kVarString:
    case ColumnType::kBlob:
    case ColumnType::kTinyBlob:
    case ColumnType::kMediumBlob:
    case ColumnType::kLongBlob:
    case ColumnType::kVarcharCompressed:
    case ColumnType::kBlobCompressed:
      return true;
    default:
      return false;
  }
}

bool TableMapEvent::IsEnumOrSet(size_t i) const {
  return columns[i].real_type == ColumnType::kEnum || columns[i].real_type == ColumnType::kSet;
}

bool TableMapEvent::HasEnumOrSet() const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (IsEnumOrSet(i)) return true;
  }
  return false;
}

TableMapEvent TableMapEvent::Parse(const RawEvent& ev, const FormatDescriptionEvent& fd) {
  ByteReader r(ev.body, "TABLE_MAP_EVENT");
  TableMapEvent t;
  t.table_id = ReadTableId(r, fd.PostHeaderLength(EventType::kTableMap, 8));
  t.flags = r.U16();
  const uint8_t db_len = r.U8();
  t.database = std::string(r.ZeroTerminated(db_len));
  const uint8_t table_len = r.U8();
  t.table = std::string(r.ZeroTerminated(table_len));
  const uint64_t count = r.Packed();
  if (count > r.Remaining()) r.Fail("column count " + std::to_string(count));
  t.columns.resize(static_cast<size_t>(count));
  for (auto& c : t.columns) c.type = static_cast<ColumnType>(r.U8());
  ByteReader meta(r.Bytes(static_cast<size_t>(r.Packed())), "TABLE_MAP_EVENT column metadata");
  for (auto& c : t.columns) ReadColumnMeta(meta, c);
  std::string_view nulls = r.Bytes((t.columns.size() + 7) / 8);
  for (size_t i = 0; i < t.columns.size(); ++i) {
    t.columns[i].nullable = (static_cast<uint8_t>(nulls[i / 8]) >> (i % 8)) & 1;
  }
  ReadOptionalMetadata(r, t);
  return t;
}

}  // namespace dbct::binlog
