// What dbct-mysql tells the world about itself (SPEC §4 and §8): log lines (stderr and the
// logs stream), the status in the dbchangetracking-status bucket, refreshed every 2 s by a
// background thread, and Prometheus metrics on --metrics-addr, served by the sidecars' common
// MetricsServer (sidecars/common/metrics.hpp). The connector threads only bump atomics or take a short lock; nothing here blocks
// the hot path, and the NATS side is fire-and-forget (StatusReporter::Report).
#ifndef DBCT_BINLOG_TELEMETRY_HPP
#define DBCT_BINLOG_TELEMETRY_HPP

#include <atomic>
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

namespace dbct::binlog {

class Telemetry {
 public:
  Telemetry(std::string tracking, std::string type);
  ~Telemetry();
  Telemetry(const Telemetry&) = delete;
  Telemetry& operator=(const Telemetry&) = delete;

  // Starts the metrics server on "HOST:PORT". Throws std::runtime_error naming the address
  // when it cannot listen.
  void ServeMetrics(const std::string& address);
  // From now on, log lines also go to the logs stream and the status is reported to the
  // status bucket (every 2 s and on each state change). Throws NatsError.
  void AttachNats(nats::Connection& connection);
  // Reports the final state and waits for JetStream to store it; stops the reporter.
  void Close(std::chrono::milliseconds timeout);

  void Info(std::string_view message) { Log(nats::LogLevel::kInfo, message); }
  void Warn(std::string_view message) { Log(nats::LogLevel::kWarning, message); }
  void Error(std::string_view message) { Log(nats::LogLevel::kError, message); }
  void Log(nats::LogLevel level, std::string_view message);

  void SetState(nats::TrackingState state, std::string_view error = {});
  nats::TrackingState State() const { return state_.load(); }
  void CountEvent(int64_t source_ts_ms);
  void CaughtUp();  // idle at the end of the binlog: lag 0
  void SetPosition(std::string_view position);
  void SetInFlight(size_t n) { in_flight_.store(n, std::memory_order_relaxed); }
  void SetSnapshot(std::optional<nats::SnapshotProgress> progress);

  nats::TrackingStatus Snapshot() const;  // the status as it is now
  std::string PrometheusText() const;

 private:
  void ReporterLoop();

  const std::string tracking_;
  const std::string type_;
  std::atomic<nats::TrackingState> state_{nats::TrackingState::kStarting};
  std::atomic<uint64_t> events_total_{0};
  std::atomic<int64_t> lag_ms_{-1};
  std::atomic<int64_t> last_event_at_ms_{0};
  std::atomic<size_t> in_flight_{0};
  std::atomic<double> events_per_sec_{0};

  mutable std::mutex mutex_;  // guards the strings and the snapshot progress
  std::string position_;
  std::string last_error_;
  std::optional<nats::SnapshotProgress> snapshot_;

  std::unique_ptr<nats::LogPublisher> logs_;
  std::unique_ptr<nats::StatusReporter> status_;
  std::mutex log_mutex_;

  std::mutex wake_mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread reporter_;

  std::unique_ptr<sidecar::MetricsServer> metrics_;  // sidecars/common
};

}  // namespace dbct::binlog

#endif  // DBCT_BINLOG_TELEMETRY_HPP
