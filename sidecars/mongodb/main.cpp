// dbct-mongodb: one MongoDB tracking, read from change streams.
//
//   dbct-mongodb --manifest FILE                      (also -f) live capture to NATS
//   dbct-mongodb --replay FILE [--manifest FILE] [--publish] [--event-time-ms MS]
//                                                     change-stream documents from a file
//
// --metrics-addr HOST:PORT serves Prometheus metrics (GET /metrics); with --replay the process
// then stays up after the file is done (exit 0), until SIGTERM/SIGINT.
//
// Exit codes: 0 clean stop (SIGTERM/SIGINT or a stop request) or replay done, 1 failure of the work (MongoDB,
// NATS, prerequisites), 2 bad usage or bad input.
#include <string>

#include "dbct/config/loader.hpp"
#include "mongodb_connector.hpp"
#include "sidecar_main.hpp"
#include "sidecar_runtime.hpp"

#ifndef DBCT_VERSION
#define DBCT_VERSION "0.0.0"
#endif

namespace {

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
  c->runtime = sidecar::RuntimeSettingsFromResource(r, "dbct-mongodb");
  c->confirm_delay = std::chrono::duration_cast<std::chrono::milliseconds>(r.nats.confirm_delay);
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace dbct;
  sidecar::CommandLine cli("dbct-mongodb", config::SourceType::kMongoDb,
                           "dbct-mongodb: MongoDB change streams to NATS JetStream, in Debezium's JSON format");
  cli.AddReplayOptions({"read change-stream documents (Extended JSON, one per line; - for stdin) instead of a "
                        "server and print the events",
                        "--event-time-ms", "mongodb"});
  if (auto code = cli.Parse(argc, argv)) return *code;
  const sidecar::CommonOptions& o = cli.options;
  if (o.manifest.empty() && o.replay.empty()) return sidecar::BadInput("give --manifest FILE (or --replay FILE); see --help");
  if (o.publish && o.replay.empty()) return sidecar::BadInput("--publish only goes with --replay");

  mongodb::ConnectorConfig config;
  config.translator.version = DBCT_VERSION;
  if (!o.manifest.empty()) {
    const auto resource = cli.LoadResource();
    if (!resource) return sidecar::kExitBadInput;
    const std::string problem = MakeConfig(*resource, &config);
    if (!problem.empty()) return sidecar::BadInput("resource \"" + resource->name + "\": " + problem);
  } else {
    const std::string problem = config::CheckResourceName(o.name);
    if (!problem.empty()) return sidecar::BadInput("--name: " + problem);
    config.tracking = o.name;
    config.translator.server_name = o.name;
    config.runtime.tracking = o.name;
    config.runtime.type = "mongodb";
    config.runtime.nats.name = "dbct-mongodb " + o.name;
  }

  sidecar::Telemetry telemetry(config.tracking, "mongodb");
  sidecar::Modes modes;
  modes.live = [&](sidecar::Telemetry& t, std::atomic<bool>& stop) { return mongodb::RunConnector(config, t, stop); };
  modes.replay = [&](sidecar::Telemetry& t, std::atomic<bool>& stop) {
    mongodb::ReplayOptions options;
    options.file = o.replay;
    options.publish = o.publish;
    if (o.event_time_ms >= 0) options.event_time_ms = o.event_time_ms;
    return mongodb::RunReplay(config, options, t, stop);
  };
  return sidecar::RunSidecar(o, telemetry, modes);
}
