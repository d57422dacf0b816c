// dbct-oracle: one Oracle tracking, mined with LogMiner over ODBC.
//
//   dbct-oracle --manifest FILE                      (also -f) track, publish to JetStream
//   dbct-oracle [--manifest FILE] --replay ROWS [--publish] [--event-time MS]
//       translate V$LOGMNR_CONTENTS rows from a JSON-lines file (docs/oracle.md) and print the
//       Debezium events, or publish them with --publish
//
// --metrics-addr HOST:PORT serves Prometheus metrics (GET /metrics); with --replay the process
// then stays up after the file is done (exit 0), until SIGTERM/SIGINT.
//
// Exit codes: 0 clean stop (SIGTERM/SIGINT) or replay done, 1 failure of the work (database,
// NATS, prerequisites), 2 bad usage, bad resource or bad replay file.
#include <CLI/CLI.hpp>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <cstdio>
#include <string>

#include "metrics.hpp"
#include "sidecar_main.hpp"
#include "oracle/config.hpp"
#include "oracle/connector.hpp"

int main(int argc, char** argv) {
  using namespace dbct;
  CLI::App app{"dbct-oracle: Oracle LogMiner to NATS JetStream, in Debezium's JSON format"};
  std::string manifest;
  oracle::ReplayOptions replay;
  int64_t event_time = -1;
  std::string name = "replay";
  std::string database;
  std::string metrics_addr;
  app.add_option("-f,--manifest", manifest, "resource file (kind DatabaseChangeTracking, type oracle)");
  app.add_option("--replay", replay.file, "read V$LOGMNR_CONTENTS rows from this JSON-lines file instead of a server");
  app.add_flag("--publish", replay.publish, "with --replay: publish the events to JetStream instead of printing them");
  app.add_option("--event-time", event_time, "with --replay: envelope ts_ms to write (default: now)");
  app.add_option("--name", name, "with --replay and no manifest: the tracking name (source.name)");
  app.add_option("--database", database, "with --replay and no manifest: source.db");
  app.add_option("--metrics-addr", metrics_addr, "serve Prometheus metrics on HOST:PORT (GET /metrics)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : odbc::kExitBadInput;
  }
  if (manifest.empty() && replay.file.empty()) {
    std::fprintf(stderr, "ERROR: --manifest is required (or --replay FILE to translate LogMiner rows from a file)\n");
    return odbc::kExitBadInput;
  }
  if (replay.file.empty() && (replay.publish || event_time >= 0)) {
    std::fprintf(stderr, "ERROR: --publish and --event-time go with --replay\n");
    return odbc::kExitBadInput;
  }
  if (event_time >= 0) replay.event_time_ms = event_time;

  oracle::Config config;
  odbc::RuntimeSettings runtime;
  if (!manifest.empty()) {
    auto resource = odbc::LoadOneResource(manifest, config::SourceType::kOracle, "dbct-oracle");
    if (!resource) return odbc::kExitBadInput;
    const std::string problem = oracle::ConfigFromResource(*resource, &config);
    if (!problem.empty()) {
      std::fprintf(stderr, "ERROR: resource \"%s\": %s\n", resource->name.c_str(), problem.c_str());
      return odbc::kExitBadInput;
    }
    runtime = odbc::RuntimeSettingsFromResource(*resource, "dbct-oracle");
  } else {
    config.tracking = config.server_name = runtime.tracking = name;
    config.database = database;
    runtime.type = "oracle";
  }

  std::atomic<bool> stop{false};
  sidecar::Metrics metrics(runtime.tracking);
  std::unique_ptr<sidecar::MetricsServer> metrics_server;
  if (!metrics_addr.empty()) {
    try {
      metrics_server = std::make_unique<sidecar::MetricsServer>(metrics_addr, [&] { return metrics.PrometheusText(); });
    } catch (const std::runtime_error& e) {
      std::fprintf(stderr, "ERROR: %s\n", e.what());
      return 1;
    }
    runtime.metrics = &metrics;
  }
  if (replay.file.empty() || metrics_server) odbc::InstallStopHandlers(&stop);

  if (!replay.file.empty()) {
    const int code = oracle::RunReplay(config, runtime, replay);
    if (metrics_server && code == 0) sidecar::WaitForStop(stop);
    return code;
  }
  return oracle::RunConnector(config, runtime, stop);
}
