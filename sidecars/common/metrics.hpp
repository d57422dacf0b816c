// Prometheus metrics of one tracking (SPEC §8), the same for every sidecar: the metric names
// and their text format, and the tiny HTTP server that answers GET /metrics on --metrics-addr.
// The live counters behind them are Telemetry's (telemetry.hpp).
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

}  // namespace dbct::sidecar

#endif  // DBCT_SIDECAR_COMMON_METRICS_HPP
