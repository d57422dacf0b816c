#include "binlog_connector.hpp"

#include <chrono>
#include <cstdio>
#include <deque>
#include <memory>
#include <thread>
#include <unordered_map>

#include "binlog_position.hpp"
#include "binlog_stream.hpp"
#include "catalog.hpp"
#include "change_emitter.hpp"
#include "dbct/envelope/envelope_writer.hpp"
#include "dbct/nats/stream.hpp"
#include "event_decoder.hpp"
#include "prerequisites.hpp"
#include "schema_history.hpp"
#include "schema_history_store.hpp"
#include "snapshot_source.hpp"
#include "value_writer.hpp"

#ifndef DBCT_VERSION
#define DBCT_VERSION "0.0.0"
#endif

namespace dbct::binlog {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// A table as the connector sees it: the latest TABLE_MAP plus the filter decisions.
struct TableState {
  TableMapEvent map;
  bool included = false;
  std::vector<bool> columns;  // included columns
  std::string full_name;      // "db.table"
};

// What the binlog says about the transaction being read.
struct TransactionState {
  bool open = false;
  bool began_with_begin = false;  // ends at XID/COMMIT, not at the next statement
  uint64_t start = 0;             // position of its first event (GTID or BEGIN)
  uint64_t changes = 0;           // change events made from it so far
  std::string gtid;
  int64_t thread = -1;
  int64_t commit_us = 0;  // MySQL 8 GTID commit timestamp, else 0
  // provideTransactionMetadata: BEGIN sent (or, on resume, already in the stream), events
  // made per table ("db.table", count) and in all.
  bool begin_sent = false;
  int64_t total_order = 0;
  std::vector<std::pair<std::string, int64_t>> per_table;
  int64_t commit_ts_ms = 0;
};

class Streamer {
 public:
  // `history`: the schema history when the server's TABLE_MAPs lack column names (null with
  // binlog_row_metadata=FULL); `resumed`: the tracking's stream had events at start, so the
  // history should know the start position.
  Streamer(const ConnectorConfig& config, const std::atomic<bool>& stop, const ServerFacts& facts,
           sidecar::Runtime& runtime, ChangeEmitter& emitter, sidecar::Telemetry& telemetry,
           SchemaHistory* history, bool resumed)
      : config_(config),
        stop_(stop),
        facts_(facts),
        runtime_(runtime),
        emitter_(emitter),
        telemetry_(telemetry),
        connector_name_(facts.mariadb ? "mariadb" : "mysql"),
        history_(history),
        resumed_(resumed) {}

  // Streams from `start` until stopped. Throws SourceError / BinlogError / NatsError.
  void Run(BinlogPosition start) {
    resume_ = start;
    current_file_ = start.file;
    MysqlConnection catalog(config_.mysql);
    catalog_ = &catalog;
    tables_.clear();  // table ids of an earlier connection mean nothing now
    CatalogLoan loan(history_, catalog);
    if (history_ != nullptr) {
      // Column names come from the schema history, as of where streaming starts.
      if (!history_->Covers(start.file, start.tx_start)) {
        if (resumed_) {
          telemetry_.Warn("the schema history of tracking \"" + config_.tracking +
                          "\" knows nothing at or before " + start.file + ":" +
                          std::to_string(start.tx_start) +
                          " (its stream was emptied, or the tracking ran with "
                          "binlog_row_metadata=FULL): starting it from the catalog as it is now; "
                          "events written before a later ALTER TABLE may get the wrong columns");
        }
        history_->StartFromCatalog(start.file, start.tx_start,
                                   IncludedTables(catalog, config_.databases, config_.tables));
      }
      history_->RewindTo(start.file, start.tx_start);
    }
    MysqlConnection dump(config_.mysql);
    StreamStart from{start.file, start.tx_start, ""};
    StreamOptions options;
    options.replica_server_id = config_.replica_server_id;
    options.mariadb = facts_.mariadb;
    if (config_.heartbeat_interval.count() > 0) {
      options.heartbeat = std::min(options.heartbeat, config_.heartbeat_interval);
    }
    BinlogStream stream(dump, from, options);
    EventDecoder decoder(stream.checksum());
    tx_ = TransactionState{};
    while (!stop_.load()) {
      std::string_view bytes = stream.Next();
      DecodedEvent ev = decoder.Decode(bytes);
      Handle(ev);
      if (ev.header.log_pos != 0 && (ev.header.flags & kFlagArtificial) == 0 &&
          !std::holds_alternative<HeartbeatEvent>(ev.body) &&
          !std::holds_alternative<RotateEvent>(ev.body)) {
        next_pos_ = ev.header.log_pos;
      }
      MaybeHeartbeat();
      emitter_.CommitOffsets();
    }
  }

  // The position to resume from after a reconnect: the last event handed to the publisher.
  const BinlogPosition& ResumePosition() const { return resume_; }

 private:
  void Handle(DecodedEvent& ev) {
    const uint64_t pos = ev.header.StartPosition();
    std::visit(
        [&](auto& body) {
          using T = std::decay_t<decltype(body)>;
          if constexpr (std::is_same_v<T, RotateEvent>) {
            current_file_ = body.next_file;
            next_pos_ = body.position;
          } else if constexpr (std::is_same_v<T, MariaGtidEvent>) {
            BeginTransaction(pos, body.gtid.ToString(), !body.Standalone());
          } else if constexpr (std::is_same_v<T, MysqlGtidEvent>) {
            BeginTransaction(pos, body.anonymous ? std::string() : body.ToString(), false);
            tx_.commit_us = static_cast<int64_t>(body.original_commit_us);
          } else if constexpr (std::is_same_v<T, QueryEvent>) {
            HandleQuery(body, pos);
          } else if constexpr (std::is_same_v<T, XidEvent>) {
            EndTransaction();
          } else if constexpr (std::is_same_v<T, TableMapEvent>) {
            HandleTableMap(std::move(body), pos);
          } else if constexpr (std::is_same_v<T, RowsEvent>) {
            HandleRows(body, ev.header);
          } else if constexpr (std::is_same_v<T, HeartbeatEvent>) {
            telemetry_.CaughtUp();  // the server sends heartbeats only when it has nothing else
            runtime_.Poll();
          }
        },
        ev.body);
  }

  void BeginTransaction(uint64_t pos, std::string gtid, bool has_commit) {
    tx_ = TransactionState{};
    tx_id_.clear();
    tx_.open = true;
    tx_.began_with_begin = has_commit;
    tx_.start = pos;
    tx_.gtid = std::move(gtid);
  }

  void HandleQuery(const QueryEvent& q, uint64_t pos) {
    switch (q.Kind()) {
      case QueryKind::kBegin:
        if (!tx_.open) BeginTransaction(pos, "", true);
        tx_.began_with_begin = true;
        tx_.thread = q.thread_id;
        return;
      case QueryKind::kCommit:
        EndTransaction();
        return;
      case QueryKind::kRollback:
        tx_.open = false;
        return;
      case QueryKind::kXa:
        throw UnsupportedError("XA transactions in the binlog are not supported");
      case QueryKind::kOther:
        // DDL: table maps of later events describe the new columns; the history follows it
        // (or, re-reading binlog it followed before, replays what it stored then).
        tables_.clear();
        if (history_ != nullptr && !history_->Advance(current_file_, pos)) {
          history_->Apply(q.database, q.statement, current_file_, pos);
        }
        if (!tx_.began_with_begin) tx_.open = false;
        return;
    }
  }

  static bool SameColumns(const TableMapEvent& a, const TableMapEvent& b) {
    if (a.columns.size() != b.columns.size()) return false;
    for (size_t i = 0; i < a.columns.size(); ++i) {
      if (a.columns[i].type != b.columns[i].type || a.columns[i].meta != b.columns[i].meta)
        return false;
    }
    return true;
  }

  void HandleTableMap(TableMapEvent&& map, uint64_t pos) {
    auto& state = tables_[map.table_id];
    const bool same = state.map.database == map.database && state.map.table == map.table &&
                      SameColumns(state.map, map) && state.included;
    state.full_name = map.database + "." + map.table;
    state.included =
        config_.databases.Matches(map.database) && config_.tables.Matches(state.full_name);
    if (map.has_names) {
      // binlog_row_metadata=FULL: the other fields are left out only where they do not apply
      // (no numeric or character column, no primary key).
      map.has_signedness = map.has_charsets = map.has_enum_set_values = true;
      map.has_primary_key = true;
    }
    if (state.included && !map.has_names) {
      if (same) {
        // Keep what the history told us for this table id; the binlog repeats it per transaction.
        map = std::move(state.map);
      } else if (history_ != nullptr) {
        history_->Advance(current_file_, pos);
        history_->Fill(map, current_file_, pos);
      } else {
        throw SourceError("the table map of \"" + state.full_name + "\" at " + current_file_ +
                              ":" + std::to_string(pos) +
                              " has no column names although binlog_row_metadata was FULL at "
                              "start: restart the sidecar so it keeps a schema history",
                          false);
      }
    }
    state.map = std::move(map);
    state.columns.assign(state.map.columns.size(), true);
    if (!config_.columns.MatchesEverything()) {
      for (size_t i = 0; i < state.map.columns.size(); ++i) {
        state.columns[i] =
            config_.columns.Matches(state.full_name + "." + state.map.columns[i].name);
      }
    }
  }

  bool Skipped(char op) const { return config_.skipped_operations.find(op) != std::string::npos; }

  void HandleRows(const RowsEvent& rows, const EventHeader& header) {
    auto it = tables_.find(rows.table_id);
    if (it == tables_.end()) {
      if (rows.StatementEnd() && rows.rows.empty()) return;  // MySQL's dummy end-of-statement
      throw DecodeError("rows event for unknown table id " + std::to_string(rows.table_id));
    }
    TableState& table = it->second;
    if (!table.included) return;
    if (!tx_.open) BeginTransaction(header.StartPosition(), "", false);
    RowsReader reader(rows, table.map);
    int32_t row_index = 0;
    while (reader.Next(image_, after_)) {
      switch (rows.kind) {
        case RowsKind::kWrite:
          Emit(table, header, row_index, envelope::Op::kCreate, nullptr, &image_);
          break;
        case RowsKind::kDelete:
          Emit(table, header, row_index, envelope::Op::kDelete, &image_, nullptr);
          break;
        case RowsKind::kUpdate:
          if (KeyChanged(table.map, image_, after_)) {
            // Debezium: a key change is a delete of the old key, then a create of the new one.
            Emit(table, header, row_index, envelope::Op::kDelete, &image_, nullptr);
            Emit(table, header, row_index, envelope::Op::kCreate, nullptr, &after_);
          } else {
            Emit(table, header, row_index, envelope::Op::kUpdate, &image_, &after_);
          }
          break;
      }
      ++row_index;
    }
  }

  // provideTransactionMetadata: the id is the GTID, or file:pos of the transaction's start.
  const std::string& TransactionId() {
    if (tx_id_.empty())
      tx_id_ = tx_.gtid.empty() ? current_file_ + ":" + std::to_string(tx_.start) : tx_.gtid;
    return tx_id_;
  }

  int64_t CountForTable(const std::string& table) {
    for (auto& [name, count] : tx_.per_table) {
      if (name == table) return ++count;
    }
    tx_.per_table.emplace_back(table, 1);
    return 1;
  }

  // BEGIN and END take a number in the transaction like change events, so a restart resumes
  // after them exactly as after a change (Nats-Msg-Id and Dbct-Position as for changes).
  bool ClaimNumber(BinlogPosition* position) {
    const uint64_t n = ++tx_.changes;
    if (resume_.file == current_file_ && resume_.tx_start == tx_.start && n <= resume_.changes)
      return false;
    *position = BinlogPosition{current_file_, tx_.start, n};
    return true;
  }

  void SendTransactionBegin(const EventHeader& header) {
    tx_.begin_sent = true;
    tx_.commit_ts_ms = tx_.commit_us > 0 ? tx_.commit_us / 1000 : int64_t{header.timestamp} * 1000;
    BinlogPosition position;
    if (!ClaimNumber(&position)) return;
    tx_w_.Clear();
    envelope::WriteTransactionBegin(tx_w_, TransactionId(), tx_.commit_ts_ms);
    SendPositioned(tx_w_.View(), position);
  }

  void EndTransaction() {
    if (tx_.open && tx_.begin_sent) {
      BinlogPosition position;
      if (ClaimNumber(&position)) {
        collections_.clear();
        for (const auto& [name, count] : tx_.per_table) collections_.push_back({name, count});
        tx_w_.Clear();
        envelope::WriteTransactionEnd(tx_w_, TransactionId(), tx_.commit_ts_ms, tx_.total_order,
                                      collections_.data(), collections_.size());
        SendPositioned(tx_w_.View(), position);
      }
    }
    tx_.open = false;
  }

  void SendPositioned(std::string_view payload, const BinlogPosition& position) {
    position_text_ = position.ToString();
    msg_id_ = config_.tracking + ":" + position_text_;
    emitter_.SendControl(transaction_subject_, payload, msg_id_, position_text_);
    resume_ = position;
  }

  // heartbeatIntervalMs: between transactions, tells where the binlog has been read up to, so
  // a restart after a long run of other databases' changes starts there.
  void MaybeHeartbeat() {
    if (!heartbeats_.enabled() || tx_.open || next_pos_ == 0 || !heartbeats_.Due()) return;
    const BinlogPosition position{current_file_, next_pos_, 0};
    position_text_ = position.ToString();
    emitter_.SendHeartbeat(heartbeats_.Message(envelope::EventTime::Now().ts_ms), position_text_);
    resume_ = position;
  }

  static bool KeyChanged(const TableMapEvent& t, const Row& before, const Row& after) {
    for (uint32_t i : t.primary_key) {
      if (before[i].is_null != after[i].is_null || before[i].View() != after[i].View()) return true;
    }
    return false;
  }

  void Emit(const TableState& table, const EventHeader& header, int32_t row_index, envelope::Op op,
            const Row* before, const Row* after) {
    if (Skipped(static_cast<char>(op))) {
      ++tx_.changes;  // numbered all the same, so positions do not depend on the setting
      return;
    }
    if (config_.provide_transaction_metadata && !tx_.begin_sent) SendTransactionBegin(header);
    const uint64_t n = ++tx_.changes;
    envelope::TransactionBlock block;
    if (config_.provide_transaction_metadata) {
      block.id = TransactionId();
      block.total_order = ++tx_.total_order;
      block.data_collection_order = CountForTable(table.full_name);
    }
    // Resume: this transaction's first `changes` events are already in the stream.
    if (resume_.file == current_file_ && resume_.tx_start == tx_.start && n <= resume_.changes)
      return;
    BinlogPosition position{current_file_, tx_.start, n};
    position_text_ = position.ToString();

    w_.Clear();
    envelope::BeginChange(w_);
    w_.KeyLiteral("before");
    if (before) {
      WriteRowObject(w_, table.map, *before, table.columns, config_.modes);
    } else {
      w_.Null();
    }
    w_.KeyLiteral("after");
    if (after) {
      WriteRowObject(w_, table.map, *after, table.columns, config_.modes);
    } else {
      w_.Null();
    }
    envelope::SourceCommon common;
    common.version = DBCT_VERSION;
    common.connector = connector_name_;
    common.name = config_.server_name;
    common.ts = tx_.commit_us > 0
                    ? envelope::EventTime::FromMicros(tx_.commit_us)
                    : envelope::EventTime::FromMillis(int64_t{header.timestamp} * 1000);
    common.snapshot = "false";
    common.db = table.map.database;
    MysqlSourceFields fields;
    fields.table = table.map.table;
    fields.server_id = header.server_id;
    fields.gtid = tx_.gtid;
    fields.file = current_file_;
    fields.pos = static_cast<int64_t>(header.StartPosition());
    fields.row = row_index;
    fields.thread = tx_.thread;
    envelope::WriteSource(w_, common, fields);
    envelope::EndChange(w_, op, envelope::EventTime::Now(),
                        config_.provide_transaction_metadata ? &block : nullptr);

    key_.Clear();
    key_.BeginObject();
    const Row& key_row = after ? *after : *before;
    for (uint32_t i : table.map.primary_key) {
      key_.Key(table.map.columns[i].name);
      WriteColumnValue(key_, table.map.columns[i], key_row[i], config_.modes);
    }
    key_.EndObject();

    emitter_.Send(w_.View(), position_text_, static_cast<char>(op), table.full_name,
                  table.map.primary_key.empty() ? std::string_view() : key_.View(),
                  common.ts.ts_ms);
    resume_ = position;
  }

  const ConnectorConfig& config_;
  const std::atomic<bool>& stop_;
  const ServerFacts& facts_;
  sidecar::Runtime& runtime_;
  ChangeEmitter& emitter_;
  sidecar::Telemetry& telemetry_;
  const std::string connector_name_;
  MysqlConnection* catalog_ = nullptr;

  std::unordered_map<uint64_t, TableState> tables_;
  TransactionState tx_;
  std::string current_file_;
  BinlogPosition resume_;
  Row image_;
  Row after_;
  envelope::JsonWriter w_{4096};
  envelope::JsonWriter key_{256};
  std::string position_text_;
  std::string msg_id_;
  std::string tx_id_;
  envelope::JsonWriter tx_w_{512};
  std::vector<envelope::CollectionCount> collections_;
  const std::string transaction_subject_ = nats::TransactionSubject(config_.tracking);
  sidecar::Heartbeats heartbeats_{config_.tracking, config_.heartbeat_interval};
  uint64_t next_pos_ = 0;
  SchemaHistory* const history_;
  const bool resumed_;
};

// The stream's last sequence (0 without the stream or a message).
uint64_t StreamEnd(nats::Connection& c, const std::string& stream) {
  const auto state = nats::GetStreamState(c, stream, c.settings().request_timeout);
  return state ? state->last_sequence : 0;
}

// Makes the runtime and reads the stream's last event, once nothing was stored in between.
//
// A process of this tracking killed moments ago (SIGKILL, OOM) may still have publishes queued
// in the NATS server, stored only after this process started. The publisher predicts the
// stream sequence of each message from the stream's end when it is made (the runtime makes it)
// and sends it as Nats-Expected-Last-Sequence; the restart resumes after the last event read
// here. If messages are stored between the two reads, the prediction is short by their number:
// the first events after the resume point are rejected (wrong last sequence) while later ones
// fit and are stored, and the publisher's recovery then counts the rejected ones as stored, so
// rows were lost. So both reads must see the same stream end: the end read on a connection of
// our own before the runtime is made must still be the end after the last event was read.
// Messages stored after that are harmless: they are the very events that come next, which the
// publisher then sends again as duplicates.
std::optional<nats::LastPosition> StartRuntime(const ConnectorConfig& config,
                                               sidecar::Telemetry& telemetry,
                                               std::atomic<bool>& stop,
                                               std::unique_ptr<sidecar::Runtime>& runtime) {
  constexpr auto kSettleLimit = std::chrono::seconds(60);
  nats::Connection probe(config.runtime.nats);
  if (!probe.WaitConnected(milliseconds(10000)))
    throw nats::NatsError(probe.NotConnectedMessage() + " (waited 10 s)", true);
  const std::string stream = nats::TrackingStreamName(config.tracking);
  const auto started = Clock::now();
  for (bool first = true;; first = false) {
    const uint64_t before = StreamEnd(probe, stream);
    runtime.reset();
    runtime = std::make_unique<sidecar::Runtime>(config.runtime, telemetry, &stop);
    auto last = runtime->LastEvent();
    const uint64_t after = StreamEnd(probe, stream);
    if (after == before || stop.load()) return last;
    if (Clock::now() - started > kSettleLimit) {
      throw nats::NatsError("stream \"" + stream + "\" kept growing for 60 s while the sidecar "
                            "started: is another process writing to it? Stop it and restart",
                            false);
    }
    if (first) {
      telemetry.Info("stream \"" + stream + "\" is still growing (messages of a previous process "
                     "being stored): waiting for it to settle before resuming");
    }
    std::this_thread::sleep_for(milliseconds(200));
  }
}

// Where the server's binlog is now (SHOW MASTER STATUS).
BinlogPosition CurrentPosition(MysqlConnection& c) {
  auto rows = c.Query("SHOW MASTER STATUS");
  if (rows.empty() || rows[0].size() < 2 || !rows[0][0] || !rows[0][1]) {
    throw SourceError("SHOW MASTER STATUS returned nothing: is log_bin on?", false);
  }
  return BinlogPosition{*rows[0][0], std::stoull(*rows[0][1]), 0};
}

}  // namespace

uint32_t DefaultReplicaServerId(const std::string& tracking_name) {
  uint32_t h = 2166136261u;
  for (unsigned char c : tracking_name) {
    h ^= c;
    h *= 16777619u;
  }
  constexpr uint32_t kLow = 5400;
  return kLow + h % (4294967295u - kLow);
}

int RunConnector(const ConnectorConfig& config, sidecar::Telemetry& telemetry, std::atomic<bool>& stop) {
  auto fail = [&](const std::string& message) {
    telemetry.Error(message);
    telemetry.SetState(nats::TrackingState::kFailed, message);
    telemetry.Close();
    return 1;
  };

  ServerFacts facts;
  try {
    MysqlConnection control(config.mysql);
    PrerequisiteReport report = CheckPrerequisites(control);
    for (const auto& w : report.warnings) telemetry.Warn(w);
    if (!report.problems.empty()) {
      for (const auto& p : report.problems) telemetry.Error(p);
      return 1;
    }
    facts = report.facts;
    // An include list entry naming nothing is a bad resource (exit 2, as for bad usage).
    const auto unmatched = CheckIncludeLists(control, config.databases, config.tables);
    if (!unmatched.empty()) {
      for (const auto& p : unmatched) telemetry.Error(p);
      telemetry.SetState(nats::TrackingState::kFailed, unmatched.front());
      telemetry.Close();
      return 2;
    }
    if (facts.server_id == config.replica_server_id) {
      return fail("databaseServerId " + std::to_string(config.replica_server_id) +
                  " is the server's own server_id: choose another one");
    }
    LoadCollations(control);
  } catch (const SourceError& e) {
    return fail(e.what());
  }

  // Outlives the try block, so that a fatal error still reaches the logs stream and the status.
  std::unique_ptr<sidecar::Runtime> runtime_owner;
  try {
    const auto last = StartRuntime(config, telemetry, stop, runtime_owner);
    sidecar::Runtime& runtime = *runtime_owner;
    ChangeEmitter emitter(config.tracking, runtime);

    // Without binlog_row_metadata=FULL, column names come from a schema history kept durably
    // in NATS, so a restart decodes a backlog with DDL in it as the first pass would have.
    std::optional<SchemaHistoryStore> history_store;
    SchemaHistory history;
    if (facts.binlog_row_metadata != "FULL") {
      history_store.emplace(runtime.connection(), config.tracking);
      history.SetPersist([&history_store](const HistoryEntry& entry) {
        try {
          history_store->Append(entry);
        } catch (const nats::NatsError& e) {
          throw SourceError(e.what(), e.retriable());  // the attempt ends; retried from the log
        }
      });
      history.SetWarn([&telemetry](const std::string& message) { telemetry.Warn(message); });
    }

    // Where the stream stopped decides what comes first: the rest of a snapshot, streaming
    // after the last event, or (empty stream) a snapshot or the current binlog position.
    std::optional<SnapshotResume> snapshot_resume;
    std::optional<BinlogPosition> stream_from;
    bool snapshot_needed = false;
    if (history_store) {
      if (last) {
        history.SetLog(history_store->Read());
      } else {
        history_store->Clear();  // a new start: an older history of this name means nothing
      }
    }
    if (last) {
      if (auto snap = SnapshotPosition::Parse(last->position)) {
        snapshot_resume = SnapshotResume{*snap, last->table, last->key};
        snapshot_needed = true;
        telemetry.Info("resuming the snapshot after " + last->position);
      } else if (auto parsed = BinlogPosition::Parse(last->position)) {
        stream_from = *parsed;
        telemetry.Info("resuming after " + parsed->ToString());
      } else {
        return fail("the last event of stream \"" + nats::TrackingStreamName(config.tracking) +
                    "\" has Dbct-Position \"" + last->position +
                    "\", which is not a binlog position: is another tracking writing to it?");
      }
      emitter.SetLast(LastEvent{last->position, last->table, last->key});
    } else if (config.snapshot_mode == "initial" || config.snapshot_mode == "always" ||
               config.snapshot_mode == "when_needed") {
      snapshot_needed = true;
    } else if (config.snapshot_mode == "never" || config.snapshot_mode == "no_data" ||
               config.snapshot_mode == "schema_only") {
      MysqlConnection control(config.mysql);
      if (history_store) {
        // The schema history's first entry: the tables at this position (no DDL on them
        // between the two reads).
        const auto tables = IncludedTables(control, config.databases, config.tables);
        MetadataLock ddl_lock(config.mysql, tables);
        stream_from = CurrentPosition(control);
        CatalogLoan loan(&history, control);
        history.StartFromCatalog(stream_from->file, stream_from->tx_start, tables);
      } else {
        stream_from = CurrentPosition(control);
      }
      telemetry.Info("streaming from the current binlog position " + stream_from->ToString());
    } else {
      return fail("snapshotMode " + config.snapshot_mode +
                  " is not supported for mysql: use initial, no_data or never");
    }

    Streamer streamer(config, stop, facts, runtime, emitter, telemetry,
                      history_store ? &history : nullptr, last.has_value());
    milliseconds backoff(500);
    bool streaming = false;
    while (!stop.load()) {
      try {
        if (snapshot_needed) {
          telemetry.SetState(nats::TrackingState::kSnapshotting);
          SnapshotSource snapshot(config, facts, emitter, telemetry, stop,
                                  history_store ? &history : nullptr);
          auto from = snapshot.Run(snapshot_resume);
          if (!from) break;  // stopped
          snapshot_needed = false;
          stream_from = *from;
          telemetry.Info("streaming from the snapshot's binlog position " + from->ToString());
        }
        telemetry.SetState(nats::TrackingState::kStreaming);
        streaming = true;
        backoff = milliseconds(500);
        streamer.Run(*stream_from);
      } catch (const SourceError& e) {
        if (stop.load()) break;
        if (!e.retriable()) {
          telemetry.Error(e.what());
          telemetry.SetState(nats::TrackingState::kFailed, e.what());
          runtime.Finish(milliseconds(30000), nats::TrackingState::kFailed);
          return 1;
        }
        telemetry.SetState(nats::TrackingState::kRetrying, e.what());
        telemetry.Warn(std::string(e.what()) + "; retrying in " + std::to_string(backoff.count()) +
                       " ms");
        if (snapshot_needed) {
          // Continue after the last row handed to the publisher.
          const LastEvent& last = emitter.Last();
          if (auto snap = SnapshotPosition::Parse(last.position)) {
            snapshot_resume = SnapshotResume{*snap, last.table, last.key};
          }
        } else if (streaming) {
          stream_from = streamer.ResumePosition();
        }
        for (auto waited = milliseconds(0); waited < backoff && !stop.load();
             waited += milliseconds(100)) {
          runtime.Poll(milliseconds(100));
        }
        backoff = std::min(backoff * 2, milliseconds(30000));
      }
    }
    telemetry.Info("stopped after " + (emitter.Last().position.empty() ? std::string("nothing")
                                                                       : emitter.Last().position));
    runtime.Finish(milliseconds(30000), nats::TrackingState::kStopped);
    return 0;
  } catch (const nats::NatsError& e) {
    return fail(e.what());
  } catch (const BinlogError& e) {
    return fail(e.what());
  } catch (const SourceError& e) {
    return fail(e.what());
  } catch (const values::ValueError& e) {
    return fail(e.what());
  }
}

}  // namespace dbct::binlog
