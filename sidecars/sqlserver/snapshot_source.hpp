// The initial snapshot: every included table read in one transaction under snapshot isolation,
// at a known sys.fn_cdc_get_max_lsn(); streaming then starts after that LSN.
#ifndef DBCT_SQLSERVER_SNAPSHOT_SOURCE_HPP
#define DBCT_SQLSERVER_SNAPSHOT_SOURCE_HPP

#include <optional>
#include <vector>

#include "change_emitter.hpp"
#include "odbc_connection.hpp"

namespace dbct::sqlserver {

// Reads the tables of the newest capture instance of each included table; returns the LSN
// streaming starts after: the max LSN the snapshot was read at, or `stream_after` when given.
//
// Restart rule: a snapshot interrupted before its last row is taken again from the start, at a
// new max LSN, but streaming then starts after the LSN of the first attempt (`stream_after`,
// kept in the snapshot rows' Dbct-Position), so changes made between the two attempts
// (deletes too) are published after the snapshot. Rows already published unchanged carry the
// same Nats-Msg-Id and are dropped by JetStream within its duplicate window.
// Throws odbc::OdbcError.
Lsn RunSnapshot(odbc::Connection& connection, const std::vector<CaptureInstance>& instances, ChangeEmitter& emitter,
                const odbc::EventSink& sink, std::optional<Lsn> stream_after = std::nullopt);

}  // namespace dbct::sqlserver

#endif  // DBCT_SQLSERVER_SNAPSHOT_SOURCE_HPP
