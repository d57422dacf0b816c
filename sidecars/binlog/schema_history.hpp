// What TABLE_MAP events do not say when binlog_row_metadata is not FULL (column names,
// signedness, charsets, ENUM/SET members, primary key), kept as of the binlog position being
// read: loaded from the catalog when streaming starts (or when a table is first met), then
// changed by following the DDL statements of QUERY events, so an event written before an
// ALTER TABLE is decoded with the columns it was written with even when the catalog has moved on.
//
// Understood: ALTER TABLE ... ADD/DROP/MODIFY/CHANGE/RENAME COLUMN (FIRST/AFTER), ADD/DROP
// PRIMARY KEY, RENAME TO; RENAME TABLE; DROP TABLE; CREATE TABLE. A statement touching a
// known table that is not understood makes the table be read from the catalog again when it is
// next needed (the catalog's state then; the column count is checked). The history lives in
// memory: a restart starts again from the catalog, so DDL in a backlog that is read after a
// restart needs binlog_row_metadata=FULL.
#ifndef DBCT_BINLOG_SCHEMA_HISTORY_HPP
#define DBCT_BINLOG_SCHEMA_HISTORY_HPP

#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "mysql_client.hpp"
#include "table_map_event.hpp"

namespace dbct::binlog {

struct ColumnDef {
  std::string name;
  bool is_unsigned = false;
  int64_t collation = -1;  // -1: not a character column
  std::vector<std::string> enum_values;
  bool point = false;
};

struct TableDef {
  std::vector<ColumnDef> columns;
  std::vector<std::string> primary_key;
  int64_t default_collation = -1;  // for columns added without a charset
};

class SchemaHistory {
 public:
  // The connection to read the catalog with (again after each reconnect).
  void SetCatalog(MysqlConnection& catalog);

  // Reads the current definition of `db.table` from the catalog.
  void Load(const std::string& db, const std::string& table);
  // Sets the definition of `db.table` (Load uses it; tests seed the history with it).
  void Define(const std::string& db, const std::string& table, TableDef def);
  // Maps collation and charset names to ids without a catalog (tests).
  void AddCollation(const std::string& name, const std::string& charset, int64_t id,
                    bool is_default);
  // Fills what `map` lacks. Throws SourceError when the column counts differ.
  void Fill(TableMapEvent& map);
  // Follows one QUERY event's statement, run with default database `default_db`.
  void Apply(std::string_view default_db, std::string_view statement);

  // For tests: the definition as known now, nullptr when unknown.
  const TableDef* Find(const std::string& db, const std::string& table) const;

 private:
  int64_t CollationId(const std::string& name) const;
  int64_t DefaultCollationOf(const std::string& charset) const;

  MysqlConnection* catalog_ = nullptr;
  std::map<std::string, TableDef> tables_;                     // "db.table"
  std::unordered_map<std::string, int64_t> collation_ids_;     // lower-case name -> id
  std::unordered_map<std::string, int64_t> charset_defaults_;  // charset -> default id
};

}  // namespace dbct::binlog

#endif  // DBCT_BINLOG_SCHEMA_HISTORY_HPP
