// The initial snapshot: each included table read with a flashback query AS OF SCN at one
// CURRENT_SCN; mining then starts there.
#ifndef DBCT_ORACLE_SNAPSHOT_SOURCE_HPP
#define DBCT_ORACLE_SNAPSHOT_SOURCE_HPP

#include <map>
#include <string>

#include "odbc_connection.hpp"
#include "oracle/change_emitter.hpp"

namespace dbct::oracle {

// Returns the SCN the snapshot was read at. Throws odbc::OdbcError, values::ValueError.
uint64_t RunSnapshot(odbc::Connection& connection, const std::map<std::string, OracleTable>& tables,
                     ChangeEmitter& emitter, const odbc::EventSink& sink);

}  // namespace dbct::oracle

#endif  // DBCT_ORACLE_SNAPSHOT_SOURCE_HPP
