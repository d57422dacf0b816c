// dbct-sqlserver's settings, read from a checked DatabaseChangeTracking resource.
#ifndef DBCT_SQLSERVER_CONFIG_HPP
#define DBCT_SQLSERVER_CONFIG_HPP

#include <chrono>
#include <string>

#include "dbct/config/name_filter.hpp"
#include "dbct/config/resource.hpp"
#include "dbct/values/modes.hpp"

namespace dbct::sqlserver {

struct Config {
  std::string tracking;     // metadata.name
  std::string server_name;  // source.name
  std::string database;     // databaseDbname
  std::string host;
  int port = 1433;
  std::string user;
  std::string password;
  std::string odbc_driver = "FreeTDS";  // tdsodbc; "ODBC Driver 18 for SQL Server", "DSN=..."
  bool encrypt = true;
  bool trust_server_certificate = false;
  config::NameFilter tables;  // "schema.table"
  std::string snapshot_mode = "initial";
  std::chrono::milliseconds poll_interval{500};
  values::ValueModes modes;
  std::string skipped_operations = "t";
  bool provide_transaction_metadata = false;
  std::chrono::milliseconds heartbeat_interval{0};  // 0: no heartbeats
  size_t fetch_size = 2048;  // change rows read per capture instance and page
};

// Returns "" or the problem, in the words of the parameter to fix.
std::string ConfigFromResource(const config::Resource& resource, Config* out);

// The ODBC connection string for the configured driver (FreeTDS, Microsoft's driver, a DSN, or
// a full connection string given as odbcDriver).
std::string BuildConnectionString(const Config& config);

}  // namespace dbct::sqlserver

#endif  // DBCT_SQLSERVER_CONFIG_HPP
