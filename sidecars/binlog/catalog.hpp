// Table metadata from the server's catalog: the tables there are, and a table's columns as a
// TABLE_MAP with full metadata would describe them (for the snapshot, and as the starting
// point of the schema history). The catalog shows tables as they are now; the schema history
// (schema_history.hpp) follows DDL from there.
#ifndef DBCT_BINLOG_CATALOG_HPP
#define DBCT_BINLOG_CATALOG_HPP

#include "dbct/config/name_filter.hpp"
#include "mysql_client.hpp"
#include "table_map_event.hpp"

namespace dbct::binlog {

// Adds every collation the server knows to CollationMap::Global().
void LoadCollations(MysqlConnection& connection);

// A table's columns as a TABLE_MAP with full metadata would describe them, read from
// information_schema (the snapshot reads rows with it). Throws SourceError when the table is
// gone or has a type the binlog path cannot decode either.
TableMapEvent TableFromCatalog(MysqlConnection& connection, const std::string& database,
                               const std::string& table);

// "db.table" of every base table in databases other than the server's own.
std::vector<std::pair<std::string, std::string>> ListUserTables(MysqlConnection& connection);

// The user tables the include/exclude lists select, as ListUserTables.
std::vector<std::pair<std::string, std::string>> IncludedTables(MysqlConnection& connection,
                                                                const config::NameFilter& databases,
                                                                const config::NameFilter& tables);

// Holds shared metadata locks on `tables` while it lives (an open transaction that has read
// each of them), on a connection of its own: no ALTER, DROP or RENAME of them can commit
// meanwhile, so a catalog read and a binlog position taken under it agree (a DDL statement
// already running is waited for; it is then in the binlog before the position).
class MetadataLock {
 public:
  MetadataLock(const MysqlSettings& settings,
               const std::vector<std::pair<std::string, std::string>>& tables);

 private:
  MysqlConnection connection_;  // closing it ends the transaction and frees the locks
};

// "db.view" of every view in databases other than the server's own.
std::vector<std::string> ListUserViews(MysqlConnection& connection);

}  // namespace dbct::binlog

#endif  // DBCT_BINLOG_CATALOG_HPP
