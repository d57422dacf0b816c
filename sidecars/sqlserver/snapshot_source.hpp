// The initial snapshot: every included table read in one transaction under snapshot isolation,
// at a known sys.fn_cdc_get_max_lsn(); streaming then starts after that LSN.
#ifndef DBCT_SQLSERVER_SNAPSHOT_SOURCE_HPP
#define DBCT_SQLSERVER_SNAPSHOT_SOURCE_HPP

#include <vector>

#include "change_emitter.hpp"
#include "odbc_connection.hpp"

namespace dbct::sqlserver {

// Reads the tables of the newest capture instance of each included table; returns the max LSN
// the snapshot was read at. Throws odbc::OdbcError.
Lsn RunSnapshot(odbc::Connection& connection, const std::vector<CaptureInstance>& instances, ChangeEmitter& emitter,
                const odbc::EventSink& sink);

}  // namespace dbct::sqlserver

#endif  // DBCT_SQLSERVER_SNAPSHOT_SOURCE_HPP
