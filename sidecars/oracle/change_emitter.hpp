// Committed LogMiner transactions -> Debezium change events (Debezium's Oracle connector with
// the LogMiner adapter; OracleSourceInfoStructMaker for the source block).
//
// source: version, connector "oracle", name, ts_ms (commit time), snapshot, db, sequence,
// ts_us, ts_ns, schema, table, txId (XID hex), scn (the change's SCN), commit_scn,
// lcr_position (null: XStream only), rs_id, ssn, redo_thread, user_name, redo_sql (null),
// row_id, commit_ts_ms, start_scn, start_ts_ms, txSeq (the event's number in its transaction).
#ifndef DBCT_ORACLE_CHANGE_EMITTER_HPP
#define DBCT_ORACLE_CHANGE_EMITTER_HPP

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dbct/envelope/envelope_writer.hpp"
#include "emitted_event.hpp"
#include "event_sender.hpp"
#include "oracle/column_type.hpp"
#include "oracle/transaction_buffer.hpp"
#include "transaction_metadata.hpp"

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
// to see every transaction still open at that commit. A transaction's BEGIN is txSeq 0, its END
// "end". "<scn>/idle/0@<restart_scn>" (what a mining window or a heartbeat stores) and
// "<scn>/snapshot-done/<row>@<scn>" say every transaction committed at or before <scn> is
// handled; snapshot rows are "<scn>/snapshot/<row>@<scn>".
struct Position {
  static constexpr int64_t kEnd = INT64_MAX;  // tx_seq of a transaction's END
  uint64_t commit_scn = 0;
  std::string xid;
  int64_t tx_seq = 0;
  int part = 0;
  uint64_t restart_scn = 0;
  std::string ToString() const;
  static std::optional<Position> Parse(std::string_view text);
  // Covers every transaction committed at or before commit_scn (idle, snapshot done).
  bool Through() const { return xid == "idle" || xid == "snapshot-done"; }
  bool Snapshot() const { return xid == "snapshot"; }
  // Whether an event at `p` is at or before this position (already handed on).
  bool Covers(const Position& p) const;
  // Order for picking the later of two resume positions: commit SCN, then a Through() position
  // after the transactions of its SCN, then the place in one transaction.
  int Compare(const Position& other) const;
};

struct EmitterSettings {
  std::string tracking;     // Nats-Msg-Id prefix
  std::string server_name;  // source.name
  std::string database;     // source.db (databaseDbname / PDB name)
  std::string version;
  WriteOptions values;
  std::string skipped_operations = "t";
  bool provide_transaction_metadata = false;
  std::string transaction_subject;  // dbchangetracking.N.transaction
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

  // One row of the initial snapshot (flashback query AS OF SCN `read_scn`, source.scn): op "r",
  // position "<after>/snapshot/<row>@<after>", "<after>/snapshot-done/<row>@<after>" on the
  // last row, where `stream_after` is the SCN mining starts after (the read SCN, or that of the
  // first attempt of a snapshot taken again). Nats-Msg-Id: see odbc::SnapshotMessageId.
  void EmitSnapshotRow(const OracleTable& table, const std::vector<RedoValue>& values, uint64_t read_scn,
                       uint64_t stream_after, int64_t row_number, std::string_view marker, int64_t ts_ms,
                       const odbc::EventSink& sink);

  const std::optional<Position>& LastPosition() const { return last_; }
  uint64_t EventsEmitted() const { return emitted_; }

 private:
  void Publish(const OracleTable& table, const std::vector<RedoValue>& key_row, envelope::Op op,
               const Position& position, int64_t source_ts_ms, std::string_view snapshot_row,
               const odbc::EventSink& sink);
  void Emit(const OracleTable& table, envelope::Op op, const std::vector<RedoValue>* before,
            const std::vector<RedoValue>* after, const CommittedTransaction& tx, const LogMinerRow& row,
            const Position& position, const odbc::EventSink& sink);
  void SendBoundary(std::string_view payload, const Position& position, const odbc::EventSink& sink);
  bool AlreadyPublished(const Position& position) const { return resume_ && resume_->Covers(position); }
  void WriteRow(envelope::JsonWriter& w, const OracleTable& table, const std::vector<RedoValue>& values,
                bool key_only);

  EmitterSettings settings_;
  const std::map<std::string, OracleTable>& tables_;
  std::optional<Position> resume_;
  std::optional<Position> last_;
  uint64_t emitted_ = 0;
  envelope::JsonWriter w_{4096};
  envelope::JsonWriter key_{256};
  std::string table_name_;
  odbc::EventSender sender_{settings_.tracking};
  odbc::TransactionMetadata tx_;
  uint64_t restart_scn_ = 0;  // of the transaction being emitted
  const OracleTable* snapshot_table_ = nullptr;
  uint64_t snapshot_table_rows_ = 0;
};

}  // namespace dbct::oracle

#endif  // DBCT_ORACLE_CHANGE_EMITTER_HPP
