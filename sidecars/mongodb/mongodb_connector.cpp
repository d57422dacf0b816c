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
#include "dbct/nats/stream.hpp"
#include "heartbeats.hpp"
#include "start_plan.hpp"

namespace dbct::mongodb {

namespace {

using std::chrono::milliseconds;

int64_t NowMs() { return nats::NowMs(); }

// Translations -> the runtime (JetStream, in order; the offsets bucket follows the ack
// watermark). Remembers the last position handed over.
class EventPublisher {
 public:
  EventPublisher(sidecar::Runtime& runtime, const std::string& tracking)
      : runtime_(runtime),
        tracking_(tracking),
        tx_subject_(nats::TransactionSubject(tracking)) {}

  void Publish(const Translation& t) {
    for (const auto& tx : t.transaction_events) {
      // Boundary events carry no Dbct-Position: resume reads the last change event.
      const bool begin = tx.find("\"BEGIN\"") != std::string::npos;
      msg_id_ = tracking_ + ":" + t.position + (begin ? ":tx-begin" : ":tx-end-before");
      sidecar::Event event;
      event.subject = tx_subject_;
      event.payload = tx;
      event.msg_id = msg_id_;
      runtime_.Publish(event);
    }
    msg_id_ = tracking_ + ":" + (t.msg_id.empty() ? t.position : t.msg_id);
    const char op[2] = {t.op, '\0'};
    sidecar::Event event;
    event.payload = t.value;
    event.msg_id = msg_id_;
    event.position = t.position;
    event.op = op;
    event.table = t.ns;
    event.key = t.key;
    event.source_ts_ms = t.source_ts_ms;
    runtime_.Publish(event);
    last_position_ = t.position;
  }

  // The change stream moved to `token` without a captured change (idle progress): stored once
  // everything sent before it is acknowledged.
  void Idle(const std::string& token) { runtime_.NotePosition(token); }

  void Heartbeat(const sidecar::HeartbeatMessage& h) { runtime_.PublishHeartbeat(h, runtime_.CurrentPosition()); }

  void Commit() { runtime_.Tick(); }
  void Poll(milliseconds wait) { runtime_.Poll(wait); }
  const std::string& last_position() const { return last_position_; }
  const std::string& current_position() const { return runtime_.CurrentPosition(); }

 private:
  sidecar::Runtime& runtime_;
  const std::string tracking_;
  const std::string tx_subject_;
  std::string msg_id_;
  std::string last_position_;
};

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
          EventPublisher& publisher, sidecar::Telemetry& telemetry)
      : config_(config), stop_(stop), source_(source), publisher_(publisher), log_(telemetry),
        translator_(config.translator),
        heartbeats_(config.tracking, config.heartbeat_interval) {}

  // Reads every captured collection as op r events, at `redo_at` (an interrupted snapshot's
  // start point) or now. Returns where the stream starts, or nullopt when stopped first.
  // Throws SourceError.
  std::optional<StreamStart> Snapshot(std::optional<OperationTime> redo_at) {
    log_.SetState(nats::TrackingState::kSnapshotting);
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
      log_.Warn("no existing collection matches the database and collection include/exclude lists: "
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
      publisher_.Commit();
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
    log_.SetState(nats::TrackingState::kStreaming);
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
          log_.Warn(t.reason + "; reopening it after the last event");
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
        log_.CaughtUp();
        KeepIdleToken(*stream);
      }
      if (heartbeats_.enabled() && !publisher_.current_position().empty() && heartbeats_.Due()) {
        publisher_.Heartbeat(heartbeats_.Message(NowMs()));
      }
      publisher_.Commit();
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

 private:

  const ConnectorConfig& config_;
  const std::atomic<bool>& stop_;
  MongoSource& source_;
  EventPublisher& publisher_;
  sidecar::Telemetry& log_;  // logs and status
  ChangeTranslator translator_;
  sidecar::Heartbeats heartbeats_;
  std::optional<OperationTime> snapshot_at_;
  StreamStart resume_;
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

int RunConnector(const ConnectorConfig& config, sidecar::Telemetry& telemetry, std::atomic<bool>& stop) {
  sidecar::Telemetry& log = telemetry;
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
    sidecar::Runtime runtime(config.runtime, telemetry, &stop);
    EventPublisher publisher(runtime, config.tracking);
    Capture capture(config, stop, *source, publisher, telemetry);
    bool stop_after_snapshot = false;  // initial_only with the snapshot taken already

    // Where to start: the stream's last event, or the offsets entry when it is further on.
    std::optional<MongoPosition> stream_last;
    if (auto last = runtime.LastEvent()) {
      stream_last = MongoPosition::Parse(last->position);
      if (!stream_last) {
        log.Error("the last event of stream \"" + nats::TrackingStreamName(config.tracking) +
                  "\" has Dbct-Position \"" + last->position +
                  "\", which is not a MongoDB position: is another tracking writing to it?");
        return 1;
      }
    }
    std::optional<MongoPosition> offsets_entry;
    if (auto entry = runtime.StoredPosition()) {
      offsets_entry = MongoPosition::Parse(*entry);
      if (!offsets_entry) log.Warn("the offsets entry \"" + *entry + "\" is not a MongoDB position; ignored");
    }
    const StartPlan plan = PlanStart(stream_last, offsets_entry, config.snapshot_mode);
    if (plan.warning) {
      log.Warn(plan.log);
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
            log.Warn(std::string(e.what()) + "; snapshotMode when_needed: taking a new snapshot");
            need_snapshot = true;
            redo_at.reset();
            continue;
          }
          log.Error(std::string(e.what()) + ": set snapshotMode to when_needed to take a new snapshot, "
                    "or delete the tracking's stream and its dbchangetracking-offsets entry to start over");
          log.SetState(nats::TrackingState::kFailed, e.what());
          runtime.Finish(milliseconds(30000), nats::TrackingState::kFailed);
          return 1;
        }
        if (!e.retriable()) {
          log.Error(e.what());
          log.SetState(nats::TrackingState::kFailed, e.what());
          runtime.Finish(milliseconds(30000), nats::TrackingState::kFailed);
          return 1;
        }
        log.Warn(std::string(e.what()) + "; retrying in " + std::to_string(backoff.count()) + " ms");
        log.SetState(nats::TrackingState::kRetrying, e.what());
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
        log.SetState(nats::TrackingState::kFailed, e.what());
        runtime.Finish(milliseconds(30000), nats::TrackingState::kFailed);
        return 1;
      }
    }
    log.Info("stopped after " + (publisher.last_position().empty() ? std::string("no events")
                                                                   : publisher.last_position()));
    runtime.Finish(milliseconds(30000), nats::TrackingState::kStopped);
    return 0;
  } catch (const nats::NatsError& e) {
    log.Error(e.what());
    return 1;
  }
}

int RunReplay(const ConnectorConfig& config, const ReplayOptions& options, sidecar::Telemetry& telemetry,
              const std::atomic<bool>& stop) {
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
  std::unique_ptr<sidecar::Runtime> runtime;
  std::unique_ptr<EventPublisher> publisher;
  try {
    if (options.publish) {
      runtime = std::make_unique<sidecar::Runtime>(config.runtime, telemetry, nullptr);
      publisher = std::make_unique<EventPublisher>(*runtime, config.tracking);
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
            publisher->Commit();
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
              publisher->Commit();
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
    if (runtime && !runtime->Finish(std::chrono::milliseconds(30000), nats::TrackingState::kStopped)) {
      std::fprintf(stderr, "ERROR: JetStream did not acknowledge every event within 30 s\n");
      return 1;
    }
    telemetry.SetState(nats::TrackingState::kStopped);
    return 0;
  } catch (const nats::NatsError& e) {
    std::fprintf(stderr, "ERROR: %s\n", e.what());
    return 1;
  }
}

}  // namespace dbct::mongodb
