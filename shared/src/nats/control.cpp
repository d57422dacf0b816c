// control.cpp — status bucket, logs stream and offsets bucket.
#include "dbct/nats/control.hpp"

#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <iostream>

#include "dbct/nats/stream.hpp"

namespace dbct::nats {

namespace {

constexpr int kStatusHistory = 1;
constexpr int kOffsetsHistory = 5;

std::string HostName() {
  char buffer[256] = {0};
  if (gethostname(buffer, sizeof buffer - 1) != 0) return "";
  return buffer;
}

nlohmann::json TimeOrNull(int64_t ms) {
  if (ms <= 0) return nullptr;
  return FormatTimestampMs(ms);
}

}  // namespace

const char* TrackingStateName(TrackingState state) {
  switch (state) {
    case TrackingState::kStarting: return "starting";
    case TrackingState::kSnapshotting: return "snapshotting";
    case TrackingState::kStreaming: return "streaming";
    case TrackingState::kRetrying: return "retrying";
    case TrackingState::kPaused: return "paused";
    case TrackingState::kStopped: return "stopped";
    case TrackingState::kFailed: return "failed";
  }
  return "unknown";
}

const char* LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarning: return "warning";
    case LogLevel::kError: return "error";
  }
  return "info";
}

std::optional<LogLevel> ParseLogLevel(std::string_view name) {
  if (name == "debug") return LogLevel::kDebug;
  if (name == "info") return LogLevel::kInfo;
  if (name == "warning" || name == "warn") return LogLevel::kWarning;
  if (name == "error") return LogLevel::kError;
  return std::nullopt;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string FormatTimestampMs(int64_t ms) {
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buffer;
}

nlohmann::json StatusToJson(const TrackingStatus& s) {
  nlohmann::json j;
  j["name"] = s.name;
  j["type"] = s.type;
  j["state"] = TrackingStateName(s.state);
  j["host"] = s.host.empty() ? HostName() : s.host;
  j["pid"] = s.pid != 0 ? s.pid : static_cast<int64_t>(getpid());
  j["version"] = s.version.empty() ? std::string(DBCT_VERSION) : s.version;
  j["position"] = s.position;
  j["events_total"] = s.events_total;
  j["events_per_sec"] = s.events_per_sec;
  j["lag_ms"] = s.lag_ms < 0 ? nlohmann::json(nullptr) : nlohmann::json(s.lag_ms);
  j["last_event_at"] = TimeOrNull(s.last_event_at_ms);
  j["last_error"] = s.last_error.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.last_error);
  if (s.snapshot) {
    const auto& p = *s.snapshot;
    j["snapshot"] = {{"current_table", p.current_table},
                     {"tables_done", p.tables_done},
                     {"tables_total", p.tables_total},
                     {"rows_done", p.rows_done},
                     {"rows_total", p.rows_total < 0 ? nlohmann::json(nullptr) : nlohmann::json(p.rows_total)}};
  } else {
    j["snapshot"] = nullptr;
  }
  j["updated_at"] = FormatTimestampMs(s.updated_at_ms > 0 ? s.updated_at_ms : NowMs());
  if (s.extra.is_object()) {
    for (auto it = s.extra.begin(); it != s.extra.end(); ++it)
      if (!j.contains(it.key())) j[it.key()] = it.value();
  }
  return j;
}

KvStorePtr OpenOrCreateBucket(Connection& connection, const std::string& bucket, int history) {
  SignalBlockGuard guard;
  kvStore* raw = nullptr;
  natsStatus s = js_KeyValue(&raw, connection.js(), bucket.c_str());
  if (s == NATS_OK) return KvStorePtr(raw);
  if (s != NATS_NOT_FOUND) CheckStatus(s, "could not open key-value bucket \"" + bucket + "\"");
  kvConfig cfg;
  kvConfig_Init(&cfg);
  cfg.Bucket = bucket.c_str();
  cfg.History = static_cast<uint8_t>(history);
  cfg.StorageType = js_FileStorage;
  s = js_CreateKeyValue(&raw, connection.js(), &cfg);
  if (s != NATS_OK) {
    // Created meanwhile by another tracking: open that one.
    if (js_KeyValue(&raw, connection.js(), bucket.c_str()) == NATS_OK) return KvStorePtr(raw);
    CheckStatus(s, "could not create key-value bucket \"" + bucket + "\"");
  }
  return KvStorePtr(raw);
}

StatusReporter::StatusReporter(Connection& connection, std::string name)
    : connection_(connection), name_(std::move(name)) {
  ValidateTrackingName(name_);
  subject_ = std::string("$KV.") + kStatusBucket + "." + name_;
  kv_ = OpenOrCreateBucket(connection_, kStatusBucket, kStatusHistory);
}

void StatusReporter::Report(const TrackingStatus& status) {
  std::string body = StatusToJson(status).dump();
  // Fire and forget: cnats buffers it (also while reconnecting); a lost one is replaced soon.
  natsConnection_Publish(connection_.nc(), subject_.c_str(), body.data(),
                         static_cast<int>(body.size()));
}

void StatusReporter::ReportAndWait(const TrackingStatus& status) {
  std::string body = StatusToJson(status).dump();
  SignalBlockGuard guard;
  uint64_t revision = 0;
  CheckStatus(kvStore_Put(&revision, kv_.get(), name_.c_str(), body.data(),
                          static_cast<int>(body.size())),
              "could not put status of tracking \"" + name_ + "\"");
}

LogPublisher::LogPublisher(Connection* connection, std::string name, bool to_stderr)
    : connection_(connection), name_(std::move(name)), to_stderr_(to_stderr) {
  ValidateTrackingName(name_);
  subject_ = "dbchangetracking.logs." + name_;
  if (connection_ == nullptr) return;
  StreamSpec spec;
  spec.name = kLogsStream;
  spec.subjects = {"dbchangetracking.logs.>"};
  spec.max_messages_per_subject = kLogsPerSubject;
  EnsureStream(*connection_, spec);
}

void LogPublisher::Log(LogLevel level, std::string_view message, const nlohmann::json& fields) {
  nlohmann::json line;
  line["ts"] = FormatTimestampMs(NowMs());
  line["level"] = LogLevelName(level);
  line["name"] = name_;
  line["message"] = std::string(message);
  line["fields"] = fields.is_null() ? nlohmann::json::object() : fields;
  // Replace invalid UTF-8 rather than throw: a log line must never fail.
  std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (to_stderr_) std::fprintf(stderr, "%s\n", text.c_str());
  if (connection_ != nullptr) {
    natsConnection_Publish(connection_->nc(), subject_.c_str(), text.data(),
                           static_cast<int>(text.size()));
  }
}

OffsetStore::OffsetStore(Connection& connection)
    : connection_(connection),
      kv_(OpenOrCreateBucket(connection, kOffsetsBucket, kOffsetsHistory)) {}

std::optional<std::string> OffsetStore::Get(std::string_view name) {
  SignalBlockGuard guard;
  std::string key(name);
  kvEntry* raw = nullptr;
  natsStatus s = kvStore_Get(&raw, kv_.get(), key.c_str());
  KvEntryPtr entry(raw);
  if (s == NATS_NOT_FOUND) return std::nullopt;
  CheckStatus(s, "could not read the offset of tracking \"" + key + "\"");
  const char* data = static_cast<const char*>(kvEntry_Value(entry.get()));
  return std::string(data == nullptr ? "" : data, static_cast<size_t>(kvEntry_ValueLen(entry.get())));
}

uint64_t OffsetStore::Put(std::string_view name, std::string_view position) {
  SignalBlockGuard guard;
  std::string key(name);
  uint64_t revision = 0;
  CheckStatus(kvStore_Put(&revision, kv_.get(), key.c_str(), position.data(),
                          static_cast<int>(position.size())),
              "could not store the offset of tracking \"" + key + "\"");
  return revision;
}

void OffsetStore::Publish(std::string_view name, std::string_view position) {
  ValidateTrackingName(name);
  std::string subject = std::string("$KV.") + kOffsetsBucket + "." + std::string(name);
  natsConnection_Publish(connection_.nc(), subject.c_str(), position.data(),
                         static_cast<int>(position.size()));
}

void OffsetStore::Erase(std::string_view name) {
  SignalBlockGuard guard;
  std::string key(name);
  natsStatus s = kvStore_Delete(kv_.get(), key.c_str());
  if (s == NATS_NOT_FOUND) return;
  CheckStatus(s, "could not delete the offset of tracking \"" + key + "\"");
}

}  // namespace dbct::nats
