// dbct-sqlserver's two ways to run: live (ODBC to SQL Server, snapshot then polling, publishing
// to JetStream) and replay (change rows from a file, same emitter, to stdout or JetStream).
#ifndef DBCT_SQLSERVER_CONNECTOR_HPP
#define DBCT_SQLSERVER_CONNECTOR_HPP

#include <atomic>
#include <optional>
#include <string>

#include "config.hpp"
#include "sidecar_runtime.hpp"
#include "telemetry.hpp"

namespace dbct::sqlserver {

// Exit codes: 0 stopped cleanly, 1 failure of the work (database, NATS, prerequisites).
// Logs and status go through `telemetry`; a stop request on the control subject sets `stop`.
int RunConnector(const Config& config, const sidecar::RuntimeSettings& runtime, sidecar::Telemetry& telemetry,
                 std::atomic<bool>& stop);

struct ReplayOptions {
  std::string file;
  bool publish = false;                 // to JetStream instead of stdout
  std::optional<int64_t> event_time_ms;  // fixed envelope ts_ms (tests)
};

// Exit codes: 0 done, 1 NATS failure, 2 bad replay file or bad value.
int RunReplay(const Config& config, const sidecar::RuntimeSettings& runtime, sidecar::Telemetry& telemetry,
              const ReplayOptions& options);

}  // namespace dbct::sqlserver

#endif  // DBCT_SQLSERVER_CONNECTOR_HPP
