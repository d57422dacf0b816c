// Prometheus metrics of one tracking (SPEC §8), the same for every sidecar: the metric names
// and their text format, the live counters behind them, and the tiny HTTP server that answers
// GET /metrics on --metrics-addr. The sidecar's threads only bump atomics; the server thread
// reads them.
#ifndef DBCT_SIDECAR_COMMON_METRICS_HPP
#define DBCT_SIDECAR_COMMON_METRICS_HPP

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "dbct/nats/control.hpp"

namespace dbct::sidecar {

struct MetricValues {
  uint64_t events_total = 0;
  double events_per_sec = 0;
  int64_t lag_ms = -1;  // -1: unknown
  uint64_t in_flight = 0;
  nats::TrackingState state = nats::TrackingState::kStarting;
  std::optional<uint64_t> snapshot_rows;  // only while a snapshot runs
};

// The Prometheus text exposition of `values`, every sample labelled tracking="<tracking>".
std::string PrometheusText(const std::string& tracking, const MetricValues& values);

// Live counters for sidecars that keep no status thread of their own (dbct-mongodb,
// dbct-sqlserver, dbct-oracle). Setters are safe from any thread.
class Metrics {
 public:
  explicit Metrics(std::string tracking) : tracking_(std::move(tracking)) {}

  // `count` more events handed to JetStream; `source_ts_ms` > 0 gives the lag.
  void CountEvents(uint64_t count, int64_t source_ts_ms = 0);
  void SetInFlight(uint64_t n) { in_flight_.store(n, std::memory_order_relaxed); }
  void SetState(nats::TrackingState state) { state_.store(state, std::memory_order_relaxed); }
  void SetLag(int64_t lag_ms) { lag_ms_.store(lag_ms, std::memory_order_relaxed); }
  uint64_t EventsTotal() const { return events_total_.load(std::memory_order_relaxed); }

  // Events per second are measured between two calls, at least 0.5 s apart.
  std::string PrometheusText();

 private:
  const std::string tracking_;
  std::atomic<uint64_t> events_total_{0};
  std::atomic<uint64_t> in_flight_{0};
  std::atomic<int64_t> lag_ms_{-1};
  std::atomic<nats::TrackingState> state_{nats::TrackingState::kStarting};
  std::mutex rate_mutex_;
  uint64_t rate_total_ = 0;
  std::chrono::steady_clock::time_point rate_at_ = std::chrono::steady_clock::now();
  double rate_ = 0;
};

// Serves GET /metrics with render()'s text from a thread of its own, one request per
// connection. Other paths get 404, other methods 405.
class MetricsServer {
 public:
  using Render = std::function<std::string()>;

  // Listens on "HOST:PORT" ("[::1]:9100", ":9100" for every address). Throws
  // std::runtime_error naming --metrics-addr when it cannot resolve or listen.
  MetricsServer(const std::string& address, Render render);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

 private:
  void Loop();
  void Answer(int fd);

  Render render_;
  int listen_fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Returns once `stop` is set (SIGTERM/SIGINT): a replay run with --metrics-addr stays up
// after the file is done, so that its final numbers can be scraped.
void WaitForStop(const std::atomic<bool>& stop);

}  // namespace dbct::sidecar

#endif  // DBCT_SIDECAR_COMMON_METRICS_HPP
