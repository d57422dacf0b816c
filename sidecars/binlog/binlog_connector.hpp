// The streaming side of dbct-mysql: binlog events -> Debezium change events -> JetStream,
// with exactly-once resume from the stream's last Dbct-Position.
//
// Flow (one direction): BinlogStream (raw events) -> EventDecoder -> transaction/position
// tracking -> RowsReader + value writer -> envelope -> nats::Publisher -> ack watermark ->
// offsets bucket. A retriable database error reconnects and resumes from the position of the
// last event handed to the publisher (the publisher keeps and resends what it has taken).
#ifndef DBCT_BINLOG_BINLOG_CONNECTOR_HPP
#define DBCT_BINLOG_BINLOG_CONNECTOR_HPP

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "dbct/config/name_filter.hpp"
#include "dbct/values/modes.hpp"
#include "mysql_client.hpp"
#include "sidecar_runtime.hpp"
#include "telemetry.hpp"

namespace dbct::binlog {

struct ConnectorConfig {
  std::string tracking;     // metadata.name: stream, subject, Nats-Msg-Id prefix
  std::string server_name;  // databaseServerName: source.name
  MysqlSettings mysql;
  uint32_t replica_server_id = 0;
  config::NameFilter databases;
  config::NameFilter tables;   // "db.table"
  config::NameFilter columns;  // "db.table.column"
  values::ValueModes modes;
  std::string snapshot_mode = "initial";
  std::string skipped_operations = "t";
  sidecar::RuntimeSettings runtime;  // NATS and the stream
  bool provide_transaction_metadata = false;
  std::chrono::milliseconds heartbeat_interval{0};  // 0: no heartbeats
};

// The replica server id when databaseServerId is not given: stable for a tracking name
// (FNV-1a of the name), in 5400..4294967295 so it stays clear of the usual small ids.
uint32_t DefaultReplicaServerId(const std::string& tracking_name);

// Runs until `stop` is set by a signal or a stop request (clean stop: in-flight publishes
// finished, exit code 0) or a fatal error (message on stderr, exit code 1; 2 when an include list
// entry names nothing). Logs, status and metrics go through `telemetry`.
int RunConnector(const ConnectorConfig& config, sidecar::Telemetry& telemetry, std::atomic<bool>& stop);

}  // namespace dbct::binlog

#endif  // DBCT_BINLOG_BINLOG_CONNECTOR_HPP
