#include "rows_event.hpp"

#include "decimal_codec.hpp"
#include "format_description_event.hpp"
#include "temporal_codec.hpp"

namespace dbct::binlog {

namespace {

bool AllSet(std::string_view bitmap, uint32_t count) {
  for (uint32_t i = 0; i < count; ++i) {
    if (((static_cast<uint8_t>(bitmap[i / 8]) >> (i % 8)) & 1) == 0) return false;
  }
  return true;
}

std::string TableName(const TableMapEvent& t) { return "\"" + t.database + "." + t.table + "\""; }

uint32_t FixedSize(const ColumnInfo& c) {
  switch (c.type) {
    case ColumnType::kTiny:
    case ColumnType::kYear:
      return 1;
    case ColumnType::kShort:
      return 2;
    case ColumnType::kInt24:
    case ColumnType::kDate:
    case ColumnType::kNewDate:
    case ColumnType::kTime:
      return 3;
    case ColumnType::kLong:
    case ColumnType::kTimestamp:
      return 4;
    case ColumnType::kLongLong:
    case ColumnType::kDatetime:
      return 8;
    case ColumnType::kFloat:
      return c.length_bytes != 0 ? c.length_bytes : 4;
    case ColumnType::kDouble:
      return c.length_bytes != 0 ? c.length_bytes : 8;
    case ColumnType::kNewDecimal:
      return DecimalBinarySize(c.precision, c.scale);
    case ColumnType::kBit:
      return (c.bits + 7) / 8;
    case ColumnType::kTime2:
      return 3 + FractionBytes(c.fsp);
    case ColumnType::kDatetime2:
      return 5 + FractionBytes(c.fsp);
    case ColumnType::kTimestamp2:
      return 4 + FractionBytes(c.fsp);
    case ColumnType::kNull:
      return 0;
    default:
      return UINT32_MAX;  // variable length
  }
}

}  // namespace

bool RowsEvent::IsRowsEvent(EventType type) {
  switch (type) {
    case EventType::kWriteRowsV1:
    case EventType::kUpdateRowsV1:
    case EventType::kDeleteRowsV1:
    case EventType::kWriteRowsV2:
    case EventType::kUpdateRowsV2:
    case EventType::kDeleteRowsV2:
    case EventType::kWriteRowsCompressedV1:
    case EventType::kUpdateRowsCompressedV1:
    case EventType::kDeleteRowsCompressedV1:
    case EventType::kWriteRowsCompressed:
    case EventType::kUpdateRowsCompressed:
    case EventType::kDeleteRowsCompressed:
    case EventType::kMysqlPartialUpdateRows:
      return true;
    default:
      return false;
  }
}

RowsEvent RowsEvent::Parse(const RawEvent& ev, const FormatDescriptionEvent& fd) {
  const EventType type = ev.header.type;
  RowsEvent e;
  bool v2 = false;
  switch (type) {
    case EventType::kWriteRowsV1: e.kind = RowsKind::kWrite; break;
    case EventType::kUpdateRowsV1: e.kind = RowsKind::kUpdate; break;
    case EventType::kDeleteRowsV1: e.kind = RowsKind::kDelete; break;
    case EventType::kWriteRowsV2: e.kind = RowsKind::kWrite; v2 = true; break;
    case EventType::kUpdateRowsV2: e.kind = RowsKind::kUpdate; v2 = true; break;
    case EventType::kDeleteRowsV2: e.kind = RowsKind::kDelete; v2 = true; break;
    case EventType::kWriteRowsCompressedV1:
    case EventType::kUpdateRowsCompressedV1:
    case EventType::kDeleteRowsCompressedV1:
    case EventType::kWriteRowsCompressed:
    case EventType::kUpdateRowsCompressed:
    case EventType::kDeleteRowsCompressed:
      throw UnsupportedError(EventTypeName(type) +
                             " is not supported: turn off log_bin_compress on the server");
    case EventType::kMysqlPartialUpdateRows:
      throw UnsupportedError(
          "PARTIAL_UPDATE_ROWS_EVENT is not supported: set binlog_row_value_options to '' "
          "(partial JSON updates leave the rest of the document out of the event)");
    default:
      throw DecodeError(EventTypeName(type) + " is not a rows event");
  }
  ByteReader r(ev.body, EventTypeName(type).c_str());
  const uint8_t post_header = fd.PostHeaderLength(type, v2 ? 10 : 8);
  e.table_id = ReadTableId(r, post_header);
  e.flags = r.U16();
  if (v2) {
    // Extra data (NDB info, partition ids): its length counts its own two bytes.
    const uint16_t extra = r.U16();
    if (extra < 2) r.Fail("extra data length " + std::to_string(extra));
    r.Skip(extra - 2u);
  }
  const uint64_t count = r.Packed();
  if (count > r.Remaining() * 8) r.Fail("column count " + std::to_string(count));
  e.column_count = static_cast<uint32_t>(count);
  e.present_before = r.Bytes((e.column_count + 7) / 8);
  if (e.kind == RowsKind::kUpdate) e.present_after = r.Bytes((e.column_count + 7) / 8);
  e.rows = r.Rest();
  return e;
}

Cell ReadCell(ByteReader& r, const ColumnInfo& c) {
  Cell cell;
  cell.is_null = false;
  const uint32_t fixed = FixedSize(c);
  if (fixed != UINT32_MAX) {
    std::string_view v = r.Bytes(fixed);
    cell.data = reinterpret_cast<const uint8_t*>(v.data());
    cell.size = fixed;
    return cell;
  }
  size_t prefix = 0;
  switch (c.type) {
    case ColumnType::kVarchar:
    case ColumnType::kVarString:
      prefix = c.max_length < 256 ? 1 : 2;
      break;
    case ColumnType::kString:
    case ColumnType::kEnum:
    case ColumnType::kSet:
      if (c.real_type == ColumnType::kEnum || c.real_type == ColumnType::kSet) {
        std::string_view v = r.Bytes(c.length_bytes);
        cell.data = reinterpret_cast<const uint8_t*>(v.data());
        cell.size = c.length_bytes;
        return cell;
      }
      prefix = c.max_length < 256 ? 1 : 2;
      break;
    case ColumnType::kTinyBlob:
    case ColumnType::kMediumBlob:
    case ColumnType::kLongBlob:
    case ColumnType::kBlob:
    case ColumnType::kGeometry:
    case ColumnType::kJson:
    case ColumnType::kVector:
      prefix = c.length_bytes;
      if (prefix < 1 || prefix > 4) r.Fail("BLOB length size " + std::to_string(prefix));
      break;
    case ColumnType::kVarcharCompressed:
    case ColumnType::kBlobCompressed:
      throw UnsupportedError("compressed columns (MariaDB COMPRESSED attribute) are not supported");
    default:
      throw UnsupportedError("column type " + ColumnTypeName(c.type) +
                             " in a row image is not supported");
  }
  const uint64_t length = r.UInt(prefix);
  std::string_view v = r.Bytes(static_cast<size_t>(length));
  cell.data = reinterpret_cast<const uint8_t*>(v.data());
  cell.size = static_cast<uint32_t>(length);
  return cell;
}

RowsReader::RowsReader(const RowsEvent& event, const TableMapEvent& table)
    : event_(event), table_(table), reader_(event.rows, "rows event") {
  if (event.column_count != table.columns.size()) {
    throw DecodeError("rows event for table " + TableName(table) + " has " +
                      std::to_string(event.column_count) + " columns, its TABLE_MAP_EVENT " +
                      std::to_string(table.columns.size()));
  }
  if (!AllSet(event.present_before, event.column_count) ||
      (event.kind == RowsKind::kUpdate && !AllSet(event.present_after, event.column_count))) {
    throw UnsupportedError("table " + TableName(table) +
                           " was logged with a partial row image: binlog_row_image must be FULL");
  }
}

bool RowsReader::Next(Row& image, Row& after) {
  if (reader_.AtEnd()) return false;
  ReadImage(image);
  if (event_.kind == RowsKind::kUpdate) ReadImage(after);
  return true;
}

void RowsReader::ReadImage(Row& row) {
  const size_t n = table_.columns.size();
  row.resize(n);
  // Every column is present (checked above), so the NULL bitmap has one bit per column.
  std::string_view nulls = reader_.Bytes((n + 7) / 8);
  for (size_t i = 0; i < n; ++i) {
    if ((static_cast<uint8_t>(nulls[i / 8]) >> (i % 8)) & 1) {
      row[i] = Cell{};
    } else {
      row[i] = ReadCell(reader_, table_.columns[i]);
    }
  }
}

}  // namespace dbct::binlog
