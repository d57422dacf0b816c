// dbct-mysql: one MySQL/MariaDB tracking, read from the binlog as a replica.
//
//   dbct-mysql --manifest FILE      (also -f)
//
// --metrics-addr HOST:PORT serves Prometheus metrics (GET /metrics). Exit codes
// (sidecars/common/sidecar_main.hpp): 0 clean stop (SIGTERM/SIGINT or a stop request), 1 failure
// of the work (database, NATS, prerequisites), 2 bad usage or bad resource (also an include list
// entry naming nothing).
#include <string>

#include "binlog_connector.hpp"
#include "dbct/values/modes.hpp"
#include "sidecar_main.hpp"
#include "sidecar_runtime.hpp"

namespace {

// Builds the connector's settings from a checked resource. Returns "" or the problem.
std::string MakeConfig(const dbct::config::Resource& r, dbct::binlog::ConnectorConfig* c) {
  using namespace dbct;
  c->tracking = r.name;
  c->server_name = r.SourceName();
  c->mysql.host = r.Parameter("databaseHostname");
  c->mysql.port = static_cast<unsigned int>(r.IntParameter("databasePort", 3306));
  c->mysql.user = r.Parameter("databaseUser");
  c->mysql.password = r.Parameter("databasePassword");
  c->mysql.ssl_mode = binlog::ParseSslMode(r.Parameter("databaseSslMode", "preferred"));
  c->replica_server_id = r.parameters.Contains("databaseServerId")
                             ? static_cast<uint32_t>(r.IntParameter("databaseServerId"))
                             : binlog::DefaultReplicaServerId(r.name);
  std::string error;
  auto filter = [&](const char* family, config::NameFilter* out) {
    const std::string include = r.Parameter(std::string(family) + "IncludeList");
    const std::string exclude = r.Parameter(std::string(family) + "ExcludeList");
    auto f = config::NameFilter::Create(include, exclude, &error);
    if (!f) return false;
    *out = std::move(*f);
    return true;
  };
  if (!filter("database", &c->databases) || !filter("table", &c->tables) ||
      !filter("column", &c->columns)) {
    return error;
  }
  try {
    c->modes = values::ValueModes{};
    c->modes.decimal = values::ParseDecimalMode(r.Parameter("decimalHandlingMode", "precise"));
    c->modes.time_precision =
        values::ParseTimePrecisionMode(r.Parameter("timePrecisionMode", "adaptive_time_microseconds"));
    c->modes.binary = values::ParseBinaryMode(r.Parameter("binaryHandlingMode", "bytes"));
    c->modes.bigint_unsigned =
        values::ParseBigintUnsignedMode(r.Parameter("bigintUnsignedHandlingMode", "long"));
  } catch (const values::ValueError& e) {
    return e.what();
  }
  c->snapshot_mode = r.Parameter("snapshotMode", "initial");
  std::string skipped = r.Parameter("skippedOperations", "t");
  c->skipped_operations = skipped == "none" ? "" : skipped;
  c->provide_transaction_metadata = r.BoolParameter("provideTransactionMetadata", false);
  c->heartbeat_interval = std::chrono::milliseconds(r.IntParameter("heartbeatIntervalMs", 0));
  c->runtime = sidecar::RuntimeSettingsFromResource(r, "dbct-mysql");
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace dbct;
  sidecar::CommandLine cli("dbct-mysql", config::SourceType::kMySql,
                           "dbct-mysql: MySQL/MariaDB binlog to NATS JetStream, in Debezium's JSON format");
  cli.RequireManifest();
  if (auto code = cli.Parse(argc, argv)) return *code;
  const auto resource = cli.LoadResource();
  if (!resource) return sidecar::kExitBadInput;
  binlog::ConnectorConfig config;
  const std::string problem = MakeConfig(*resource, &config);
  if (!problem.empty()) return sidecar::BadInput("resource \"" + resource->name + "\": " + problem);

  sidecar::Telemetry telemetry(config.tracking, "mysql");
  sidecar::Modes modes;
  modes.live = [&](sidecar::Telemetry& t, std::atomic<bool>& stop) { return binlog::RunConnector(config, t, stop); };
  return sidecar::RunSidecar(cli.options, telemetry, modes);
}
