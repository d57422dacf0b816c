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

uint64_t CurrentScn(odbc::Connection& connection);

// Sets the session's NLS formats to the ones SQL_REDO parsing and snapshots expect.
void SetSessionFormats(odbc::Connection& connection);

}  // namespace dbct::oracle

#endif  // DBCT_ORACLE_CATALOG_HPP
