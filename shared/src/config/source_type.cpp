#include "dbct/config/source_type.hpp"

namespace dbct::config {

std::string_view SourceTypeName(SourceType type) {
  switch (type) {
    case SourceType::kPostgres:
      return "postgres";
    case SourceType::kMySql:
      return "mysql";
    case SourceType::kSqlServer:
      return "sqlserver";
    case SourceType::kOracle:
      return "oracle";
    case SourceType::kMongoDb:
      return "mongodb";
  }
  return "unknown";
}

std::optional<SourceType> ParseSourceType(std::string_view name) {
  for (SourceType type : kAllSourceTypes) {
    if (SourceTypeName(type) == name) return type;
  }
  return std::nullopt;
}

std::string_view DebeziumConnectorName(SourceType type) {
  return type == SourceType::kPostgres ? "postgresql" : SourceTypeName(type);
}

}  // namespace dbct::config
