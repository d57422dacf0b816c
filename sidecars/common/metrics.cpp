#include "metrics.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace dbct::sidecar {

std::string PrometheusText(const std::string& tracking, const MetricValues& v) {
  std::string out;
  auto metric = [&](const char* name, const char* type, const char* help, double value) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
    char number[64];
    std::snprintf(number, sizeof(number), "%.17g", value);
    out += std::string(name) + "{tracking=\"" + tracking + "\"} " + number + "\n";
  };
  metric("dbct_events_total", "counter", "Change events handed to JetStream.",
         static_cast<double>(v.events_total));
  metric("dbct_events_per_second", "gauge", "Change events per second, over the last report period.",
         v.events_per_sec);
  metric("dbct_lag_milliseconds", "gauge", "Time between a change's commit and its publication (-1: unknown).",
         static_cast<double>(v.lag_ms));
  metric("dbct_in_flight_events", "gauge", "Events published and not yet acknowledged.",
         static_cast<double>(v.in_flight));
  out += "# HELP dbct_state The tracking's state (1 for the current one).\n# TYPE dbct_state gauge\n";
  for (auto st : {nats::TrackingState::kStarting, nats::TrackingState::kSnapshotting, nats::TrackingState::kStreaming,
                  nats::TrackingState::kRetrying, nats::TrackingState::kStopped, nats::TrackingState::kFailed}) {
    out += "dbct_state{tracking=\"" + tracking + "\",state=\"" + nats::TrackingStateName(st) + "\"} " +
           (st == v.state ? "1" : "0") + "\n";
  }
  if (v.snapshot_rows) {
    metric("dbct_snapshot_rows_total", "counter", "Rows read by the snapshot.", static_cast<double>(*v.snapshot_rows));
  }
  return out;
}

MetricsServer::MetricsServer(const std::string& address, Render render) : render_(std::move(render)) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos) throw std::runtime_error("--metrics-addr \"" + address + "\" is not HOST:PORT");
  std::string host = address.substr(0, colon);
  const std::string port = address.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &res) != 0 || !res) {
    throw std::runtime_error("--metrics-addr \"" + address + "\": cannot resolve the host or port");
  }
  const int fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, res->ai_protocol);
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
  thread_ = std::thread([this] { Loop(); });
}

MetricsServer::~MetricsServer() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) close(listen_fd_);
}

void MetricsServer::Loop() {
  while (!stop_.load()) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;  // wakes up to see stop_
    const int client = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    Answer(client);
    close(client);
  }
}

void MetricsServer::Answer(int fd) {
  // Reads the request head (up to 1 s: a silent client must not hold the thread), answers.
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
  if (request.rfind("GET /metrics ", 0) == 0 || request.rfind("GET /metrics?", 0) == 0) {
    body = render_();
  } else if (request.rfind("GET ", 0) == 0) {
    status = "404 Not Found";
    body = "not found: try /metrics\n";
  } else {
    status = "405 Method Not Allowed";
    body = "only GET /metrics is served\n";
  }
  const std::string response = "HTTP/1.1 " + status +
                               "\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: " +
                               std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  size_t sent = 0;
  while (sent < response.size()) {
    const ssize_t n = send(fd, response.data() + sent, response.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
}

}  // namespace dbct::sidecar
