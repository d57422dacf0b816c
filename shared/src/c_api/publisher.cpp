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
#include "dbct/nats/publisher.hpp"
#include "dbct/nats/stream.hpp"

namespace {

using dbct::nats::NatsError;
using std::chrono::milliseconds;

constexpr const char* kStatusBucket = "dbchangetracking-status";
constexpr const char* kLogStream = "dbchangetracking-logs";
constexpr int64_t kLogMessagesPerSubject = 1000;

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
  bool logs_ensured = false;
  kvStore* status_kv = nullptr;

  std::string subject_change;
  std::string subject_transaction;
  std::string subject_message;
  std::string subject_heartbeat;
  std::string msg_id;        // scratch: "N:<position>"
  std::string last_position; // returned by dbct_publisher_last_position
  std::string error;
  std::string options_error;  // a bad option found at open

  ~dbct_publisher() {
    if (status_kv != nullptr) kvStore_Destroy(status_kv);
  }

  dbct::nats::Connection& Connected() {
    if (!connection || !connection->connected())
      throw NatsError("not connected to NATS", true);
    return *connection;
  }
};

namespace {

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
    if (!p->connection) p->connection = std::make_unique<dbct::nats::Connection>(p->settings);
    if (!p->connection->WaitConnected(p->connect_timeout)) {
      std::string urls;
      for (const auto& u : p->connection->settings().urls) urls += (urls.empty() ? "" : ",") + u;
      throw NatsError("could not connect to NATS at " + urls, true);
    }
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
    auto last = dbct::nats::ReadLastPosition(p->Connected(), p->name);
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
      // No Dbct-Position: a heartbeat is no event to resume after (dbct.h).
      p->msg_id.assign(p->name).append(":heartbeat:").append(m->position, m->position_len);
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

dbct_status dbct_publisher_put_status(dbct_publisher* p, const char* json, size_t len) {
  return Guard(p, [&] {
    auto& connection = p->Connected();
    if (p->status_kv == nullptr) {
      natsStatus s = js_KeyValue(&p->status_kv, connection.js(), kStatusBucket);
      if (s == NATS_NOT_FOUND) {
        kvConfig cfg;
        kvConfig_Init(&cfg);
        cfg.Bucket = kStatusBucket;
        cfg.History = 1;
        s = js_CreateKeyValue(&p->status_kv, connection.js(), &cfg);
      }
      dbct::nats::CheckStatus(s, "could not open key-value bucket " + std::string(kStatusBucket));
    }
    uint64_t revision = 0;
    dbct::nats::CheckStatus(
        kvStore_Put(&revision, p->status_kv, p->name.c_str(), json, static_cast<int>(len)),
        "could not write the status of tracking \"" + p->name + "\"");
    return DBCT_OK;
  });
}

dbct_status dbct_publisher_log(dbct_publisher* p, const char* level, const char* message,
                               const char* fields_json) {
  return Guard(p, [&] {
    auto& connection = p->Connected();
    if (!p->logs_ensured) {
      dbct::nats::StreamSpec spec;
      spec.name = kLogStream;
      spec.subjects = {"dbchangetracking.logs.>"};
      spec.max_messages_per_subject = kLogMessagesPerSubject;
      dbct::nats::EnsureStream(connection, spec);
      p->logs_ensured = true;
    }
    nlohmann::json line;
    auto now = std::chrono::system_clock::now().time_since_epoch();
    line["ts"] = std::chrono::duration_cast<milliseconds>(now).count();
    line["level"] = Str(level);
    line["message"] = Str(message);
    line["tracking"] = p->name;
    line["fields"] = fields_json != nullptr && *fields_json != '\0'
                         ? nlohmann::json::parse(fields_json, nullptr, false)
                         : nlohmann::json::object();
    if (line["fields"].is_discarded()) line["fields"] = nlohmann::json::object();
    std::string text = line.dump();
    std::string subject = "dbchangetracking.logs." + p->name;
    // Core publish: a log line is not worth waiting for, and order with events does not matter.
    dbct::nats::CheckStatus(
        natsConnection_Publish(connection.nc(), subject.c_str(), text.data(),
                               static_cast<int>(text.size())),
        "could not publish a log line");
    return DBCT_OK;
  });
}

dbct_status dbct_publisher_delete_stream(dbct_publisher* p) {
  return Guard(p, [&] {
    jsErrCode code = static_cast<jsErrCode>(0);
    std::string stream = dbct::nats::TrackingStreamName(p->name);
    natsStatus s = js_DeleteStream(p->Connected().js(), stream.c_str(), nullptr, &code);
    if (s == NATS_NOT_FOUND || static_cast<int>(code) == 10059) return DBCT_OK;  // no such stream
    dbct::nats::CheckStatus(s, "could not delete stream " + stream);
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
