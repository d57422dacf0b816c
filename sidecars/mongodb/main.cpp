// dbct-mongodb: one MongoDB tracking, read from change streams.
//
//   dbct-mongodb --manifest FILE                      (also -f) live capture to NATS
//   dbct-mongodb --replay FILE [--manifest FILE] [--publish] [--event-time-ms MS]
//                                                     change-stream documents from a file
//
// --metrics-addr HOST:PORT serves Prometheus metrics (GET /metrics); with --replay the process
// then stays up after the file is done (exit 0), until SIGTERM/SIGINT.
//
// Exit codes: 0 clean stop (SIGTERM/SIGINT) or replay done, 1 failure of the work (MongoDB,
// NATS, prerequisites), 2 bad usage or bad input.
#include <CLI/CLI.hpp>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

#include "dbct/config/loader.hpp"
#include "metrics.hpp"
#include "mongodb_connector.hpp"

#ifndef DBCT_VERSION
#define DBCT_VERSION "0.0.0"
#endif

namespace {

std::atomic<bool> g_stop{false};

void OnSignal(int) { g_stop.store(true); }

constexpr int kExitBadInput = 2;

int BadInput(const std::string& message) {
  std::fprintf(stderr, "ERROR: %s\n", message.c_str());
  return kExitBadInput;
}

// Builds the connector's settings from a checked resource. Returns "" or the problem.
std::string MakeConfig(const dbct::config::Resource& r, dbct::mongodb::ConnectorConfig* c) {
  using namespace dbct;
  c->tracking = r.name;
  c->source.connection_string = r.Parameter("mongodbConnectionString");
  if (c->source.connection_string.empty()) {
    return "mongodbConnectionString is empty: give a mongodb:// or mongodb+srv:// connection string";
  }
  c->translator.server_name = r.SourceName();
  std::string error;
  auto db = config::NameFilter::Create(r.Parameter("databaseIncludeList"), r.Parameter("databaseExcludeList"), &error);
  if (!db) return error;
  auto coll =
      config::NameFilter::Create(r.Parameter("collectionIncludeList"), r.Parameter("collectionExcludeList"), &error);
  if (!coll) return error;
  c->translator.databases = std::move(*db);
  c->translator.collections = std::move(*coll);
  c->capture_mode = r.Parameter("captureMode", "change_streams_update_full");
  c->snapshot_mode = r.Parameter("snapshotMode", "initial");
  const std::string skipped = r.Parameter("skippedOperations", "t");
  c->translator.skipped_operations = skipped == "none" ? "" : skipped;
  c->translator.provide_transaction_metadata = r.BoolParameter("provideTransactionMetadata", false);
  c->heartbeat_interval = std::chrono::milliseconds(r.IntParameter("heartbeatIntervalMs", 0));
  if (!r.nats.url.empty()) c->nats.urls = {r.nats.url};
  c->nats.user = r.nats.user;
  c->nats.password = r.nats.password;
  c->nats.token = r.nats.token;
  c->nats.credentials_file = r.nats.credentials;
  c->nats.tls_ca = r.nats.tls.ca;
  c->nats.tls_cert = r.nats.tls.cert;
  c->nats.tls_key = r.nats.tls.key;
  c->nats.name = "dbct-mongodb " + r.name;
  c->stream.max_messages = r.nats.stream.max_messages;
  c->stream.max_bytes = r.nats.stream.max_bytes;
  c->stream.max_age = r.nats.stream.max_age;
  c->stream.storage = r.nats.stream.storage == config::StorageType::kMemory ? nats::StorageType::kMemory
                                                                           : nats::StorageType::kFile;
  c->stream.replicas = r.nats.stream.replicas;
  c->stream.duplicate_window = r.nats.stream.duplicate_window;
  c->confirm_delay = std::chrono::duration_cast<std::chrono::milliseconds>(r.nats.confirm_delay);
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"dbct-mongodb: MongoDB change streams to NATS JetStream, in Debezium's JSON format"};
  std::string manifest;
  std::string replay;
  std::string name = "mongodb";
  bool publish = false;
  int64_t event_time_ms = -1;
  std::string metrics_addr;
  app.add_option("-f,--manifest", manifest, "resource file (kind DatabaseChangeTracking, type mongodb)");
  app.add_option("--replay", replay,
                 "read change-stream documents (Extended JSON, one per line; - for stdin) instead of "
                 "a server and print the events");
  app.add_flag("--publish", publish, "with --replay: publish the events to NATS instead of printing them");
  app.add_option("--name", name, "with --replay and no --manifest: the tracking name (source.name)");
  app.add_option("--event-time-ms", event_time_ms,
                 "with --replay: use this envelope ts_ms instead of the clock (comparable output)");
  app.add_option("--metrics-addr", metrics_addr, "serve Prometheus metrics on HOST:PORT (GET /metrics)");
  app.set_version_flag("--version", DBCT_VERSION);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kExitBadInput;
  }
  if (manifest.empty() && replay.empty()) return BadInput("give --manifest FILE (or --replay FILE); see --help");
  if (publish && replay.empty()) return BadInput("--publish only goes with --replay");

  dbct::mongodb::ConnectorConfig config;
  config.translator.version = DBCT_VERSION;
  if (!manifest.empty()) {
    const auto loaded = dbct::config::LoadResources({manifest});
    if (!loaded.ok()) {
      for (const auto& p : loaded.problems) {
        std::fprintf(stderr, "ERROR: %s\n", dbct::config::FormatProblem(p).c_str());
      }
      return kExitBadInput;
    }
    const dbct::config::Resource* resource = nullptr;
    for (const auto& r : loaded.resources) {
      if (r.type != dbct::config::SourceType::kMongoDb) continue;
      if (resource != nullptr) {
        return BadInput(manifest + " holds more than one mongodb resource: dbct-mongodb runs one; "
                        "use dbct run for several");
      }
      resource = &r;
    }
    if (resource == nullptr) return BadInput(manifest + " holds no resource of type mongodb");
    const std::string problem = MakeConfig(*resource, &config);
    if (!problem.empty()) return BadInput("resource \"" + resource->name + "\": " + problem);
  } else {
    const std::string problem = dbct::config::CheckResourceName(name);
    if (!problem.empty()) return BadInput("--name: " + problem);
    config.tracking = name;
    config.translator.server_name = name;
    config.nats.name = "dbct-mongodb " + name;
  }

  dbct::sidecar::Metrics metrics(config.tracking);
  std::unique_ptr<dbct::sidecar::MetricsServer> metrics_server;
  if (!metrics_addr.empty()) {
    try {
      metrics_server =
          std::make_unique<dbct::sidecar::MetricsServer>(metrics_addr, [&] { return metrics.PrometheusText(); });
    } catch (const std::runtime_error& e) {
      std::fprintf(stderr, "ERROR: %s\n", e.what());
      return 1;
    }
    config.metrics = &metrics;
  }

  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  if (!replay.empty()) {
    dbct::mongodb::ReplayOptions options;
    options.file = replay;
    options.publish = publish;
    if (event_time_ms >= 0) options.event_time_ms = event_time_ms;
    const int code = dbct::mongodb::RunReplay(config, options, g_stop);
    if (metrics_server && code == 0) dbct::sidecar::WaitForStop(g_stop);
    return code;
  }
  return dbct::mongodb::RunConnector(config, g_stop);
}
