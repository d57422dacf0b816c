// What a sidecar tells the world about itself (SPEC §4 and §8), the same for every sidecar:
// log lines (stderr, and the logs stream once NATS is attached), the status in the
// dbchangetracking-status bucket (refreshed every 2 s by a background thread and on each state
// change) and the Prometheus metrics on --metrics-addr. The source's threads only bump atomics
// or take a short lock; nothing here blocks the hot path, and status and log lines go to NATS
// fire-and-forget (only the final status is waited for).
#ifndef DBCT_SIDECAR_COMMON_TELEMETRY_HPP
#define DBCT_SIDECAR_COMMON_TELEMETRY_HPP

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "dbct/nats/connection.hpp"
#include "dbct/nats/control.hpp"
#include "metrics.hpp"

namespace dbct::sidecar {

class Telemetry {
 public:
  // type: "mysql", "mongodb", "sqlserver", "oracle" (the status' type).
  Telemetry(std::string tracking, std::string type);
  ~Telemetry();
  Telemetry(const Telemetry&) = delete;
  Telemetry& operator=(const Telemetry&) = delete;

  const std::string& tracking() const { return tracking_; }

  // Starts the metrics server on "HOST:PORT". Throws std::runtime_error naming --metrics-addr
  // when it cannot listen.
  void ServeMetrics(const std::string& address);
  // From now on log lines also go to the logs stream (as JSON lines, also on stderr) and the
  // status is reported to the status bucket. Throws NatsError.
  void AttachNats(nats::Connection& connection);
  // Stops the reporter, stores the final status (waiting for JetStream) and detaches from NATS:
  // later lines go to stderr only. Without NATS only the reporter stops.
  void Close();
  // Detaches from NATS without a final status (the connection is going away after an error).
  void Detach();

  void Info(std::string_view message) { Log(nats::LogLevel::kInfo, message); }
  void Warn(std::string_view message) { Log(nats::LogLevel::kWarning, message); }
  void Error(std::string_view message) { Log(nats::LogLevel::kError, message); }
  // Before AttachNats (and after Close): "LEVEL: message" on stderr.
  void Log(nats::LogLevel level, std::string_view message);

  // A non-empty error becomes last_error (it stays until another one replaces it).
  void SetState(nats::TrackingState state, std::string_view error = {});
  nats::TrackingState State() const { return state_.load(); }
  // One change event handed to JetStream; `source_ts_ms` > 0 (its commit time) gives the lag.
  void CountEvent(int64_t source_ts_ms = 0);
  void CaughtUp();  // idle at the end of the source's log: lag 0
  void SetPosition(std::string_view position);  // the newest acknowledged position
  void SetInFlight(size_t n) { in_flight_.store(n, std::memory_order_relaxed); }
  void SetSnapshot(std::optional<nats::SnapshotProgress> progress);

  uint64_t EventsTotal() const { return events_total_.load(std::memory_order_relaxed); }
  nats::TrackingStatus Snapshot() const;  // the status as it is now
  std::string PrometheusText();

 private:
  void ReporterLoop();
  void UpdateRate();

  const std::string tracking_;
  const std::string type_;
  std::atomic<nats::TrackingState> state_{nats::TrackingState::kStarting};
  std::atomic<uint64_t> events_total_{0};
  std::atomic<int64_t> lag_ms_{-1};
  std::atomic<int64_t> last_event_at_ms_{0};
  std::atomic<size_t> in_flight_{0};
  std::atomic<double> events_per_sec_{0};

  mutable std::mutex mutex_;  // guards the strings, the snapshot progress and the rate window
  std::string position_;
  std::string last_error_;
  std::optional<nats::SnapshotProgress> snapshot_;
  uint64_t rate_total_ = 0;
  std::chrono::steady_clock::time_point rate_at_ = std::chrono::steady_clock::now();

  std::unique_ptr<nats::LogPublisher> logs_;
  std::unique_ptr<nats::StatusReporter> status_;
  std::mutex log_mutex_;

  std::mutex wake_mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread reporter_;

  std::unique_ptr<MetricsServer> metrics_;
};

}  // namespace dbct::sidecar

#endif  // DBCT_SIDECAR_COMMON_TELEMETRY_HPP
