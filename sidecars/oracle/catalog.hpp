// What dbct-oracle reads from Oracle: prerequisites, table metadata, the current SCN, and
// LogMiner sessions over the redo and archived logs.
#ifndef DBCT_ORACLE_CATALOG_HPP
#define DBCT_ORACLE_CATALOG_HPP

#include <map>
#include <string>
#include <vector>

#include "odbc_connection.hpp"
#include "oracle/change_emitter.hpp"
#include "oracle/config.hpp"

namespace dbct::oracle {

struct PrerequisiteReport {
  std::vector<std::string> problems;
  std::vector<std::string> warnings;
};

// ARCHIVELOG mode, minimal supplemental logging, ALL COLUMNS logging per included table (or
// for the database), and the LogMiner privileges (LOGMINING, SELECT ANY TRANSACTION, EXECUTE
// on DBMS_LOGMNR). Fills `tables` with the included tables' columns and primary keys.
PrerequisiteReport CheckPrerequisites(odbc::Connection& connection, const Config& config,
                                      std::map<std::string, OracleTable>* tables);

// The judgements of CheckPrerequisites on what the queries returned, one line per problem
// naming the statement that fixes it (kept apart from the queries so they are unit-tested).
// `log_mode` is V$DATABASE.LOG_MODE, `supplemental_min` SUPPLEMENTAL_LOG_DATA_MIN.
void JudgeDatabaseLogging(const std::string& log_mode, const std::string& supplemental_min,
                          std::vector<std::string>* problems);
// `privileges` from SESSION_PRIVS; `may_run_logminer` whether DBMS_LOGMNR is visible to the user.
void JudgePrivileges(const std::string& user, const std::vector<std::string>& privileges, bool may_run_logminer,
                     std::vector<std::string>* problems);
// A table without ALL COLUMNS supplemental logging (and none for the database).
std::string TableLoggingProblem(const std::string& table);

uint64_t CurrentScn(odbc::Connection& connection);

// Sets the session's NLS formats to the ones SQL_REDO parsing and snapshots expect.
void SetSessionFormats(odbc::Connection& connection);

}  // namespace dbct::oracle

#endif  // DBCT_ORACLE_CATALOG_HPP
