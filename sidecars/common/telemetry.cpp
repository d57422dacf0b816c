#include "telemetry.hpp"

#include <algorithm>
#include <cstdio>

namespace dbct::sidecar {

namespace {

// SPEC §4 asks for a refresh at least every 5 s; 2 s leaves room for a slow NATS.
constexpr std::chrono::milliseconds kReportEvery{2000};

const char* PlainLevel(nats::LogLevel level) {
  switch (level) {
    case nats::LogLevel::kDebug:
      return "DEBUG";
    case nats::LogLevel::kInfo:
      return "INFO";
    case nats::LogLevel::kWarning:
      return "WARNING";
    case nats::LogLevel::kError:
      return "ERROR";
  }
  return "INFO";
}

}  // namespace

Telemetry::Telemetry(std::string tracking, std::string type)
    : tracking_(std::move(tracking)), type_(std::move(type)) {}

Telemetry::~Telemetry() {
  Detach();
  metrics_.reset();
}

void Telemetry::Log(nats::LogLevel level, std::string_view message) {
  std::lock_guard<std::mutex> lock(log_mutex_);
  if (logs_) {
    logs_->Log(level, message);  // a JSON line to stderr and to the logs stream
    return;
  }
  std::fprintf(stderr, "%s: %.*s\n", PlainLevel(level), static_cast<int>(message.size()),
               message.data());
  std::fflush(stderr);
}

void Telemetry::AttachNats(nats::Connection& connection) {
  auto logs = std::make_unique<nats::LogPublisher>(&connection, tracking_);
  status_ = std::make_unique<nats::StatusReporter>(connection, tracking_);
  {
    std::lock_guard<std::mutex> lock(log_mutex_);
    logs_ = std::move(logs);
  }
  {
    std::lock_guard<std::mutex> lock(wake_mutex_);
    stopping_ = false;
  }
  reporter_ = std::thread([this] { ReporterLoop(); });
}

void Telemetry::Close() {
  {
    std::lock_guard<std::mutex> lock(wake_mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (reporter_.joinable()) reporter_.join();
  if (status_) {
    try {
      status_->ReportAndWait(Snapshot());
    } catch (const nats::NatsError& e) {
      Warn(std::string("could not store the final status: ") + e.what());
    }
  }
  Detach();
}

void Telemetry::Detach() {
  {
    std::lock_guard<std::mutex> lock(wake_mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (reporter_.joinable()) reporter_.join();
  status_.reset();
  std::lock_guard<std::mutex> lock(log_mutex_);
  logs_.reset();
}

void Telemetry::SetState(nats::TrackingState state, std::string_view error) {
  state_.store(state);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!error.empty()) last_error_.assign(error);
    if (state != nats::TrackingState::kSnapshotting) snapshot_.reset();
  }
  wake_.notify_all();  // report the change now
}

void Telemetry::CountEvent(int64_t source_ts_ms) {
  events_total_.fetch_add(1, std::memory_order_relaxed);
  const int64_t now = nats::NowMs();
  last_event_at_ms_.store(now, std::memory_order_relaxed);
  if (source_ts_ms > 0)
    lag_ms_.store(std::max<int64_t>(0, now - source_ts_ms), std::memory_order_relaxed);
}

void Telemetry::CaughtUp() { lag_ms_.store(0, std::memory_order_relaxed); }

void Telemetry::SetPosition(std::string_view position) {
  std::lock_guard<std::mutex> lock(mutex_);
  position_.assign(position);
}

void Telemetry::SetSnapshot(std::optional<nats::SnapshotProgress> progress) {
  std::lock_guard<std::mutex> lock(mutex_);
  snapshot_ = std::move(progress);
}

nats::TrackingStatus Telemetry::Snapshot() const {
  nats::TrackingStatus s;
  s.name = tracking_;
  s.type = type_;
  s.state = state_.load();
  s.events_total = events_total_.load(std::memory_order_relaxed);
  s.events_per_sec = events_per_sec_.load(std::memory_order_relaxed);
  s.lag_ms = lag_ms_.load(std::memory_order_relaxed);
  s.last_event_at_ms = last_event_at_ms_.load(std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(mutex_);
  s.position = position_;
  s.last_error = last_error_;
  s.snapshot = snapshot_;
  return s;
}

// Events per second between two calls at least 0.5 s apart (the reporter's and scrapes).
void Telemetry::UpdateRate() {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  const double seconds = std::chrono::duration<double>(now - rate_at_).count();
  if (seconds < 0.5) return;
  const uint64_t total = events_total_.load(std::memory_order_relaxed);
  events_per_sec_.store(static_cast<double>(total - rate_total_) / seconds);
  rate_total_ = total;
  rate_at_ = now;
}

void Telemetry::ReporterLoop() {
  std::unique_lock<std::mutex> lock(wake_mutex_);
  while (!stopping_) {
    lock.unlock();
    UpdateRate();
    status_->Report(Snapshot());
    lock.lock();
    wake_.wait_for(lock, kReportEvery);
  }
}

std::string Telemetry::PrometheusText() {
  UpdateRate();
  const auto s = Snapshot();
  MetricValues v;
  v.events_total = s.events_total;
  v.events_per_sec = s.events_per_sec;
  v.lag_ms = s.lag_ms;
  v.in_flight = in_flight_.load();
  v.state = s.state;
  if (s.snapshot) v.snapshot_rows = s.snapshot->rows_done;
  return sidecar::PrometheusText(tracking_, v);
}

void Telemetry::ServeMetrics(const std::string& address) {
  metrics_ = std::make_unique<MetricsServer>(address, [this] { return PrometheusText(); });
}

}  // namespace dbct::sidecar
