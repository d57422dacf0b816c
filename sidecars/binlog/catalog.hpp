// Table metadata from the server's catalog, for what TABLE_MAP_EVENT does not carry when
// binlog_row_metadata is not FULL (column names, signedness, charsets, ENUM/SET members,
// primary key). The catalog shows the table as it is now: events written before a later
// ALTER TABLE may be decoded with the wrong columns, which is why FULL is recommended.
#ifndef DBCT_BINLOG_CATALOG_HPP
#define DBCT_BINLOG_CATALOG_HPP

#include "mysql_client.hpp"
#include "table_map_event.hpp"

namespace dbct::binlog {

// Adds every collation the server knows to CollationMap::Global().
void LoadCollations(MysqlConnection& connection);

// Fills in what `table` lacks from information_schema. Throws SourceError when the table is
// gone or its column count differs from the event's.
void FillFromCatalog(MysqlConnection& connection, TableMapEvent& table);

// A table's columns as a TABLE_MAP with full metadata would describe them, read from
// information_schema (the snapshot reads rows with it). Throws SourceError when the table is
// gone or has a type the binlog path cannot decode either.
TableMapEvent TableFromCatalog(MysqlConnection& connection, const std::string& database,
                               const std::string& table);

// "db.table" of every base table in databases other than the server's own.
std::vector<std::pair<std::string, std::string>> ListUserTables(MysqlConnection& connection);

}  // namespace dbct::binlog

#endif  // DBCT_BINLOG_CATALOG_HPP
