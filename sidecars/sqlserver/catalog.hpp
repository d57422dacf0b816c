// What dbct-sqlserver reads from SQL Server's catalog: capture instances and their columns,
// LSN functions, and the prerequisites (CDC on the database and the tables, SQL Server Agent).
#ifndef DBCT_SQLSERVER_CATALOG_HPP
#define DBCT_SQLSERVER_CATALOG_HPP

#include <string>
#include <vector>

#include "change_table.hpp"
#include "config.hpp"
#include "odbc_connection.hpp"
#include "odbc_statement.hpp"

namespace dbct::sqlserver {

struct PrerequisiteReport {
  std::vector<std::string> problems;  // each one line: what is missing and how to fix it
  std::vector<std::string> warnings;
};

// Checks CDC on the database (sys.databases.is_cdc_enabled), SQL Server Agent
// (sys.dm_server_services), CDC on every included table (cdc.change_tables), and snapshot
// isolation when an initial snapshot is asked for. Fills `instances` with the capture
// instances of the included tables (stop LSNs assigned).
PrerequisiteReport CheckPrerequisites(odbc::Connection& connection, const Config& config,
                                      std::vector<CaptureInstance>* instances);

// The problems CheckPrerequisites names, each one line with the statement that fixes it (kept
// apart from the queries so they are unit-tested).
std::string DatabaseCdcProblem(const std::string& database);
std::string SnapshotIsolationProblem(const std::string& database, const std::string& snapshot_mode);
std::string AgentProblem(const std::string& status);  // status_desc of sys.dm_server_services
std::string TableCdcProblem(const std::string& schema, const std::string& table);

// The capture instances (with columns from their change tables) of the included tables.
std::vector<CaptureInstance> ReadCaptureInstances(odbc::Connection& connection, const config::NameFilter& tables);

Lsn MaxLsn(odbc::Connection& connection);                                  // sys.fn_cdc_get_max_lsn()
Lsn MinLsn(odbc::Connection& connection, const std::string& instance);     // sys.fn_cdc_get_min_lsn(...)
Lsn IncrementLsn(odbc::Connection& connection, const Lsn& lsn);            // sys.fn_cdc_increment_lsn(...)

// An ODBC cell as a SourceValue (dates and timestamps as SQL Server's text form).
odbc::SourceValue CellValue(odbc::Statement& statement, size_t column);

// [name] with ] doubled.
std::string QuoteName(const std::string& name);

}  // namespace dbct::sqlserver

#endif  // DBCT_SQLSERVER_CATALOG_HPP
