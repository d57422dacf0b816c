// The main of dbct-sqlserver and dbct-oracle, on the sidecars' common main helper
// (sidecars/common/sidecar_main.hpp):
//
//   dbct-X --manifest FILE                      (also -f) track, publish to JetStream
//   dbct-X [--manifest FILE] --replay ROWS [--publish] [--event-time MS]
//       translate rows from a JSON-lines file and print the Debezium events, or publish them
//
// --metrics-addr HOST:PORT serves Prometheus metrics (GET /metrics); with --replay the process
// then stays up after the file is done (exit 0), until SIGTERM/SIGINT. Exit codes as in
// sidecar_main.hpp.
#ifndef DBCT_ODBC_ODBC_MAIN_HPP
#define DBCT_ODBC_ODBC_MAIN_HPP

#include <atomic>
#include <string>

#include "dbct/config/resource.hpp"
#include "sidecar_main.hpp"
#include "sidecar_runtime.hpp"
#include "telemetry.hpp"

namespace dbct::odbc {

struct ProgramTexts {
  std::string program;      // "dbct-oracle"
  std::string description;  // --help's first line
  std::string replay_rows;  // what a replay file holds: "V$LOGMNR_CONTENTS rows"
  std::string replay_kind;  // for "--replay FILE to translate <kind> from a file": "LogMiner rows"
};

// What one ODBC sidecar brings: its Config (tracking, server_name, database), ReplayOptions
// (file, publish, event_time_ms) and these functions.
template <typename Config, typename ReplayOptions>
struct Source {
  config::SourceType type;
  std::string (*config_from_resource)(const config::Resource&, Config*);
  int (*run_connector)(const Config&, const sidecar::RuntimeSettings&, sidecar::Telemetry&, std::atomic<bool>&);
  int (*run_replay)(const Config&, const sidecar::RuntimeSettings&, sidecar::Telemetry&, const ReplayOptions&);
};

template <typename Config, typename ReplayOptions>
int RunOdbcSidecar(const ProgramTexts& texts, const Source<Config, ReplayOptions>& source, int argc, char** argv) {
  sidecar::CommandLine cli(texts.program, source.type, texts.description);
  cli.AddReplayOptions({"read " + texts.replay_rows + " from this JSON-lines file instead of a server",
                        "--event-time", "replay"});
  std::string database;
  cli.app().add_option("--database", database, "with --replay and no manifest: source.db");
  if (auto code = cli.Parse(argc, argv)) return *code;
  const sidecar::CommonOptions& o = cli.options;
  if (o.manifest.empty() && o.replay.empty()) {
    return sidecar::BadInput("--manifest is required (or --replay FILE to translate " + texts.replay_kind +
                             " from a file)");
  }
  if (o.replay.empty() && (o.publish || o.event_time_ms >= 0)) {
    return sidecar::BadInput("--publish and --event-time go with --replay");
  }

  Config config;
  sidecar::RuntimeSettings runtime;
  if (!o.manifest.empty()) {
    auto resource = cli.LoadResource();
    if (!resource) return sidecar::kExitBadInput;
    const std::string problem = source.config_from_resource(*resource, &config);
    if (!problem.empty()) return sidecar::BadInput("resource \"" + resource->name + "\": " + problem);
    runtime = sidecar::RuntimeSettingsFromResource(*resource, texts.program);
  } else {
    config.tracking = config.server_name = runtime.tracking = o.name;
    config.database = database;
    runtime.type = std::string(config::SourceTypeName(source.type));
  }
  ReplayOptions replay;
  replay.file = o.replay;
  replay.publish = o.publish;
  if (o.event_time_ms >= 0) replay.event_time_ms = o.event_time_ms;

  sidecar::Telemetry telemetry(runtime.tracking, runtime.type);
  sidecar::Modes modes;
  modes.live = [&](sidecar::Telemetry& t, std::atomic<bool>& stop) {
    return source.run_connector(config, runtime, t, stop);
  };
  modes.replay = [&](sidecar::Telemetry& t, std::atomic<bool>&) { return source.run_replay(config, runtime, t, replay); };
  return sidecar::RunSidecar(o, telemetry, modes);
}

}  // namespace dbct::odbc

#endif  // DBCT_ODBC_ODBC_MAIN_HPP
