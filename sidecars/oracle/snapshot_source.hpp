// The initial snapshot: each included table read with a flashback query AS OF SCN at one
// CURRENT_SCN; mining then starts there.
#ifndef DBCT_ORACLE_SNAPSHOT_SOURCE_HPP
#define DBCT_ORACLE_SNAPSHOT_SOURCE_HPP

#include <map>
#include <optional>
#include <string>

#include "odbc_connection.hpp"
#include "oracle/change_emitter.hpp"

namespace dbct::oracle {

// Returns the SCN mining starts after: the one the snapshot was read at, or `stream_after`.
//
// Restart rule (as dbct-sqlserver's): a snapshot interrupted before its last row is taken again
// from the start at a new CURRENT_SCN, but mining then starts after the first attempt's SCN
// (kept in the snapshot rows' Dbct-Position), so transactions committed between the two
// attempts, deletes too, are published after it; rows already published unchanged have the same
// Nats-Msg-Id and JetStream drops them within its duplicate window.
// Throws odbc::OdbcError, values::ValueError.
uint64_t RunSnapshot(odbc::Connection& connection, const std::map<std::string, OracleTable>& tables,
                     ChangeEmitter& emitter, const odbc::EventSink& sink,
                     std::optional<uint64_t> stream_after = std::nullopt);

}  // namespace dbct::oracle

#endif  // DBCT_ORACLE_SNAPSHOT_SOURCE_HPP
