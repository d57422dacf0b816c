// The initial snapshot (snapshotMode initial): a consistent read of every included table,
// emitted as op "r" events, and the binlog position that read is consistent with, where
// streaming starts.
//
// Consistency: on MariaDB, START TRANSACTION WITH CONSISTENT SNAPSHOT makes the status
// variables binlog_snapshot_file / binlog_snapshot_position show the binlog position of that
// very snapshot, without any lock. On MySQL (no such variables) it is the classic sequence:
// FLUSH TABLES WITH READ LOCK, START TRANSACTION WITH CONSISTENT SNAPSHOT, SHOW MASTER
// STATUS, UNLOCK TABLES (a short global read lock; needs RELOAD).
//
// Rows are read in primary-key order with mysql_use_result (streamed, never all in memory) and
// written by WriteTextColumnValue, which gives the same JSON as the binlog path. Each row's
// position is "snapshot:<file>:<pos>:<table index>:<row>" (SnapshotPosition).
//
// Restart mid-snapshot: the stream's last event names the table and key it stopped at. A new
// consistent snapshot is taken; tables before that one are done, that table continues after
// the key (WHERE (pk) > (key) ORDER BY pk), later tables are read whole; streaming then starts
// from the ORIGINAL snapshot's position. So no row is read twice, and changes committed
// between the two snapshots arrive from the binlog (a row read in the second snapshot can be
// followed by such an older change of it; the row's final state is still right). Continuing
// needs an integer or character primary key; other tables (other key types, no key) are read
// again from their first row, which the log says.
#ifndef DBCT_BINLOG_SNAPSHOT_SOURCE_HPP
#define DBCT_BINLOG_SNAPSHOT_SOURCE_HPP

#include <atomic>
#include <optional>

#include "binlog_connector.hpp"
#include "binlog_position.hpp"
#include "change_emitter.hpp"
#include "prerequisites.hpp"
#include "schema_history.hpp"
#include "telemetry.hpp"

namespace dbct::binlog {

// Where a snapshot stopped: its position and the table and key of its last event.
struct SnapshotResume {
  SnapshotPosition position;
  std::string table;  // "db.table"
  std::string key;    // Dbct-Key JSON
};

class SnapshotSource {
 public:
  // `history`: the schema history to start from the tables the snapshot reads (at the
  // snapshot's position, before any row), or null when it is not kept.
  SnapshotSource(const ConnectorConfig& config, const ServerFacts& facts, ChangeEmitter& emitter,
                 sidecar::Telemetry& telemetry, const std::atomic<bool>& stop, SchemaHistory* history);

  // Reads the snapshot (or its rest). Returns the binlog position to stream from, nullopt
  // when stopped. Throws SourceError (retriable when the connection was lost).
  std::optional<BinlogPosition> Run(const std::optional<SnapshotResume>& resume);

 private:
  const ConnectorConfig& config_;
  const ServerFacts& facts_;
  ChangeEmitter& emitter_;
  sidecar::Telemetry& telemetry_;
  const std::atomic<bool>& stop_;
  SchemaHistory* history_;
};

}  // namespace dbct::binlog

#endif  // DBCT_BINLOG_SNAPSHOT_SOURCE_HPP
