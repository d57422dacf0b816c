// publisher.cpp — the C ABI of the NATS publisher (dbct.h, "the NATS publisher"), for the
// PostgreSQL worker. A thin edge over dbct::nats: it keeps the error text on the handle and
// turns exceptions into status codes; nothing here calls PostgreSQL.
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "dbct/c_api/dbct.h"
#include "dbct/nats/connection.hpp"
#include "dbct/nats/control.hpp"
#include "dbct/nats/publisher.hpp"
#include "dbct/nats/stream.hpp"

namespace {

using dbct::nats::NatsError;
using std::chrono::milliseconds;

std::string Str(const char* s) { return s == nullptr ? std::string() : std::string(s); }

std::vector<std::string> SplitUrls(const std::string& urls) {
  std::vector<std::string> result;
  size_t start = 0;
  while (start <= urls.size()) {
    size_t comma = urls.find(',', start);
    if (comma == std::string::npos) comma = urls.size();
    std::string url = urls.substr(start, comma - start);
    size_t b = url.find_first_not_of(" \t");
    size_t e = url.find_last_not_of(" \t");
    if (b != std::string::npos) result.push_back(url.substr(b, e - b + 1));
    start = comma + 1;
  }
  return result;
}

}  // namespace

struct dbct_publisher {
  std::string name;
  dbct::nats::NatsSettings settings;
  dbct::nats::StreamSettings stream_settings;
  dbct::nats::PublisherSettings publisher_settings;
  milliseconds connect_timeout{5000};

  std::unique_ptr<dbct::nats::Connection> connection;
  std::unique_ptr<dbct::nats::Publisher> publisher;
  bool stream_ensured = false;
  // The control plane, opened at first use (each ensures its bucket or stream once).
  std::unique_ptr<dbct::nats::StatusReporter> status;
  std::unique_ptr<dbct::nats::LogPublisher> logs;
  std::unique_ptr<dbct::nats::OffsetStore> offsets;

  std::string subject_change;
  std::string subject_transaction;
  std::string subject_message;
  std::string subject_heartbeat;
  std::string msg_id;        // scratch: "N:<position>"
  uint64_t heartbeats = 0;   // published, for their Nats-Msg-Id
  std::string last_position; // returned by dbct_publisher_last_position
  std::string offset;        // returned by dbct_publisher_get_offset
  std::string error;
  std::string options_error;  // a bad option found at open

  dbct::nats::Connection& Connected() {
    if (!connection || !connection->connected())
      throw NatsError("not connected to NATS", true);
    return *connection;
  }

  bool Closed() const {
    return connection && connection->state() == dbct::nats::ConnectionState::kClosed;
  }

  // cnats closed the connection for good (e.g. the server refused the credentials twice) and
  // will not reconnect: drop it and everything made on it, so that the next connect opens a
  // new one.
  void DropClosedConnection() {
    publisher.reset();
    status.reset();
    logs.reset();
    offsets.reset();
    stream_ensured = false;
    connection.reset();
  }

  dbct::nats::OffsetStore& Offsets() {
    if (!offsets) offsets = std::make_unique<dbct::nats::OffsetStore>(Connected());
    return *offsets;
  }
};

namespace {

// "<unix ms>.<count>": unique per heartbeat of the handle, and across restarts by the time.
std::string HeartbeatTag(dbct_publisher* p) {
  const auto now = std::chrono::duration_cast<milliseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  return std::to_string(now.count()) + "." + std::to_string(++p->heartbeats);
}

// Runs `body`, mapping exceptions to a status and the error text on the handle.
template <typename Body>
dbct_status Guard(dbct_publisher* p, Body&& body) {
  if (p == nullptr) return DBCT_ERROR;
  try {
    p->error.clear();
    return body();
  } catch (const NatsError& e) {
    p->error = e.what();
    return e.retriable() ? DBCT_RETRY_LATER : DBCT_ERROR;
  } catch (const std::exception& e) {
    p->error = e.what();
    return DBCT_ERROR;
  } catch (...) {
    p->error = "unknown error in the NATS publisher";
    return DBCT_ERROR;
  }
}

}  // namespace

extern "C" {

dbct_publisher* dbct_publisher_open(const dbct_publisher_options* o) {
  try {
    auto p = std::make_unique<dbct_publisher>();
    if (o == nullptr || o->tracking_name == nullptr) {
      p->options_error = "a tracking name is required";
      return p.release();
    }
    p->name = o->tracking_name;
    std::string urls = Str(o->url);
    p->settings.urls = urls.empty() ? std::vector<std::string>{} : SplitUrls(urls);
    p->settings.credentials_file = Str(o->credentials_file);
    p->settings.user = Str(o->user);
    p->settings.password = Str(o->password);
    p->settings.token = Str(o->token);
    p->settings.tls_ca = Str(o->tls_ca);
    p->settings.tls_cert = Str(o->tls_cert);
    p->settings.tls_key = Str(o->tls_key);
    p->settings.name = "dbchangetracking " + p->name;
    p->settings.retry_on_failed_connect = true;

    auto& s = p->stream_settings;
    if (o->stream_max_messages != 0) s.max_messages = o->stream_max_messages;
    if (o->stream_max_bytes != 0) s.max_bytes = o->stream_max_bytes;
    if (o->stream_max_age_ms > 0) s.max_age = milliseconds(o->stream_max_age_ms);
    std::string storage = Str(o->stream_storage);
    if (storage == "memory")
      s.storage = dbct::nats::StorageType::kMemory;
    else if (!storage.empty() && storage != "file")
      p->options_error = "invalid stream storage \"" + storage + "\": use file or memory";
    if (o->stream_replicas > 0) s.replicas = o->stream_replicas;
    if (o->stream_duplicate_window_ms > 0)
      s.duplicate_window = milliseconds(o->stream_duplicate_window_ms);
    if (o->max_in_flight > 0) p->publisher_settings.max_in_flight = o->max_in_flight;
    // The worker publishes between decoding records: held back and sent in bursts of 32,
    // JetStream acknowledges once per burst (publisher.hpp). dbct_publisher_acked and
    // dbct_publisher_wait send what is held.
    p->publisher_settings.send_batch = 32;
    if (o->connect_timeout_ms > 0) p->connect_timeout = milliseconds(o->connect_timeout_ms);

    p->subject_change = dbct::nats::TrackingSubject(p->name);
    p->subject_transaction = dbct::nats::TransactionSubject(p->name);
    p->subject_message = dbct::nats::LogicalMessageSubject(p->name);
    p->subject_heartbeat = dbct::nats::HeartbeatSubject(p->name);
    return p.release();
  } catch (...) {
    return nullptr;
  }
}

dbct_status dbct_publisher_connect(dbct_publisher* p) {
  return Guard(p, [&] {
    if (!p->options_error.empty()) throw NatsError(p->options_error, false);
    dbct::nats::ValidateTrackingName(p->name);
    if (p->Closed()) p->DropClosedConnection();
    if (!p->connection) p->connection = std::make_unique<dbct::nats::Connection>(p->settings);
    if (!p->connection->WaitConnected(p->connect_timeout))
      throw NatsError(p->connection->NotConnectedMessage(), true);
    return DBCT_OK;
  });
}

dbct_status dbct_publisher_ensure_stream(dbct_publisher* p) {
  return Guard(p, [&] {
    dbct::nats::EnsureTrackingStream(p->Connected(), p->name, p->stream_settings);
    p->stream_ensured = true;
    // Made here, not at the first publish: its subscription may start a cnats thread, and the
    // caller blocks signals around this call.
    if (!p->publisher)
      p->publisher = std::make_unique<dbct::nats::Publisher>(
          p->Connected(), dbct::nats::TrackingStreamName(p->name), p->publisher_settings);
    return DBCT_OK;
  });
}

dbct_status dbct_publisher_last_position(dbct_publisher* p, const char** position, size_t* len) {
  return Guard(p, [&] {
    // The worker's heartbeats carry the newest acknowledged position (dbct.h): they keep it
    // in a stream whose changes they pushed out.
    auto last = dbct::nats::ReadLastPosition(p->Connected(), p->name, true);
    p->last_position = last ? last->position : std::string();
    *position = p->last_position.c_str();
    *len = p->last_position.size();
    return DBCT_OK;
  });
}

dbct_status dbct_publisher_publish(dbct_publisher* p, const dbct_publish_msg* m) {
  return Guard(p, [&] {
    if (!p->publisher) throw NatsError("the stream was not ensured before publishing", false);
    dbct::nats::OutgoingMessage out;
    out.sequence = m->seq;
    switch (m->subject_kind) {
      case DBCT_SUBJECT_TRANSACTION: out.subject = p->subject_transaction; break;
      case DBCT_SUBJECT_MESSAGE: out.subject = p->subject_message; break;
      case DBCT_SUBJECT_HEARTBEAT: out.subject = p->subject_heartbeat; break;
      default: out.subject = p->subject_change; break;
    }
    out.payload = std::string_view(m->value, m->value_len);
    if (m->subject_kind == DBCT_SUBJECT_HEARTBEAT) {
      // Its Dbct-Position (if any) is an event's, so the Nats-Msg-Id is made unique here.
      if (m->position_len > 0) out.position = std::string_view(m->position, m->position_len);
      p->msg_id.assign(p->name).append(":heartbeat:").append(HeartbeatTag(p));
    } else {
      out.position = std::string_view(m->position, m->position_len);
      p->msg_id.assign(p->name).append(":").append(m->position, m->position_len);
    }
    out.msg_id = p->msg_id;
    char op[2] = {m->op, 0};
    if (m->op != 0) out.op = std::string_view(op, 1);
    if (m->table_len > 0) out.table = std::string_view(m->table, m->table_len);
    if (m->key_len > 0) out.key = std::string_view(m->key, m->key_len);
    if (!p->publisher->Publish(out, milliseconds(0))) return DBCT_RETRY_LATER;
    return DBCT_OK;
  });
}

dbct_status dbct_publisher_acked(dbct_publisher* p, uint64_t* acked) {
  return Guard(p, [&] {
    *acked = 0;
    if (!p->publisher) return DBCT_OK;
    *acked = p->publisher->Poll(milliseconds(0));
    if (p->Closed()) {
      // Nothing will come back on this connection: the caller starts over (and reconnects),
      // resuming from what JetStream acknowledged.
      throw NatsError("NATS closed the connection for good: " +
                          p->connection->NotConnectedMessage(), false);
    }
    if (p->connection && !p->connection->connected()) {
      // Also while idle: the status should say that NATS is away before anything fails.
      p->error = "lost the connection to NATS; reconnecting";
      return DBCT_RETRY_LATER;
    }
    if (p->publisher->Recovering()) {
      p->error = p->publisher->LastError();
      return DBCT_RETRY_LATER;
    }
    return DBCT_OK;
  });
}

uint64_t dbct_publisher_in_flight(const dbct_publisher* p) {
  if (p == nullptr || !p->publisher) return 0;
  return p->publisher->InFlight();
}

void dbct_publisher_wait(dbct_publisher* p, int32_t timeout_ms) {
  (void)Guard(p, [&] {
    if (p->publisher)
      p->publisher->Poll(milliseconds(timeout_ms));
    else if (p->connection)
      p->connection->WaitConnected(milliseconds(timeout_ms));
    return DBCT_OK;
  });
}

dbct_status dbct_publisher_put_status(dbct_publisher* p, const dbct_tracking_status* in,
                                      int wait) {
  return Guard(p, [&] {
    using dbct::nats::TrackingState;
    dbct::nats::TrackingStatus st;
    st.name = p->name;
    st.type = "postgres";
    switch (in->state) {
      case DBCT_TRACKING_STARTING: st.state = TrackingState::kStarting; break;
      case DBCT_TRACKING_SNAPSHOTTING: st.state = TrackingState::kSnapshotting; break;
      case DBCT_TRACKING_STREAMING: st.state = TrackingState::kStreaming; break;
      case DBCT_TRACKING_RETRYING: st.state = TrackingState::kRetrying; break;
      case DBCT_TRACKING_PAUSED: st.state = TrackingState::kPaused; break;
      case DBCT_TRACKING_STOPPED: st.state = TrackingState::kStopped; break;
      case DBCT_TRACKING_FAILED: st.state = TrackingState::kFailed; break;
      default: throw NatsError("unknown tracking state " + std::to_string(in->state), false);
    }
    st.position = Str(in->position);
    st.events_total = in->events_total;
    st.events_per_sec = in->events_per_sec;
    st.lag_ms = in->lag_ms;
    st.last_event_at_ms = in->last_event_at_ms;
    st.last_error = Str(in->last_error);
    if (in->has_snapshot) {
      dbct::nats::SnapshotProgress progress;
      progress.current_table = Str(in->snapshot_table);
      progress.tables_done = in->snapshot_tables_done;
      progress.tables_total = in->snapshot_tables_total;
      progress.rows_done = in->snapshot_rows_done;
      progress.rows_total = in->snapshot_rows_total;
      st.snapshot = std::move(progress);
    }
    if (in->slot_name != nullptr && *in->slot_name != '\0') st.extra["slot"] = in->slot_name;
    if (in->confirmed_lsn != nullptr && *in->confirmed_lsn != '\0')
      st.extra["confirmed_lsn"] = in->confirmed_lsn;
    if (in->retained_wal_bytes >= 0) st.extra["retained_wal_bytes"] = in->retained_wal_bytes;

    if (!p->status) p->status = std::make_unique<dbct::nats::StatusReporter>(p->Connected(), p->name);
    if (wait)
      p->status->ReportAndWait(st);
    else
      p->status->Report(st);
    return DBCT_OK;
  });
}

dbct_status dbct_publisher_log(dbct_publisher* p, const char* level, const char* message,
                               const char* fields_json) {
  return Guard(p, [&] {
    auto parsed = dbct::nats::ParseLogLevel(Str(level));
    if (!parsed) throw NatsError("invalid log level \"" + Str(level) + "\"", false);
    nlohmann::json fields = nlohmann::json::object();
    if (fields_json != nullptr && *fields_json != '\0') {
      fields = nlohmann::json::parse(fields_json, nullptr, false);
      if (fields.is_discarded() || !fields.is_object()) fields = nlohmann::json::object();
    }
    if (!p->logs)
      p->logs = std::make_unique<dbct::nats::LogPublisher>(&p->Connected(), p->name, false);
    p->logs->Log(*parsed, Str(message), fields);
    return DBCT_OK;
  });
}

dbct_status dbct_publisher_get_offset(dbct_publisher* p, const char** position, size_t* len) {
  return Guard(p, [&] {
    auto stored = p->Offsets().Get(p->name);
    p->offset = stored ? *stored : std::string();
    *position = p->offset.c_str();
    *len = p->offset.size();
    return DBCT_OK;
  });
}

dbct_status dbct_publisher_put_offset(dbct_publisher* p, const char* position, size_t len,
                                      int wait) {
  return Guard(p, [&] {
    std::string_view text(position, len);
    if (wait)
      p->Offsets().Put(p->name, text);
    else
      p->Offsets().Publish(p->name, text);
    return DBCT_OK;
  });
}

dbct_status dbct_publisher_delete_stream(dbct_publisher* p) {
  return Guard(p, [&] {
    jsErrCode code = static_cast<jsErrCode>(0);
    std::string stream = dbct::nats::TrackingStreamName(p->name);
    natsStatus s = js_DeleteStream(p->Connected().js(), stream.c_str(), nullptr, &code);
    if (s != NATS_NOT_FOUND && static_cast<int>(code) != 10059)  // 10059: no such stream
      dbct::nats::CheckStatus(s, "could not delete stream " + stream);
    // Its positions went with it: a new stream of this name starts from nothing.
    p->Offsets().Erase(p->name);
    return DBCT_OK;
  });
}

const char* dbct_publisher_error(const dbct_publisher* p) {
  return p == nullptr ? "out of memory" : p->error.c_str();
}

void dbct_publisher_close(dbct_publisher* p) {
  if (p == nullptr) return;
  try {
    if (p->publisher) p->publisher->Flush(milliseconds(2000));
  } catch (...) {
  }
  try {
    delete p;
  } catch (...) {
  }
}

}  // extern "C"
