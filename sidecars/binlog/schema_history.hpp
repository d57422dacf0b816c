// What TABLE_MAP events do not say when binlog_row_metadata is not FULL (column names,
// signedness, charsets, ENUM/SET members, primary key), kept as of the binlog position being
// read: read from the catalog where streaming first starts (the snapshot's position), then
// changed by following the DDL statements of QUERY events, so an event written before an
// ALTER TABLE is decoded with the columns it was written with even when the catalog has moved on.
//
// Understood: ALTER TABLE ... ADD/DROP/MODIFY/CHANGE/RENAME COLUMN (FIRST/AFTER), ADD/DROP
// PRIMARY KEY, RENAME TO; RENAME TABLE; DROP TABLE; CREATE TABLE. A statement touching a
// known table that is not understood makes the table be read from the catalog again when it is
// next needed (the catalog's state then; column count and kinds are checked).
//
// Durability (like Debezium's schema history topic): every change is an entry (binlog position
// + statement + the resulting table definitions) handed to the persist hook, which stores it
// before returning, so before any row event decoded with it can be published. At start the
// stored entries are replayed up to the resume position (RewindTo); re-reading binlog already
// followed once replays the stored entries (Advance) instead of deriving them again, so a
// restart decodes a backlog exactly as the first pass did, whatever the catalog says now.
#ifndef DBCT_BINLOG_SCHEMA_HISTORY_HPP
#define DBCT_BINLOG_SCHEMA_HISTORY_HPP

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "mysql_client.hpp"
#include "table_map_event.hpp"

namespace dbct::binlog {

// What a column is as far as the history's attributes go. TABLE_MAP carries each column's
// logged type, so a history whose kinds differ from the event's missed a DDL statement even
// when the column count stayed (MODIFY c INT -> VARCHAR).
enum class ColumnKind { kUnknown, kNumeric, kBit, kTemporal, kCharacter, kEnum, kSet, kGeometry };

ColumnKind KindOf(const ColumnInfo& column);  // a TABLE_MAP (or catalog) column
// The kind of a column declared with SQL type `word` (lower case); kUnknown when not known.
ColumnKind KindOfSqlType(std::string_view word);
const char* ColumnKindName(ColumnKind kind);  // "numeric", "character", ...
std::optional<ColumnKind> ParseColumnKind(std::string_view name);

struct ColumnDef {
  std::string name;
  bool is_unsigned = false;
  int64_t collation = -1;  // -1: not a character column
  std::vector<std::string> enum_values;
  bool point = false;
  ColumnKind kind = ColumnKind::kUnknown;  // kUnknown: not compared with the binlog

  bool operator==(const ColumnDef& o) const;
};

struct TableDef {
  std::vector<ColumnDef> columns;
  std::vector<std::string> primary_key;
  int64_t default_collation = -1;  // for columns added without a charset

  bool operator==(const TableDef& o) const;
  bool operator!=(const TableDef& o) const { return !(*this == o); }
};

enum class HistoryEntryKind {
  kCatalog,  // every tracked table as the catalog showed it, before the event at file:pos
  kStatement,  // what the DDL statement at file:pos changed
  kTable,      // one table read from the catalog when the event at file:pos needed it
};
const char* HistoryEntryKindName(HistoryEntryKind kind);  // "catalog", "ddl", "table"

struct HistoryEntry {
  HistoryEntryKind kind = HistoryEntryKind::kStatement;
  std::string file;
  uint64_t pos = 0;
  std::string database;   // the statement's default database
  std::string statement;  // the DDL (kStatement)
  // "db.table" -> definition from here on; nullopt: unknown from here on (dropped, or changed
  // by a statement that was not understood).
  std::vector<std::pair<std::string, std::optional<TableDef>>> tables;
  // A catalog read too large for one NATS message is stored in `parts` entries; part 0 starts
  // afresh, the others add to it. Complete only with all of them.
  int part = 0;
  int parts = 1;

  std::string Position() const;  // "file:pos"
};

// Most bytes of table definitions in one catalog entry (NATS' default max_payload is 1 MB).
inline constexpr size_t kMaxCatalogEntryBytes = 256 * 1024;

// One entry as JSON (the stored form) and back. FromJson throws SourceError (not retriable)
// naming what is wrong.
std::string HistoryEntryToJson(const HistoryEntry& entry);
HistoryEntry HistoryEntryFromJson(std::string_view json);

// Binlog file names in binlog order: "x.000010" after "x.000009" (numeric suffix), then by name.
int CompareBinlogFiles(const std::string& a, const std::string& b);
// Entries in the order they take effect: by file and position; at one position a catalog entry
// (the state before the event there) comes before the event's own entries.
bool EntryBefore(const HistoryEntry& a, const HistoryEntry& b);

class SchemaHistory {
 public:
  using PersistHook = std::function<void(const HistoryEntry&)>;
  using WarnHook = std::function<void(const std::string&)>;

  // The connection to read the catalog with (again after each reconnect).
  void SetCatalog(MysqlConnection& catalog);
  void DropCatalog() { catalog_ = nullptr; }  // the connection is about to go
  // Stores an entry durably before it is used; throws to end the attempt. Without it, the
  // history lives in memory only.
  void SetPersist(PersistHook persist) { persist_ = std::move(persist); }
  // Says that the catalog had to be read again because the binlog disagreed with the history.
  void SetWarn(WarnHook warn) { warn_ = std::move(warn); }

  // The stored entries (any order), e.g. read back at start. Forgets the current state.
  void SetLog(std::vector<HistoryEntry> entries);
  const std::vector<HistoryEntry>& Log() const { return log_; }
  // Whether the log has a catalog entry at or before the event at file:pos, so it can say
  // what the tables were there.
  bool Covers(const std::string& file, uint64_t pos) const;
  // Reads `tables` ("db", "table") from the catalog as the state before the event at
  // file:pos, stores that as a catalog entry and starts from it.
  void StartFromCatalog(const std::string& file, uint64_t pos,
                        const std::vector<std::pair<std::string, std::string>>& tables);
  // The tables as of just before the event at file:pos: the log replayed up to there.
  void RewindTo(const std::string& file, uint64_t pos);
  // Applies the logged entries up to and including the event at file:pos. True when the log
  // has entries of that very event (it was followed before: do not derive it again).
  bool Advance(const std::string& file, uint64_t pos);

  // Sets the definition of `db.table` (tests seed the history with it; not logged).
  void Define(const std::string& db, const std::string& table, TableDef def);
  // Maps collation and charset names to ids without a catalog (tests).
  void AddCollation(const std::string& name, const std::string& charset, int64_t id,
                    bool is_default);
  // Fills what `map`, the event at file:pos, lacks. A table not known yet is read from the
  // catalog (and logged). When the binlog's columns disagree with the history (count, or the
  // kind of a column) the catalog is read again and used if it agrees (warned, logged);
  // otherwise throws SourceError naming the table and column.
  void Fill(TableMapEvent& map, const std::string& file = "", uint64_t pos = 0);
  // Follows one QUERY event's statement (the event at file:pos), run with default database
  // `default_db`; what it changed is logged.
  void Apply(std::string_view default_db, std::string_view statement, const std::string& file = "",
             uint64_t pos = 0);

  // For tests: the definition as known now, nullptr when unknown.
  const TableDef* Find(const std::string& db, const std::string& table) const;

 private:
  int64_t CollationId(const std::string& name) const;
  int64_t DefaultCollationOf(const std::string& charset) const;
  TableDef FromCatalog(const std::string& db, const std::string& table);
  void ApplyStatement(std::string_view default_db, std::string_view statement);
  void Touch(const std::string& key);
  void ApplyEntry(const HistoryEntry& entry);
  // Persists `entry`, then adds it to the log after the entries applied so far, and applies it.
  void Record(HistoryEntry entry);
  // Empty when `def` fits `map`, else why not.
  static std::string Mismatch(const TableDef& def, const TableMapEvent& map);

  MysqlConnection* catalog_ = nullptr;
  PersistHook persist_;
  WarnHook warn_;
  std::map<std::string, TableDef> tables_;                     // "db.table"
  std::vector<HistoryEntry> log_;                              // in EntryBefore order
  size_t applied_ = 0;                                         // log_[0, applied_) are in tables_
  std::map<std::string, std::optional<TableDef>> touched_;     // by ApplyStatement: state before
  std::unordered_map<std::string, int64_t> collation_ids_;     // lower-case name -> id
  std::unordered_map<std::string, int64_t> charset_defaults_;  // charset -> default id
};

// Lends `catalog` to `history` (may be null) for a scope: the connection dies with it.
class CatalogLoan {
 public:
  CatalogLoan(SchemaHistory* history, MysqlConnection& catalog) : history_(history) {
    if (history_ != nullptr) history_->SetCatalog(catalog);
  }
  ~CatalogLoan() {
    if (history_ != nullptr) history_->DropCatalog();
  }
  CatalogLoan(const CatalogLoan&) = delete;
  CatalogLoan& operator=(const CatalogLoan&) = delete;

 private:
  SchemaHistory* history_;
};

}  // namespace dbct::binlog

#endif  // DBCT_BINLOG_SCHEMA_HISTORY_HPP
