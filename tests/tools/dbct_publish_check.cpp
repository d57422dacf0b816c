// dbct_publish_check — drives the NATS side of the event library for integration tests.
//
//   dbct_publish_check --url URL --name N --count 100000 --max-in-flight 4096
//       ensures the tracking stream, publishes COUNT events (Nats-Msg-Id N:<i>,
//       Dbct-Position <i>), prints progress to stderr and a JSON summary to stdout.
//   --send-batch B         hold events back to send them in bursts of B (PublisherSettings)
//   --mode ensure          ensures the stream with the given settings, prints the outcome
//   --mode last-position   prints the last Dbct-Position of the stream as JSON ({} when none)
//   --mode control         writes a status, a log line and an offset; prints what it read back
//   --user/--password, --token, --creds FILE, --tls-ca/--tls-cert/--tls-key: how to reach NATS
// Exit code: 0 success, 1 failure, 2 bad usage.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>

#include "dbct/nats/connection.hpp"
#include "dbct/nats/control.hpp"
#include "dbct/nats/publisher.hpp"
#include "dbct/nats/stream.hpp"

using namespace dbct::nats;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::string mode = "publish";
  std::string url;
  std::string name;
  uint64_t count = 1000;
  uint64_t start = 1;
  size_t max_in_flight = 4096;
  size_t send_batch = 1;
  int64_t max_messages = -1;
  std::string storage = "file";
  int64_t duplicate_window_ms = 120000;
  int64_t ack_timeout_ms = 2000;
  int64_t timeout_s = 120;
  size_t payload_size = 64;
  uint64_t progress_every = 10000;
  bool no_ensure = false;
  std::string user, password, token, creds, tls_ca, tls_cert, tls_key;
};

StreamSettings SettingsFrom(const Options& o) {
  StreamSettings s;
  s.max_messages = o.max_messages;
  s.storage = o.storage == "memory" ? StorageType::kMemory : StorageType::kFile;
  s.duplicate_window = std::chrono::milliseconds(o.duplicate_window_ms);
  return s;
}

const char* OutcomeName(EnsureOutcome outcome) {
  switch (outcome) {
    case EnsureOutcome::kCreated: return "created";
    case EnsureOutcome::kUpdated: return "updated";
    case EnsureOutcome::kUnchanged: return "unchanged";
  }
  return "unknown";
}

// Retries a JetStream call that fails while NATS/JetStream is (re)starting.
template <typename F>
auto Retrying(F&& f, const Clock::time_point& deadline) {
  for (;;) {
    try {
      return f();
    } catch (const NatsError& e) {
      if (!e.retriable() || Clock::now() > deadline) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
}

int RunPublish(Connection& connection, const Options& o) {
  const auto begin = Clock::now();
  const auto deadline = begin + std::chrono::seconds(o.timeout_s);
  const std::string stream = TrackingStreamName(o.name);
  if (!o.no_ensure) Retrying([&] { return EnsureTrackingStream(connection, o.name, SettingsFrom(o)); }, deadline);

  PublisherSettings ps;
  ps.max_in_flight = o.max_in_flight;
  ps.send_batch = o.send_batch;
  ps.ack_timeout = std::chrono::milliseconds(o.ack_timeout_ms);
  ps.retry_backoff_max = std::chrono::milliseconds(1000);
  Publisher publisher(connection, stream, ps);

  const std::string subject = TrackingSubject(o.name);
  std::string payload;
  std::string msg_id, position, key;
  uint64_t last_progress = 0;
  std::string last_error;
  for (uint64_t i = o.start; i < o.start + o.count; i++) {
    msg_id = o.name + ":" + std::to_string(i);
    position = std::to_string(i);
    key = "{\"id\":" + position + "}";
    payload = "{\"i\":" + position + ",\"pad\":\"" + std::string(o.payload_size, 'x') + "\"}";
    OutgoingMessage m;
    m.sequence = i;
    m.subject = subject;
    m.payload = payload;
    m.msg_id = msg_id;
    m.position = position;
    m.op = "c";
    m.table = "db.public.check";
    m.key = key;
    while (!publisher.Publish(m, std::chrono::milliseconds(500))) {
      if (Clock::now() > deadline) break;
    }
    if (Clock::now() > deadline) break;
    if (publisher.LastError() != last_error) {
      last_error = publisher.LastError();
      std::fprintf(stderr, "retrying: %s\n", last_error.c_str());
    }
    if (o.progress_every > 0 && i - last_progress >= o.progress_every) {
      last_progress = i;
      std::fprintf(stderr, "progress taken=%llu watermark=%llu in_flight=%zu retries=%llu\n",
                   static_cast<unsigned long long>(i),
                   static_cast<unsigned long long>(publisher.AckWatermark()), publisher.InFlight(),
                   static_cast<unsigned long long>(publisher.Retries()));
    }
  }
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  bool flushed = publisher.Flush(std::max(left, std::chrono::milliseconds(0)));
  const uint64_t last = o.start + o.count - 1;
  nlohmann::json summary = {
      {"stream", stream},
      {"published", o.count},
      {"acked_watermark", publisher.AckWatermark()},
      {"all_acked", flushed && publisher.AckWatermark() == last},
      {"max_in_flight", o.max_in_flight},
      {"max_in_flight_observed", publisher.MaxInFlightObserved()},
      {"retries", publisher.Retries()},
      {"resent", publisher.Resent()},
      {"last_error", publisher.LastError()},
      {"seconds", std::chrono::duration<double>(Clock::now() - begin).count()}};
  std::cout << summary.dump() << std::endl;
  return summary["all_acked"].get<bool>() ? 0 : 1;
}

int RunControl(Connection& connection, const Options& o) {
  StatusReporter reporter(connection, o.name);
  TrackingStatus status;
  status.name = o.name;
  status.type = "postgres";
  status.state = TrackingState::kStreaming;
  status.position = "0/16B3748";
  status.events_total = 42;
  status.events_per_sec = 1.5;
  status.lag_ms = 12;
  status.last_event_at_ms = NowMs();
  SnapshotProgress progress;
  progress.current_table = "public.orders";
  progress.tables_done = 1;
  progress.tables_total = 2;
  progress.rows_done = 10;
  status.snapshot = progress;
  reporter.ReportAndWait(status);

  LogPublisher logger(&connection, o.name);
  logger.Log(LogLevel::kInfo, "control check", {{"events", 42}});
  natsConnection_FlushTimeout(connection.nc(), 2000);

  OffsetStore offsets(connection);
  uint64_t revision = offsets.Put(o.name, "mysql-bin.000003:1234");
  auto read_back = offsets.Get(o.name);
  auto missing = offsets.Get(o.name + "-missing");
  nlohmann::json out = {{"offset_revision", revision},
                        {"offset", read_back ? nlohmann::json(*read_back) : nlohmann::json(nullptr)},
                        {"missing_offset", missing ? nlohmann::json(*missing) : nlohmann::json(nullptr)}};
  std::cout << out.dump() << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"drive the NATS publisher of dbchangetracking"};
  app.add_option("--mode", o.mode, "publish | ensure | last-position | control")
      ->check(CLI::IsMember({"publish", "ensure", "last-position", "control"}));
  app.add_option("--url", o.url, "NATS url")->required();
  app.add_option("--name", o.name, "tracking name")->required();
  app.add_option("--count", o.count, "events to publish");
  app.add_option("--start", o.start, "first event number");
  app.add_option("--max-in-flight", o.max_in_flight, "bound of unacknowledged publishes");
  app.add_option("--send-batch", o.send_batch, "events held back to be sent together");
  app.add_option("--max-messages", o.max_messages, "stream max messages (-1: unlimited)");
  app.add_option("--storage", o.storage, "stream storage")->check(CLI::IsMember({"file", "memory"}));
  app.add_option("--duplicate-window-ms", o.duplicate_window_ms, "stream duplicate window");
  app.add_option("--ack-timeout-ms", o.ack_timeout_ms, "publish acknowledgement timeout");
  app.add_option("--timeout-s", o.timeout_s, "give up after this many seconds");
  app.add_option("--payload-size", o.payload_size, "padding bytes per event");
  app.add_option("--progress-every", o.progress_every, "events between progress lines");
  app.add_flag("--no-ensure", o.no_ensure, "do not create or update the stream");
  app.add_option("--user", o.user, "NATS user");
  app.add_option("--password", o.password, "NATS password");
  app.add_option("--token", o.token, "NATS token");
  app.add_option("--creds", o.creds, "NATS credentials file (.creds)");
  app.add_option("--tls-ca", o.tls_ca, "CA file to verify the NATS server");
  app.add_option("--tls-cert", o.tls_cert, "client certificate file");
  app.add_option("--tls-key", o.tls_key, "client key file");
  CLI11_PARSE(app, argc, argv);

  try {
    NatsSettings settings;
    settings.urls = {o.url};
    settings.name = "dbct_publish_check";
    settings.user = o.user;
    settings.password = o.password;
    settings.token = o.token;
    settings.credentials_file = o.creds;
    settings.tls_ca = o.tls_ca;
    settings.tls_cert = o.tls_cert;
    settings.tls_key = o.tls_key;
    settings.reconnect_wait_min = std::chrono::milliseconds(50);
    settings.reconnect_wait_max = std::chrono::milliseconds(500);
    settings.retry_on_failed_connect = o.mode == "publish";
    Connection connection(settings);
    if (!connection.WaitConnected(std::chrono::seconds(10))) {
      std::fprintf(stderr, "error: %s\n", connection.NotConnectedMessage().c_str());
      return 1;
    }
    if (o.mode == "publish") return RunPublish(connection, o);
    if (o.mode == "control") return RunControl(connection, o);
    if (o.mode == "ensure") {
      EnsureOutcome outcome = EnsureTrackingStream(connection, o.name, SettingsFrom(o));
      std::cout << nlohmann::json{{"outcome", OutcomeName(outcome)}}.dump() << std::endl;
      return 0;
    }
    auto last = ReadLastPosition(connection, o.name);
    nlohmann::json out = nlohmann::json::object();
    if (last) out = {{"position", last->position}, {"msg_id", last->msg_id}, {"stream_sequence", last->stream_sequence}};
    std::cout << out.dump() << std::endl;
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
