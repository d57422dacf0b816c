#include "column_type.hpp"

namespace dbct::binlog {

std::string ColumnTypeName(ColumnType type) {
  switch (type) {
    case ColumnType::kDecimal: return "DECIMAL (old)";
    case ColumnType::kTiny: return "TINYINT";
    case ColumnType::kShort: return "SMALLINT";
    case ColumnType::kLong: return "INT";
    case ColumnType::kFloat: return "FLOAT";
    case ColumnType::kDouble: return "DOUBLE";
    case ColumnType::kNull: return "NULL";
    case ColumnType::kTimestamp: return "TIMESTAMP (old)";
    case ColumnType::kLongLong: return "BIGINT";
    case ColumnType::kInt24: return "MEDIUMINT";
    case ColumnType::kDate: return "DATE";
    case ColumnType::kTime: return "TIME (old)";
    case ColumnType::kDatetime: return "DATETIME (old)";
    case ColumnType::kYear: return "YEAR";
    case ColumnType::kNewDate: return "NEWDATE";
    case ColumnType::kVarchar: return "VARCHAR";
    case ColumnType::kBit: return "BIT";
    case ColumnType::kTimestamp2: return "TIMESTAMP";
    case ColumnType::kDatetime2: return "DATETIME";
    case ColumnType::kTime2: return "TIME";
    case ColumnType::kTypedArray: return "TYPED_ARRAY";
    case ColumnType::kVarcharCompressed: return "VARCHAR COMPRESSED";
    case ColumnType::kBlobCompressed: return "BLOB COMPRESSED";
    case ColumnType::kVector: return "VECTOR";
    case ColumnType::kJson: return "JSON";
    case ColumnType::kNewDecimal: return "DECIMAL";
    case ColumnType::kEnum: return "ENUM";
    case ColumnType::kSet: return "SET";
    case ColumnType::kTinyBlob: return "TINYBLOB";
    case ColumnType::kMediumBlob: return "MEDIUMBLOB";
    case ColumnType::kLongBlob: return "LONGBLOB";
    case ColumnType::kBlob: return "BLOB";
    case ColumnType::kVarString: return "VAR_STRING";
    case ColumnType::kString: return "CHAR";
    case ColumnType::kGeometry: return "GEOMETRY";
  }
  return "type " + std::to_string(static_cast<int>(type));
}

}  // namespace dbct::binlog
