// TABLE_MAP_EVENT: the table a following rows event refers to, by table id: names, column
// types, per-type metadata, nullability, and (binlog_row_metadata=MINIMAL/FULL) the optional
// metadata: signedness, charsets, column names, ENUM/SET values, geometry types, primary key.
#ifndef DBCT_BINLOG_TABLE_MAP_EVENT_HPP
#define DBCT_BINLOG_TABLE_MAP_EVENT_HPP

#include <cstdint>
#include <string>
#include <vector>

#include "column_type.hpp"
#include "event_header.hpp"

namespace dbct::binlog {

class FormatDescriptionEvent;

struct ColumnInfo {
  ColumnType type = ColumnType::kNull;  // as logged (kString also for ENUM and SET)
  ColumnType real_type = ColumnType::kNull;  // kEnum / kSet resolved from kString's metadata
  uint16_t meta = 0;                     // raw per-type metadata
  // Derived from meta:
  uint32_t max_length = 0;  // CHAR/VARCHAR/BINARY length in bytes
  uint8_t length_bytes = 0;  // BLOB/TEXT/JSON/GEOMETRY length prefix, ENUM/SET pack length,
                             // FLOAT/DOUBLE pack length
  uint8_t precision = 0;     // DECIMAL
  uint8_t scale = 0;         // DECIMAL
  uint8_t fsp = 0;           // TIME2/DATETIME2/TIMESTAMP2 fractional digits
  uint32_t bits = 0;         // BIT(n)

  bool nullable = true;
  bool is_unsigned = false;
  int64_t collation = -1;  // -1: unknown
  uint32_t geometry_type = 0;  // 1 = POINT (MySQL's Field::geometry_type)
  bool in_primary_key = false;
  std::string name;
  std::vector<std::string> enum_values;  // ENUM or SET members, in order
};

struct TableMapEvent {
  uint64_t table_id = 0;
  uint16_t flags = 0;
  std::string database;
  std::string table;
  std::vector<ColumnInfo> columns;
  std::vector<uint32_t> primary_key;  // column indexes in key order

  // Which optional metadata the event carried (the rest must come from the catalog).
  bool has_signedness = false;
  bool has_charsets = false;
  bool has_names = false;
  bool has_enum_set_values = false;
  bool has_primary_key = false;

  bool IsNumeric(size_t column) const;
  bool IsCharacter(size_t column) const;
  bool IsEnumOrSet(size_t column) const;
  bool HasEnumOrSet() const;

  static TableMapEvent Parse(const RawEvent& ev, const FormatDescriptionEvent& fd);
};

// Reads a table id of 6 bytes, or of 4 when the post-header is the old 6-byte one.
uint64_t ReadTableId(class ByteReader& r, uint8_t post_header_length);

}  // namespace dbct::binlog

#endif  // DBCT_BINLOG_TABLE_MAP_EVENT_HPP
