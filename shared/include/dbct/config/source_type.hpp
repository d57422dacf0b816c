// The kinds of database a DatabaseChangeTracking resource can track.
#ifndef DBCT_CONFIG_SOURCE_TYPE_HPP
#define DBCT_CONFIG_SOURCE_TYPE_HPP

#include <optional>
#include <string_view>

namespace dbct::config {

enum class SourceType { kPostgres, kMySql, kSqlServer, kOracle, kMongoDb };

inline constexpr SourceType kAllSourceTypes[] = {SourceType::kPostgres, SourceType::kMySql,
                                                 SourceType::kSqlServer, SourceType::kOracle,
                                                 SourceType::kMongoDb};

// The name used in spec.type: postgres, mysql, sqlserver, oracle, mongodb.
std::string_view SourceTypeName(SourceType type);

// Exact spec.type name to SourceType; nullopt for anything else.
std::optional<SourceType> ParseSourceType(std::string_view name);

// Debezium's source.connector value: postgresql, mysql, sqlserver, oracle, mongodb.
std::string_view DebeziumConnectorName(SourceType type);

}  // namespace dbct::config

#endif  // DBCT_CONFIG_SOURCE_TYPE_HPP
