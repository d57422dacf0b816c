#include "telemetry.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace dbct::binlog {

namespace {

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
  {
    std::lock_guard<std::mutex> lock(wake_mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (reporter_.joinable()) reporter_.join();
  metrics_stop_.store(true);
  if (metrics_.joinable()) metrics_.join();
  if (listen_fd_ >= 0) close(listen_fd_);
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
  reporter_ = std::thread([this] { ReporterLoop(); });
}

void Telemetry::Close(std::chrono::milliseconds) {
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
  std::lock_guard<std::mutex> lock(log_mutex_);
  logs_.reset();  // later lines (after the NATS connection closes) go to stderr only
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

void Telemetry::ReporterLoop() {
  uint64_t last_total = events_total_.load();
  auto last_at = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lock(wake_mutex_);
  while (!stopping_) {
    lock.unlock();
    const auto now = std::chrono::steady_clock::now();
    const double seconds = std::chrono::duration<double>(now - last_at).count();
    const uint64_t total = events_total_.load();
    if (seconds >= 0.5) {
      events_per_sec_.store(static_cast<double>(total - last_total) / seconds);
      last_total = total;
      last_at = now;
    }
    status_->Report(Snapshot());
    lock.lock();
    wake_.wait_for(lock, kReportEvery);
  }
}

std::string Telemetry::PrometheusText() const {
  const auto s = Snapshot();
  std::string out;
  auto metric = [&](const char* name, const char* type, const char* help, const std::string& labels,
                    double value) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
    char number[64];
    std::snprintf(number, sizeof(number), "%.17g", value);
    out += std::string(name) + "{tracking=\"" + tracking_ + "\"" + labels + "} " + number + "\n";
  };
  metric("dbct_events_total", "counter", "Change events handed to JetStream.", "",
         static_cast<double>(s.events_total));
  metric("dbct_events_per_second", "gauge",
         "Change events per second, over the last report period.", "", s.events_per_sec);
  metric("dbct_lag_milliseconds", "gauge",
         "Time between a change's commit and its publication (-1: unknown).", "",
         static_cast<double>(s.lag_ms));
  metric("dbct_in_flight_events", "gauge", "Events published and not yet acknowledged.", "",
         static_cast<double>(in_flight_.load()));
  out +=
      "# HELP dbct_state The tracking's state (1 for the current one).\n# TYPE dbct_state gauge\n";
  for (auto st : {nats::TrackingState::kStarting, nats::TrackingState::kSnapshotting,
                  nats::TrackingState::kStreaming, nats::TrackingState::kRetrying,
                  nats::TrackingState::kStopped, nats::TrackingState::kFailed}) {
    out += "dbct_state{tracking=\"" + tracking_ + "\",state=\"" + nats::TrackingStateName(st) +
           "\"} " + (st == s.state ? "1" : "0") + "\n";
  }
  if (s.snapshot) {
    metric("dbct_snapshot_rows_total", "counter", "Rows read by the snapshot.", "",
           static_cast<double>(s.snapshot->rows_done));
  }
  return out;
}

void Telemetry::ServeMetrics(const std::string& address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos) {
    throw std::runtime_error("--metrics-addr \"" + address + "\" is not HOST:PORT");
  }
  std::string host = address.substr(0, colon);
  const std::string port = address.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &res) != 0 || !res) {
    throw std::runtime_error("--metrics-addr \"" + address + "\": cannot resolve the host or port");
  }
  int fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, res->ai_protocol);
  int yes = 1;
  if (fd >= 0) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  const bool ok = fd >= 0 && bind(fd, res->ai_addr, res->ai_addrlen) == 0 && listen(fd, 16) == 0;
  freeaddrinfo(res);
  if (!ok) {
    const std::string why = std::strerror(errno);
    if (fd >= 0) close(fd);
    throw std::runtime_error("--metrics-addr \"" + address + "\": cannot listen: " + why);
  }
  listen_fd_ = fd;
  metrics_ = std::thread([this] { MetricsLoop(); });
}

void Telemetry::MetricsLoop() {
  while (!metrics_stop_.load()) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;
    const int client = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    HandleMetricsClient(client);
    close(client);
  }
}

void Telemetry::HandleMetricsClient(int fd) {
  // One request per connection: read the request head (up to 1 s), answer, close.
  std::string request;
  char buf[1024];
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (request.find("\r\n\r\n") == std::string::npos && request.size() < 8192 &&
         std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    const ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    request.append(buf, static_cast<size_t>(n));
  }
  std::string status = "200 OK";
  std::string body;
  std::string type = "text/plain; version=0.0.4; charset=utf-8";
  if (request.rfind("GET /metrics ", 0) == 0 || request.rfind("GET /metrics?", 0) == 0) {
    body = PrometheusText();
  } else if (request.rfind("GET ", 0) == 0) {
    status = "404 Not Found";
    body = "not found: try /metrics\n";
  } else {
    status = "405 Method Not Allowed";
    body = "only GET /metrics is served\n";
  }
  std::string response = "HTTP/1.1 " + status + "\r\nContent-Type: " + type +
                         "\r\nContent-Length: " + std::to_string(body.size()) +
                         "\r\nConnection: close\r\n\r\n" + body;
  size_t sent = 0;
  while (sent < response.size()) {
    const ssize_t n = send(fd, response.data() + sent, response.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
}

}  // namespace dbct::binlog
