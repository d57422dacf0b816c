// Committed LogMiner transactions -> Debezium change events (Debezium's Oracle connector with
// the LogMiner adapter; OracleSourceInfoStructMaker for the source block).
//
// source: version, connector "oracle", name, ts_ms (commit time), snapshot, db, sequence,
// ts_us, ts_ns, schema, table, txId (XID hex), scn (the change's SCN), commit_scn,
// lcr_position (null: XStream only), rs_id, ssn, redo_thread, user_name, redo_sql (null),
// row_id, commit_ts_ms, start_scn, start_ts_ms, txSeq (the event's number in its transaction).
#ifndef DBCT_ORACLE_CHANGE_EMITTER_HPP
#define DBCT_ORACLE_CHANGE_EMITTER_HPP

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dbct/envelope/envelope_writer.hpp"
#include "emitted_event.hpp"
#include "oracle/column_type.hpp"
#include "oracle/transaction_buffer.hpp"

namespace dbct::oracle {

struct TableColumn {
  std::string name;
  std::string type_text;
  ColumnType type;
  bool key = false;
};

struct OracleTable {
  std::string schema;
  std::string table;
  std::vector<TableColumn> columns;
  std::string FullName() const { return schema + "." + table; }
};

// Dbct-Position: "<commit_scn>/<xid>/<txSeq>[.1]@<restart_scn>": the event's transaction and
// place in it (".1" for the create half of a key change) and the SCN mining must restart from
// to see every transaction still open at that commit.
struct Position {
  uint64_t commit_scn = 0;
  std::string xid;
  int64_t tx_seq = 0;
  int part = 0;
  uint64_t restart_scn = 0;
  std::string ToString() const;
  static std::optional<Position> Parse(std::string_view text);
};

struct EmitterSettings {
  std::string tracking;     // Nats-Msg-Id prefix
  std::string server_name;  // source.name
  std::string database;     // source.db (databaseDbname / PDB name)
  std::string version;
  WriteOptions values;
  std::string skipped_operations = "t";
  std::function<envelope::EventTime()> now = [] { return envelope::EventTime::Now(); };
};

class ChangeEmitter {
 public:
  // `tables` keyed by "SCHEMA.TABLE"; changes of other tables are skipped.
  ChangeEmitter(EmitterSettings settings, const std::map<std::string, OracleTable>& tables);

  // Events at or before this position are already in the stream.
  void ResumeAfter(std::optional<Position> position) { resume_ = std::move(position); }

  // Emits the changes of one committed transaction, in order. `restart_scn` goes into the
  // positions. Throws RedoParseError or values::ValueError naming the table and column.
  void EmitTransaction(const CommittedTransaction& tx, uint64_t restart_scn, const odbc::EventSink& sink);

  // One row of the initial snapshot (flashback query AS OF SCN `scn`): op "r", position
  // "<scn>/snapshot/<row>@<scn>", "<scn>/snapshot-done/<row>@<scn>" on the last row.
  void EmitSnapshotRow(const OracleTable& table, const std::vector<RedoValue>& values, uint64_t scn,
                       int64_t row_number, std::string_view marker, int64_t ts_ms, const odbc::EventSink& sink);

  const std::optional<Position>& LastPosition() const { return last_; }
  uint64_t EventsEmitted() const { return emitted_; }

 private:
  void Publish(const OracleTable& table, const std::vector<RedoValue>& key_row, envelope::Op op,
               const Position& position, const odbc::EventSink& sink);
  void Emit(const OracleTable& table, envelope::Op op, const std::vector<RedoValue>* before,
            const std::vector<RedoValue>* after, const CommittedTransaction& tx, const LogMinerRow& row,
            const Position& position, const odbc::EventSink& sink);
  void WriteRow(envelope::JsonWriter& w, const OracleTable& table, const std::vector<RedoValue>& values,
                bool key_only);

  EmitterSettings settings_;
  const std::map<std::string, OracleTable>& tables_;
  std::optional<Position> resume_;
  std::optional<Position> last_;
  uint64_t emitted_ = 0;
  envelope::JsonWriter w_{4096};
  envelope::JsonWriter key_{256};
  std::string position_text_, msg_id_, table_name_;
};

}  // namespace dbct::oracle

#endif  // DBCT_ORACLE_CHANGE_EMITTER_HPP
