// control.hpp — the control plane of SPEC §4: status bucket, logs stream, offsets bucket.
//
// None of these sits on the hot path: status and log lines go out as plain (fire-and-forget)
// publishes that cnats buffers, so a NATS outage never blocks the caller; the status is
// refreshed every few seconds anyway. Opening them (ensuring buckets and the logs stream)
// does wait for JetStream and is done once at start.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "dbct/nats/connection.hpp"

namespace dbct::nats {

inline constexpr const char* kStatusBucket = "dbchangetracking-status";
inline constexpr const char* kOffsetsBucket = "dbchangetracking-offsets";
inline constexpr const char* kLogsStream = "dbchangetracking-logs";
inline constexpr int64_t kLogsPerSubject = 10000;

enum class TrackingState { kStarting, kSnapshotting, kStreaming, kRetrying, kPaused, kStopped, kFailed };
const char* TrackingStateName(TrackingState state);

struct SnapshotProgress {
  std::string current_table;
  int64_t tables_done = 0;
  int64_t tables_total = 0;
  int64_t rows_done = 0;
  int64_t rows_total = -1;  // -1: unknown
};

// What a tracking reports. Times are milliseconds since the epoch, 0 for "never"; they are
// written as ISO-8601 UTC strings (null for 0).
struct TrackingStatus {
  std::string name;
  std::string type;  // postgres, mysql, ...
  TrackingState state = TrackingState::kStarting;
  std::string host;  // "" -> this host's name
  int64_t pid = 0;   // 0 -> this process
  std::string version;  // "" -> the library's version
  std::string position;
  uint64_t events_total = 0;
  double events_per_sec = 0;
  int64_t lag_ms = -1;  // -1: unknown (null)
  int64_t last_event_at_ms = 0;
  std::string last_error;
  std::optional<SnapshotProgress> snapshot;
  int64_t updated_at_ms = 0;  // 0 -> now
  // Fields of one type of tracking (a PostgreSQL slot's confirmed_lsn, ...), written after the
  // common ones; they never replace a common field.
  nlohmann::json extra = nlohmann::json::object();
};

nlohmann::json StatusToJson(const TrackingStatus& status);
std::string FormatTimestampMs(int64_t ms_since_epoch);  // 2025-01-01T00:00:00.123Z
int64_t NowMs();

// Opens a key-value bucket, creating it (file storage, `history` revisions) when missing.
KvStorePtr OpenOrCreateBucket(Connection& connection, const std::string& bucket, int history);

class StatusReporter {
 public:
  // Ensures the status bucket (waits for JetStream; throws NatsError).
  StatusReporter(Connection& connection, std::string name);
  // Publishes the status without waiting for JetStream.
  void Report(const TrackingStatus& status);
  // Puts the status and waits for the acknowledgement (e.g. the final `stopped`).
  void ReportAndWait(const TrackingStatus& status);

 private:
  Connection& connection_;
  std::string name_;
  std::string subject_;  // $KV.dbchangetracking-status.N
  KvStorePtr kv_;
};

enum class LogLevel { kDebug, kInfo, kWarning, kError };
const char* LogLevelName(LogLevel level);
// "debug", "info", "warning" (or "warn"), "error"; nullopt for anything else.
std::optional<LogLevel> ParseLogLevel(std::string_view name);

class LogPublisher {
 public:
  // connection may be null: stderr only. Otherwise ensures the logs stream (throws NatsError).
  // to_stderr false: only to NATS (the PostgreSQL worker writes its own server log lines).
  LogPublisher(Connection* connection, std::string name, bool to_stderr = true);
  // One line {"ts","level","name","message","fields"} to stderr and to dbchangetracking.logs.N.
  void Log(LogLevel level, std::string_view message,
           const nlohmann::json& fields = nlohmann::json::object());

 private:
  Connection* connection_;
  std::string name_;
  std::string subject_;
  bool to_stderr_;
};

// Positions of sidecars (SPEC §4), one key per tracking.
class OffsetStore {
 public:
  explicit OffsetStore(Connection& connection);
  std::optional<std::string> Get(std::string_view name);  // nullopt: none stored
  uint64_t Put(std::string_view name, std::string_view position);  // returns the revision
  // Without waiting for JetStream (cnats buffers it): for the frequent updates of a running
  // tracking, so a NATS outage never blocks it. Put on stop.
  void Publish(std::string_view name, std::string_view position);
  // Forgets the position (the tracking's stream was deleted). None stored is no error.
  void Erase(std::string_view name);

 private:
  Connection& connection_;
  KvStorePtr kv_;
};

}  // namespace dbct::nats
