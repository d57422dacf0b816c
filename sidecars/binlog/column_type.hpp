// Column type codes as they appear in TABLE_MAP_EVENT (enum_field_types).
#ifndef DBCT_BINLOG_COLUMN_TYPE_HPP
#define DBCT_BINLOG_COLUMN_TYPE_HPP

#include <cstdint>
#include <string>

namespace dbct::binlog {

enum class ColumnType : uint8_t {
  kDecimal = 0,  // pre-5.0 DECIMAL, never in a row binlog of a supported server
  kTiny = 1,
  kShort = 2,
  kLong = 3,
  kFloat = 4,
  kDouble = 5,
  kNull = 6,
  kTimestamp = 7,  // pre-5.6 TIMESTAMP: seconds, no fraction
  kLongLong = 8,
  kInt24 = 9,
  kDate = 10,
  kTime = 11,      // pre-5.6 TIME: HHMMSS as an integer
  kDatetime = 12,  // pre-5.6 DATETIME: YYYYMMDDhhmmss as an integer
  kYear = 13,
  kNewDate = 14,
  kVarchar = 15,
  kBit = 16,
  kTimestamp2 = 17,
  kDatetime2 = 18,
  kTime2 = 19,
  kTypedArray = 20,         // MySQL: only inside replication of functional indexes
  kVarcharCompressed = 140,  // MariaDB column compression
  kBlobCompressed = 141,
  kVector = 242,  // MySQL 9
  kJson = 245,    // MySQL binary JSON (MariaDB logs JSON as a BLOB)
  kNewDecimal = 246,
  kEnum = 247,
  kSet = 248,
  kTinyBlob = 249,
  kMediumBlob = 250,
  kLongBlob = 251,
  kBlob = 252,
  kVarString = 253,
  kString = 254,  // CHAR, BINARY; also ENUM and SET, whose real type is in the metadata
  kGeometry = 255,
};

std::string ColumnTypeName(ColumnType type);

}  // namespace dbct::binlog

#endif  // DBCT_BINLOG_COLUMN_TYPE_HPP
