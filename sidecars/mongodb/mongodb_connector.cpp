#include "mongodb_connector.hpp"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <thread>

#include "dbct/nats/control.hpp"
#include "dbct/nats/stream.hpp"

namespace dbct::mongodb {

namespace {

using std::chrono::milliseconds;

int64_t NowMs() { return nats::NowMs(); }

// Translations -> the runtime (JetStream, in order; the offsets bucket follows the ack
// watermark). Remembers the last position handed over.
class EventPublisher {
 public:
  EventPublisher(sidecar::Runtime& runtime, const std::string& tracking)
      : runtime_(runtime), tracking_(tracking), tx_subject_(nats::TransactionSubject(tracking)) {}

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
    msg_id_ = tracking_ + ":" + t.position;
    const char op[2] = {t.op, '\0'};
    sidecar::Event event;
    event.payload = t.value;
    event.msg_id = msg_id_;
    event.position = t.position;
    event.op = op;
    event.table = t.ns;
    event.key = t.key;
    runtime_.Publish(event);
    last_position_ = t.position;
  }

  void Commit() { runtime_.Tick(); }
  void Poll(milliseconds wait) { runtime_.Poll(wait); }
  const std::string& last_position() const { return last_position_; }

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
        translator_(config.translator) {}

  // Reads every captured collection as op r events. Returns where the stream starts, or
  // nullopt when stopped first. Throws SourceError.
  std::optional<StreamStart> Snapshot() {
    log_.SetState(nats::TrackingState::kSnapshotting);
    const OperationTime at = source_.CurrentOperationTime();
    std::vector<std::pair<std::string, std::string>> collections;
    for (auto& [db, coll] : source_.ListCollections()) {
      if (translator_.Captured(db, coll)) collections.emplace_back(db, coll);
    }
    log_.Info("snapshot of " + std::to_string(collections.size()) + " collections at operation time " +
              std::to_string(at.t) + "," + std::to_string(at.i));
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
        }
      }
      publisher_.Commit();
    }
  }

  const StreamStart& resume() const { return resume_; }

 private:

  const ConnectorConfig& config_;
  const std::atomic<bool>& stop_;
  MongoSource& source_;
  EventPublisher& publisher_;
  sidecar::Telemetry& log_;  // logs and status
  ChangeTranslator translator_;
  StreamStart resume_;
};

bool SnapshotWanted(const std::string& mode) { return mode != "no_data" && mode != "never"; }

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

    // Where to start: the stream's last event decides (exactly once across restarts).
    std::optional<StreamStart> start;
    bool need_snapshot = false;
    if (auto last = runtime.LastEvent()) {
      auto parsed = MongoPosition::Parse(last->position);
      if (!parsed) {
        log.Error("the last event of stream \"" + nats::TrackingStreamName(config.tracking) +
                  "\" has Dbct-Position \"" + last->position +
                  "\", which is not a MongoDB position: is another tracking writing to it?");
        return 1;
      }
      StreamStart s;
      if (parsed->kind == MongoPosition::Kind::kResumeToken) {
        s.kind = StreamStart::Kind::kAfterToken;
        s.resume_token = parsed->resume_token;
        start = s;
        log.Info("resuming after resume token " + parsed->resume_token);
      } else if (parsed->snapshot_done) {
        s.kind = StreamStart::Kind::kAtOperationTime;
        s.at = parsed->start_at;
        start = s;
        log.Info("snapshot complete; streaming from its operation time");
      } else {
        log.Warn("the previous snapshot did not finish: taking it again (its documents are published again)");
        need_snapshot = true;
      }
    } else if (SnapshotWanted(config.snapshot_mode)) {
      need_snapshot = true;
    } else {
      start = StreamStart{};
      log.Info("snapshotMode " + config.snapshot_mode + ": streaming changes from now on");
    }

    std::chrono::milliseconds backoff(500);
    while (!stop.load()) {
      try {
        if (need_snapshot) {
          start = capture.Snapshot();
          if (!start) break;
          need_snapshot = false;
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
            continue;
          }
          log.Error(std::string(e.what()) + ": set snapshotMode to when_needed to take a new snapshot, "
                    "or delete the tracking's stream to start over");
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
        if (!need_snapshot) start = capture.resume();
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
      try {
        const Translation& t = translator.Translate(change, now);
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
