// SQL Server change rows -> Debezium change events (SqlServerChangeRecordEmitter,
// SqlServerSourceInfoStructMaker): operation 1 -> d, 2 -> c, 3+4 -> u (a key change -> d then c,
// as RelationalChangeRecordEmitter does), snapshot rows -> r.
//
// source: version, connector "sqlserver", name, ts_ms (commit time of __$start_lsn), snapshot,
// db, sequence null, ts_us, ts_ns, schema, table, change_lsn (__$seqval), commit_lsn
// (__$start_lsn), event_serial_no (1, or 2 for an update: the rows it took). Snapshot events:
// change_lsn and event_serial_no null, commit_lsn the snapshot's max LSN.
//
// With provideTransactionMetadata the rows of one __$start_lsn are a transaction (id: the
// commit LSN, as Debezium's SqlServerStreamingChangeEventSource gives it): a BEGIN before its
// first event, an END after its last (at the next commit LSN or the end of a polled window, which
// never splits a commit LSN), and a transaction block on each event.
#ifndef DBCT_SQLSERVER_CHANGE_EMITTER_HPP
#define DBCT_SQLSERVER_CHANGE_EMITTER_HPP

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "change_table.hpp"
#include "dbct/envelope/envelope_writer.hpp"
#include "dbct/values/modes.hpp"
#include "emitted_event.hpp"
#include "event_sender.hpp"
#include "lsn.hpp"
#include "transaction_metadata.hpp"

namespace dbct::sqlserver {

struct EmitterSettings {
  std::string tracking;     // metadata.name: Nats-Msg-Id prefix
  std::string server_name;  // source.name
  std::string database;     // source.db
  std::string version;      // source.version
  values::ValueModes modes;
  std::string skipped_operations = "t";
  bool provide_transaction_metadata = false;
  std::string transaction_subject;  // dbchangetracking.N.transaction
  // The envelope's ts_ms/us/ns; the clock by default (replay tests fix it).
  std::function<envelope::EventTime()> now = [] { return envelope::EventTime::Now(); };
};

// A change row that cannot become an event (operation 3 without its 4, unknown operation).
class ChangeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ChangeEmitter {
 public:
  ChangeEmitter(EmitterSettings settings, const std::vector<CaptureInstance>& instances);

  // Events at or before this position are already in the stream: skipped.
  void ResumeAfter(std::optional<Position> position) { resume_ = std::move(position); }

  // Takes rows in SortRows order. An update's before image (3) waits for its after image (4).
  void Add(const ChangeRow& row, const odbc::EventSink& sink);
  // End of a polled window (every row up to its upper LSN has been added): an update before
  // image still waiting is an error; an open transaction gets its END.
  void Finish(const odbc::EventSink& sink);
  void Finish() { Finish([](const odbc::EmittedEvent&) {}); }
  // After a failed poll: forget a waiting before image and the open transaction (it is read
  // again from its commit LSN), and skip, on the re-read, every event already handed to the sink.
  void Restart() {
    pending_before_.reset();
    tx_.Close();
    if (last_ && !last_->snapshot) resume_ = last_;
  }

  // One snapshot row of an instance's table, read at `read_lsn` (source.commit_lsn);
  // `stream_after` is the LSN streaming starts after (the read LSN, or that of the first
  // attempt of a snapshot taken again); `row_number` counts rows over the whole snapshot
  // (1-based); `marker` is source.snapshot (SnapshotRecord: "first",
  // "first_in_data_collection", "true", "last_in_data_collection", "last"). Nats-Msg-Id does not
  // depend on the LSNs: see odbc::SnapshotMessageId.
  void AddSnapshotRow(const CaptureInstance& instance, const std::vector<odbc::SourceValue>& values,
                      const Lsn& read_lsn, const Lsn& stream_after, int64_t row_number, std::string_view marker,
                      int64_t ts_us, const odbc::EventSink& sink);

  // The position of the last event handed to the sink.
  const std::optional<Position>& LastPosition() const { return last_; }
  uint64_t EventsEmitted() const { return emitted_; }

 private:
  void Emit(const CaptureInstance& instance, envelope::Op op, const std::vector<odbc::SourceValue>* before,
            const std::vector<odbc::SourceValue>* after, const Position& position, int64_t ts_us,
            std::string_view snapshot_marker, const odbc::EventSink& sink, const Lsn* read_lsn = nullptr);
  void SendBoundary(std::string_view payload, const Position& position, const odbc::EventSink& sink);
  void EndTransaction(const odbc::EventSink& sink);
  void WriteRow(const CaptureInstance& instance, const std::vector<odbc::SourceValue>& values);
  static bool KeyChanged(const CaptureInstance& instance, const std::vector<odbc::SourceValue>& a,
                         const std::vector<odbc::SourceValue>& b);

  EmitterSettings settings_;
  const std::vector<CaptureInstance>& instances_;
  std::optional<Position> resume_;
  std::optional<Position> last_;
  std::optional<ChangeRow> pending_before_;
  uint64_t emitted_ = 0;
  envelope::JsonWriter w_{4096};
  envelope::JsonWriter key_{256};
  std::string table_name_;
  odbc::EventSender sender_{settings_.tracking};
  odbc::TransactionMetadata tx_;
  Lsn tx_commit_;
  int64_t tx_ts_ms_ = 0;
  const CaptureInstance* snapshot_table_ = nullptr;
  uint64_t snapshot_table_rows_ = 0;
};

}  // namespace dbct::sqlserver

#endif  // DBCT_SQLSERVER_CHANGE_EMITTER_HPP
