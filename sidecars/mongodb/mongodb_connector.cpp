#include "mongodb_connector.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <thread>
#include <vector>

#include "dbct/nats/control.hpp"
#include "dbct/nats/publisher.hpp"
#include "progress_keeper.hpp"
#include "start_plan.hpp"

namespace dbct::mongodb {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

int64_t NowMs() {
  return std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Logs to stderr, and to the logs stream once NATS is there.
class Logger {
 public:
  explicit Logger(std::string name) : name_(std::move(name)) {}
  void Attach(nats::Connection& connection) { publisher_ = std::make_unique<nats::LogPublisher>(&connection, name_); }
  void Info(const std::string& m) { Log(nats::LogLevel::kInfo, m); }
  void Warning(const std::string& m) { Log(nats::LogLevel::kWarning, m); }
  void Error(const std::string& m) { Log(nats::LogLevel::kError, m); }

 private:
  void Log(nats::LogLevel level, const std::string& m) {
    if (publisher_) {
      publisher_->Log(level, m);
    } else {
      const char* label = level == nats::LogLevel::kError     ? "ERROR"
                          : level == nats::LogLevel::kWarning ? "WARNING"
                                                              : "INFO";
      std::fprintf(stderr, "%s: %s\n", label, m.c_str());
      std::fflush(stderr);
    }
  }
  std::string name_;
  std::unique_ptr<nats::LogPublisher> publisher_;
};

// Change events -> JetStream, in order; the offsets bucket follows the ack watermark.
class EventPublisher {
 public:
  EventPublisher(nats::Connection& connection, const std::string& tracking, sidecar::Metrics* metrics,
                 milliseconds confirm_delay)
      : tracking_(tracking),
        metrics_(metrics),
        subject_(nats::TrackingSubject(tracking)),
        tx_subject_(nats::TransactionSubject(tracking)),
        heartbeat_subject_(nats::HeartbeatSubject(tracking)),
        publisher_(connection, nats::TrackingStreamName(tracking)),
        offsets_(connection),
        offsets_tracker_(confirm_delay) {}

  void Publish(const Translation& t) {
    for (const auto& tx : t.transaction_events) {
      // Boundary events carry no Dbct-Position: resume reads the last change event.
      const bool begin = tx.find("\"BEGIN\"") != std::string::npos;
      msg_id_ = tracking_ + ":" + t.position + (begin ? ":tx-begin" : ":tx-end-before");
      Send(tx_subject_, tx, msg_id_, "", "", "", "");
    }
    msg_id_ = tracking_ + ":" + (t.msg_id.empty() ? t.position : t.msg_id);
    const char op[2] = {t.op, '\0'};
    Send(subject_, t.value, msg_id_, t.position, op, t.ns, t.key);
    offsets_tracker_.Sent(sequence_, t.position);
    last_position_ = t.position;
    ++events_total_;
    last_event_ms_ = NowMs();
    if (t.source_ts_ms > 0) lag_ms_ = std::max<int64_t>(0, last_event_ms_ - t.source_ts_ms);
    if (metrics_) metrics_->CountEvents(1, t.source_ts_ms);
  }

  // The change stream moved to `token` without a captured change (idle_progress).
  void Idle(const std::string& token) { offsets_tracker_.Idle(token); }

  // An empty batch: nothing is waiting at the source.
  void CaughtUp() {
    lag_ms_ = 0;
    if (metrics_) metrics_->SetLag(0);
  }

  void Heartbeat(const HeartbeatMessage& h) {
    Send(heartbeat_subject_, h.value, h.msg_id, offsets_tracker_.current(), "", "", h.key);
  }

  void Commit(bool force) {
    const auto now = Clock::now();
    if (!force && now - last_commit_ < milliseconds(1000)) {
      publisher_.Poll();
      return;
    }
    last_commit_ = now;
    const uint64_t watermark = publisher_.Poll();
    if (metrics_) metrics_->SetInFlight(sequence_ - watermark);
    const std::string acked = offsets_tracker_.Acked(watermark);
    if (!acked.empty()) {
      try {
        offsets_.Put(tracking_, acked);
      } catch (const nats::NatsError&) {
        // The stream's last Dbct-Position is the source of truth; the bucket is informative.
      }
    }
  }

  bool Finish(milliseconds timeout) {
    const bool flushed = publisher_.Flush(timeout);
    Commit(true);
    return flushed;
  }

  void Poll(milliseconds wait) { publisher_.Poll(wait); }
  const std::string& last_position() const { return last_position_; }
  const std::string& current_position() const { return offsets_tracker_.current(); }
  int64_t lag_ms() const { return lag_ms_; }
  uint64_t events_total() const { return events_total_; }
  int64_t last_event_ms() const { return last_event_ms_; }

 private:
  void Send(const std::string& subject, std::string_view payload, std::string_view msg_id, std::string_view position,
            std::string_view op, std::string_view table, std::string_view key) {
    nats::OutgoingMessage m;
    m.sequence = ++sequence_;
    m.subject = subject;
    m.payload = payload;
    m.msg_id = msg_id;
    m.position = position;
    m.op = op;
    m.table = table;
    m.key = key;
    publisher_.Publish(m);
  }

  const std::string tracking_;
  sidecar::Metrics* const metrics_;  // may be null
  const std::string subject_;
  const std::string tx_subject_;
  const std::string heartbeat_subject_;
  nats::Publisher publisher_;
  nats::OffsetStore offsets_;
  OffsetTracker offsets_tracker_;
  std::string msg_id_;
  uint64_t sequence_ = 0;
  int64_t lag_ms_ = -1;
  std::string last_position_;
  uint64_t events_total_ = 0;
  int64_t last_event_ms_ = 0;
  Clock::time_point last_commit_{};
};

// Connects to NATS and makes sure the tracking's stream exists. Throws NatsError.
std::unique_ptr<nats::Connection> ConnectNats(const ConnectorConfig& config) {
  auto connection = std::make_unique<nats::Connection>(config.nats);
  if (!connection->WaitConnected(milliseconds(10000))) {
    throw nats::NatsError(connection->NotConnectedMessage() + " (waited 10 s)", true);
  }
  nats::EnsureTrackingStream(*connection, config.tracking, config.stream);
  return connection;
}

WatchOptions MakeWatchOptions(const ConnectorConfig& config) {
  WatchOptions o;
  o.update_lookup = config.capture_mode.find("update_full") != std::string::npos;
  o.pre_images = config.capture_mode.find("with_pre_image") != std::string::npos;
  const std::string& skipped = config.translator.skipped_operations;
  for (char op : std::string("cud")) {
    if (skipped.find(op) == std::string::npos) o.operation_types.push_back(op);
  }
  return o;
}

class Capture {
 public:
  Capture(const ConnectorConfig& config, const std::atomic<bool>& stop, MongoSource& source,
          EventPublisher& publisher, nats::StatusReporter& status, Logger& log)
      : config_(config), stop_(stop), source_(source), publisher_(publisher), status_(status), log_(log),
        translator_(config.translator),
        heartbeats_(config.tracking, config.heartbeat_interval) {}

  // Reads every captured collection as op r events, at `redo_at` (an interrupted snapshot's
  // start point) or now. Returns where the stream starts, or nullopt when stopped first.
  // Throws SourceError.
  std::optional<StreamStart> Snapshot(std::optional<OperationTime> redo_at) {
    state_ = nats::TrackingState::kSnapshotting;
    snapshot_at_ = redo_at;
    const OperationTime at = redo_at ? *redo_at : source_.CurrentOperationTime();
    snapshot_at_ = at;
    std::vector<std::pair<std::string, std::string>> collections;
    for (auto& [db, coll] : source_.ListCollections()) {
      if (translator_.Captured(db, coll)) collections.emplace_back(db, coll);
    }
    log_.Info("snapshot of " + std::to_string(collections.size()) + " collections at operation time " +
              std::to_string(at.t) + "," + std::to_string(at.i));
    if (collections.empty()) {
      // MongoDB creates collections on their first write, so this is no error (as in Debezium).
      log_.Warning("no existing collection matches the database and collection include/exclude lists: "
                   "only collections created later will be captured; check the lists if that is unexpected");
    }
    MongoPosition position;
    position.kind = MongoPosition::Kind::kSnapshot;
    position.start_at = at;
    // One document is held back so that the last one can be marked snapshot-done.
    struct Held {
      std::string db, coll;
      bson_t* doc = nullptr;
    } held;
    auto emit_held = [&](bool last) {
      if (held.doc == nullptr) return;
      position.row += 1;
      position.snapshot_done = last;
      const Translation& t = translator_.TranslateRead(held.db, held.coll, *held.doc, position, NowMs());
      publisher_.Publish(t);
      bson_destroy(held.doc);
      held.doc = nullptr;
      publisher_.Commit(false);
      MaybeReport();
    };
    for (const auto& [db, coll] : collections) {
      struct Visitor : MongoSource::DocumentVisitor {
        Visitor(const std::atomic<bool>& stop, const std::function<void(bool)>& emit, Held& held,
                const std::string& db, const std::string& coll)
            : stop(stop), emit(emit), held(held), db(db), coll(coll) {}
        bool OnDocument(const bson_t* doc) override {
          if (stop.load()) return false;
          emit(false);
          held = Held{db, coll, bson_copy(doc)};
          return true;
        }
        const std::atomic<bool>& stop;
        const std::function<void(bool)>& emit;
        Held& held;
        const std::string& db;
        const std::string& coll;
      };
      const std::function<void(bool)> emit = emit_held;
      Visitor visitor(stop_, emit, held, db, coll);
      source_.ReadCollection(db, coll, visitor);
      if (stop_.load()) break;
    }
    if (stop_.load()) {
      if (held.doc) bson_destroy(held.doc);
      return std::nullopt;
    }
    emit_held(true);
    log_.Info("snapshot done: " + std::to_string(position.row) + " documents");
    StreamStart start;
    start.kind = StreamStart::Kind::kAtOperationTime;
    start.at = at;
    return start;
  }

  // Streams changes from `start` until stopped. Throws SourceError.
  void Stream(StreamStart start) {
    state_ = nats::TrackingState::kStreaming;
    resume_ = start;
    auto stream = source_.Watch(MakeWatchOptions(config_), start);
    while (!stop_.load()) {
      const bson_t* doc = stream->Next();
      if (doc != nullptr) {
        const Translation& t = translator_.Translate(*doc, NowMs());
        if (t.outcome == Outcome::kEvent) {
          publisher_.Publish(t);
          resume_.kind = StreamStart::Kind::kAfterToken;
          resume_.resume_token = t.position;
        } else if (t.outcome == Outcome::kInvalidate) {
          log_.Warning(t.reason + "; reopening it after the last event");
          bson_iter_t it;
          if (bson_iter_init_find(&it, doc, "_id") && BSON_ITER_HOLDS_DOCUMENT(&it)) {
            uint32_t len = 0;
            const uint8_t* data = nullptr;
            bson_iter_document(&it, &len, &data);
            bson_t token;
            bson_init_static(&token, data, len);
            resume_.kind = StreamStart::Kind::kAfterToken;
            resume_.resume_token.clear();
            AppendDocumentJson(&token, JsonStyle{JsonMode::kRelaxed, JsonLayout::kCompact}, &resume_.resume_token);
          }
          stream = source_.Watch(MakeWatchOptions(config_), resume_);
        } else {
          KeepIdleToken(*stream);
        }
      } else {
        publisher_.CaughtUp();
        KeepIdleToken(*stream);
      }
      if (config_.heartbeat_interval.count() > 0) {
        if (const HeartbeatMessage* h = heartbeats_.Due(Clock::now(), NowMs(), publisher_.current_position())) {
          publisher_.Heartbeat(*h);
        }
      }
      publisher_.Commit(false);
      MaybeReport();
    }
  }

  // No captured change came: the stream's token still moves (postBatchResumeToken, changes
  // of other collections). Kept for reconnects and, once all sent is acked, the offsets bucket.
  void KeepIdleToken(ChangeStream& stream) {
    std::string token = stream.ResumeToken();
    if (token.empty()) return;
    publisher_.Idle(token);
    resume_.kind = StreamStart::Kind::kAfterToken;
    resume_.resume_token = std::move(token);
  }

  const StreamStart& resume() const { return resume_; }
  // The start point of the last snapshot begun: a retry takes it again from there.
  const std::optional<OperationTime>& snapshot_at() const { return snapshot_at_; }
  void Report(nats::TrackingState state, const std::string& error = "") {
    nats::TrackingStatus s;
    s.name = config_.tracking;
    s.type = "mongodb";
    s.state = state;
    s.position = publisher_.last_position();
    s.events_total = publisher_.events_total();
    s.last_event_at_ms = publisher_.last_event_ms();
    s.lag_ms = publisher_.lag_ms();
    s.last_error = error;
    if (config_.metrics) config_.metrics->SetState(state);
    status_.Report(s);
    last_report_ = Clock::now();
  }

 private:
  void MaybeReport() {
    if (Clock::now() - last_report_ >= std::chrono::seconds(5)) Report(state_);
  }

  const ConnectorConfig& config_;
  const std::atomic<bool>& stop_;
  MongoSource& source_;
  EventPublisher& publisher_;
  nats::StatusReporter& status_;
  Logger& log_;
  ChangeTranslator translator_;
  Heartbeats heartbeats_;
  std::optional<OperationTime> snapshot_at_;
  StreamStart resume_;
  nats::TrackingState state_ = nats::TrackingState::kStarting;
  Clock::time_point last_report_{};
};

// A replay line that is a whole aggregate or getMore reply of the change stream
// ({"cursor": {"firstBatch" or "nextBatch": [...], "postBatchResumeToken": {...}}, "ok": 1})
// instead of one change document: its documents (views into the line), then its token.
struct CursorReply {
  std::vector<std::pair<const uint8_t*, uint32_t>> batch;  // documents' bytes
  std::string post_batch_token;  // relaxed Extended JSON; "" when absent
};

// False when `line` is no cursor reply. Throws ChangeFormatError for a malformed one.
bool ReadCursorReply(const bson_t& line, CursorReply* out) {
  bson_iter_t cursor;
  if (!bson_iter_init_find(&cursor, &line, "cursor") || !BSON_ITER_HOLDS_DOCUMENT(&cursor)) return false;
  bson_iter_t it;
  bson_iter_recurse(&cursor, &it);
  while (bson_iter_next(&it)) {
    const std::string key = bson_iter_key(&it);
    if (key == "firstBatch" || key == "nextBatch") {
      if (!BSON_ITER_HOLDS_ARRAY(&it)) throw ChangeFormatError("cursor." + key + " is not an array");
      bson_iter_t item;
      bson_iter_recurse(&it, &item);
      while (bson_iter_next(&item)) {
        if (!BSON_ITER_HOLDS_DOCUMENT(&item)) throw ChangeFormatError("cursor." + key + " holds a non-document");
        uint32_t len = 0;
        const uint8_t* data = nullptr;
        bson_iter_document(&item, &len, &data);
        out->batch.emplace_back(data, len);
      }
    } else if (key == "postBatchResumeToken") {
      if (!BSON_ITER_HOLDS_DOCUMENT(&it)) throw ChangeFormatError("cursor.postBatchResumeToken is not a document");
      uint32_t len = 0;
      const uint8_t* data = nullptr;
      bson_iter_document(&it, &len, &data);
      bson_t token;
      bson_init_static(&token, data, len);
      AppendDocumentJson(&token, JsonStyle{JsonMode::kRelaxed, JsonLayout::kCompact}, &out->post_batch_token);
    }
  }
  return true;
}

}  // namespace

int RunConnector(const ConnectorConfig& config, const std::atomic<bool>& stop) {
  Logger log(config.tracking);
  std::unique_ptr<MongoSource> source;
  try {
    source = ConnectMongo(config.source);
  } catch (const SourceError& e) {
    log.Error(e.what());
    return 2;  // a connection string libmongoc refuses is bad input
  }
  try {
    const auto problems = source->CheckPrerequisites();
    for (const auto& p : problems) log.Error(p);
    if (!problems.empty()) return 1;
  } catch (const SourceError& e) {
    log.Error(e.what());
    return 1;
  }

  try {
    auto nats_connection = ConnectNats(config);
    log.Attach(*nats_connection);
    nats::StatusReporter status(*nats_connection, config.tracking);
    EventPublisher publisher(*nats_connection, config.tracking, config.metrics, config.confirm_delay);
    Capture capture(config, stop, *source, publisher, status, log);
    capture.Report(nats::TrackingState::kStarting);
    bool stop_after_snapshot = false;  // initial_only with the snapshot taken already

    // Where to start: the stream's last event, or the offsets entry when it is further on.
    std::optional<MongoPosition> stream_last;
    if (auto last = nats::ReadLastPosition(*nats_connection, config.tracking)) {
      stream_last = MongoPosition::Parse(last->position);
      if (!stream_last) {
        log.Error("the last event of stream \"" + nats::TrackingStreamName(config.tracking) +
                  "\" has Dbct-Position \"" + last->position +
                  "\", which is not a MongoDB position: is another tracking writing to it?");
        return 1;
      }
    }
    std::optional<MongoPosition> offsets_entry;
    if (auto entry = nats::OffsetStore(*nats_connection).Get(config.tracking)) {
      offsets_entry = MongoPosition::Parse(*entry);
      if (!offsets_entry) log.Warning("the offsets entry \"" + *entry + "\" is not a MongoDB position; ignored");
    }
    const StartPlan plan = PlanStart(stream_last, offsets_entry, config.snapshot_mode);
    if (plan.warning) {
      log.Warning(plan.log);
    } else {
      log.Info(plan.log);
    }
    if (plan.action == StartPlan::Action::kDone) stop_after_snapshot = true;
    bool need_snapshot = plan.action == StartPlan::Action::kSnapshot;
    std::optional<OperationTime> redo_at = plan.snapshot_at;
    std::optional<StreamStart> start;
    if (plan.action == StartPlan::Action::kStream) start = plan.stream;

    std::chrono::milliseconds backoff(500);
    while (!stop.load() && !stop_after_snapshot) {
      try {
        if (need_snapshot) {
          start = capture.Snapshot(redo_at);
          if (!start) break;
          need_snapshot = false;
          redo_at.reset();
          if (config.snapshot_mode == "initial_only") {
            log.Info("snapshotMode initial_only: snapshot done, not streaming");
            break;
          }
        }
        capture.Stream(*start);
      } catch (const SourceError& e) {
        if (stop.load()) break;
        if (e.history_lost()) {
          if (config.snapshot_mode == "when_needed") {
            log.Warning(std::string(e.what()) + "; snapshotMode when_needed: taking a new snapshot");
            need_snapshot = true;
            redo_at.reset();
            continue;
          }
          log.Error(std::string(e.what()) + ": set snapshotMode to when_needed to take a new snapshot, "
                    "or delete the tracking's stream and its dbchangetracking-offsets entry to start over");
          capture.Report(nats::TrackingState::kFailed, e.what());
          publisher.Finish(milliseconds(30000));
          return 1;
        }
        if (!e.retriable()) {
          log.Error(e.what());
          capture.Report(nats::TrackingState::kFailed, e.what());
          publisher.Finish(milliseconds(30000));
          return 1;
        }
        log.Warning(std::string(e.what()) + "; retrying in " + std::to_string(backoff.count()) + " ms");
        capture.Report(nats::TrackingState::kRetrying, e.what());
        if (need_snapshot) {
          redo_at = capture.snapshot_at();
        } else {
          start = capture.resume();
        }
        for (auto waited = milliseconds(0); waited < backoff && !stop.load(); waited += milliseconds(100)) {
          publisher.Poll(milliseconds(100));
        }
        backoff = std::min(backoff * 2, milliseconds(30000));
      } catch (const ChangeFormatError& e) {
        log.Error(std::string("unexpected change event from MongoDB: ") + e.what());
        capture.Report(nats::TrackingState::kFailed, e.what());
        publisher.Finish(milliseconds(30000));
        return 1;
      }
    }
    publisher.Finish(milliseconds(30000));
    nats::TrackingStatus s;
    s.name = config.tracking;
    s.type = "mongodb";
    s.state = nats::TrackingState::kStopped;
    if (config.metrics) config.metrics->SetState(s.state);
    s.position = publisher.last_position();
    s.events_total = publisher.events_total();
    try {
      status.ReportAndWait(s);
    } catch (const nats::NatsError&) {
    }
    log.Info("stopped after " + (publisher.last_position().empty() ? std::string("no events")
                                                                   : publisher.last_position()));
    return 0;
  } catch (const nats::NatsError& e) {
    log.Error(e.what());
    return 1;
  }
}

int RunReplay(const ConnectorConfig& config, const ReplayOptions& options, const std::atomic<bool>& stop) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (options.file != "-") {
    file.open(options.file);
    if (!file) {
      std::fprintf(stderr, "ERROR: could not open replay file \"%s\"\n", options.file.c_str());
      return 2;
    }
    in = &file;
  }
  std::unique_ptr<nats::Connection> connection;
  std::unique_ptr<EventPublisher> publisher;
  try {
    if (options.publish) {
      connection = ConnectNats(config);
      publisher = std::make_unique<EventPublisher>(*connection, config.tracking, config.metrics, config.confirm_delay);
    }
    ChangeTranslator translator(config.translator);
    std::string line;
    int line_number = 0;
    while (!stop.load() && std::getline(*in, line)) {
      ++line_number;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      bson_t change;
      bson_error_t error;
      if (!bson_init_from_json(&change, line.data(), static_cast<ssize_t>(line.size()), &error)) {
        std::fprintf(stderr, "ERROR: %s:%d: not a change-stream document in Extended JSON: %s\n",
                     options.file.c_str(), line_number, error.message);
        return 2;
      }
      const int64_t now = options.event_time_ms ? *options.event_time_ms : NowMs();
      auto handle = [&](const bson_t& doc) {
        const Translation& t = translator.Translate(doc, now);
        if (t.outcome == Outcome::kEvent) {
          if (publisher) {
            publisher->Publish(t);
            publisher->Commit(false);
          } else {
            for (const auto& tx : t.transaction_events) std::fprintf(stdout, "%s\n", tx.c_str());
            std::fprintf(stdout, "%s\n", t.value.c_str());
          }
        } else {
          std::fprintf(stderr, "INFO: %s:%d: skipped: %s\n", options.file.c_str(), line_number, t.reason.c_str());
        }
      };
      try {
        CursorReply reply;
        if (!ReadCursorReply(change, &reply)) {
          handle(change);
        } else {
          for (const auto& [data, len] : reply.batch) {
            bson_t doc;
            bson_init_static(&doc, data, len);
            handle(doc);
          }
          if (!reply.post_batch_token.empty()) {
            if (publisher) {
              publisher->Idle(reply.post_batch_token);
              publisher->Commit(false);
            } else {
              std::fprintf(stderr, "INFO: %s:%d: change stream at postBatchResumeToken %s\n", options.file.c_str(),
                           line_number, reply.post_batch_token.c_str());
            }
          }
        }
      } catch (const ChangeFormatError& e) {
        bson_destroy(&change);
        std::fprintf(stderr, "ERROR: %s:%d: %s\n", options.file.c_str(), line_number, e.what());
        return 2;
      }
      bson_destroy(&change);
    }
    std::fflush(stdout);
    if (publisher && !publisher->Finish(std::chrono::milliseconds(30000))) {
      std::fprintf(stderr, "ERROR: JetStream did not acknowledge every event within 30 s\n");
      return 1;
    }
    if (config.metrics) config.metrics->SetState(nats::TrackingState::kStopped);
    return 0;
  } catch (const nats::NatsError& e) {
    std::fprintf(stderr, "ERROR: %s\n", e.what());
    return 1;
  }
}

}  // namespace dbct::mongodb
