// dbct-mysql: one MySQL/MariaDB tracking, read from the binlog as a replica.
//
//   dbct-mysql --manifest FILE      (also -f)
//
// Exit codes: 0 clean stop (SIGTERM/SIGINT), 1 failure of the work (database, NATS,
// prerequisites), 2 bad usage or bad resource (also an include list entry naming nothing).
#include <CLI/CLI.hpp>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <string>

#include "binlog_connector.hpp"
#include "dbct/config/loader.hpp"
#include "dbct/values/modes.hpp"

namespace {

std::atomic<bool> g_stop{false};

void OnSignal(int) { g_stop.store(true); }

constexpr int kExitBadInput = 2;

int BadInput(const std::string& message) {
  std::fprintf(stderr, "ERROR: %s\n", message.c_str());
  return kExitBadInput;
}

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
  if (!r.nats.url.empty()) c->nats.urls = {r.nats.url};
  c->nats.user = r.nats.user;
  c->nats.password = r.nats.password;
  c->nats.token = r.nats.token;
  c->nats.credentials_file = r.nats.credentials;
  c->nats.tls_ca = r.nats.tls.ca;
  c->nats.tls_cert = r.nats.tls.cert;
  c->nats.tls_key = r.nats.tls.key;
  c->nats.name = "dbct-mysql " + r.name;
  c->stream.max_messages = r.nats.stream.max_messages;
  c->stream.max_bytes = r.nats.stream.max_bytes;
  c->stream.max_age = r.nats.stream.max_age;
  c->stream.storage = r.nats.stream.storage == config::StorageType::kMemory ? nats::StorageType::kMemory
                                                                           : nats::StorageType::kFile;
  c->stream.replicas = r.nats.stream.replicas;
  c->stream.duplicate_window = r.nats.stream.duplicate_window;
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"dbct-mysql: MySQL/MariaDB binlog to NATS JetStream, in Debezium's JSON format"};
  std::string manifest;
  app.add_option("-f,--manifest", manifest, "resource file (kind DatabaseChangeTracking, type mysql)")
      ->required();
  std::string metrics_addr;
  app.add_option("--metrics-addr", metrics_addr, "serve Prometheus metrics on HOST:PORT (GET /metrics)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kExitBadInput;
  }

  const auto loaded = dbct::config::LoadResources({manifest});
  if (!loaded.ok()) {
    for (const auto& p : loaded.problems) {
      std::fprintf(stderr, "ERROR: %s\n", dbct::config::FormatProblem(p).c_str());
    }
    return kExitBadInput;
  }
  const dbct::config::Resource* resource = nullptr;
  for (const auto& r : loaded.resources) {
    if (r.type != dbct::config::SourceType::kMySql) continue;
    if (resource != nullptr) {
      return BadInput(manifest + " holds more than one mysql resource: dbct-mysql runs one; "
                      "use dbct run for several");
    }
    resource = &r;
  }
  if (resource == nullptr) return BadInput(manifest + " holds no resource of type mysql");

  dbct::binlog::ConnectorConfig config;
  const std::string problem = MakeConfig(*resource, &config);
  if (!problem.empty()) return BadInput("resource \"" + resource->name + "\": " + problem);
  config.metrics_addr = metrics_addr;

  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  return dbct::binlog::RunConnector(config, g_stop);
}
