// dbct-oracle's two ways to run: live (LogMiner over ODBC, snapshot then mining, publishing to
// JetStream) and replay (V$LOGMNR_CONTENTS rows from a file through the same buffer and emitter).
#ifndef DBCT_ORACLE_CONNECTOR_HPP
#define DBCT_ORACLE_CONNECTOR_HPP

#include <atomic>
#include <optional>
#include <string>

#include "oracle/config.hpp"
#include "sidecar_runtime.hpp"
#include "telemetry.hpp"

namespace dbct::oracle {

// Logs and status go through `telemetry`; a stop request on the control subject sets `stop`.
int RunConnector(const Config& config, const sidecar::RuntimeSettings& runtime, sidecar::Telemetry& telemetry,
                 std::atomic<bool>& stop);

struct ReplayOptions {
  std::string file;
  bool publish = false;
  std::optional<int64_t> event_time_ms;
};

int RunReplay(const Config& config, const sidecar::RuntimeSettings& runtime, sidecar::Telemetry& telemetry,
              const ReplayOptions& options);

}  // namespace dbct::oracle

#endif  // DBCT_ORACLE_CONNECTOR_HPP
