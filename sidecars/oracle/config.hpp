// dbct-oracle's settings, read from a checked DatabaseChangeTracking resource.
#ifndef DBCT_ORACLE_CONFIG_HPP
#define DBCT_ORACLE_CONFIG_HPP

#include <chrono>
#include <string>

#include "dbct/config/name_filter.hpp"
#include "dbct/config/resource.hpp"
#include "oracle/column_type.hpp"

namespace dbct::oracle {

struct Config {
  std::string tracking;
  std::string server_name;
  std::string database;  // databaseDbname: the service name
  std::string pdb;       // databasePdbName
  std::string host;
  int port = 1521;
  std::string user;
  std::string password;
  std::string odbc_driver = "Oracle 21 ODBC driver";  // Oracle Instant Client's registered name
  config::NameFilter schemas;
  config::NameFilter tables;  // "SCHEMA.TABLE"
  std::string snapshot_mode = "initial";
  std::string log_mining_strategy = "online_catalog";
  std::chrono::milliseconds poll_interval{1000};
  WriteOptions values;
  std::string skipped_operations = "t";
  bool provide_transaction_metadata = false;
  std::chrono::milliseconds heartbeat_interval{0};  // 0: no heartbeats
  size_t buffer_memory_limit = size_t{256} << 20;   // logMiningBufferMemoryMb

  std::string SourceDb() const { return pdb.empty() ? database : pdb; }
};

std::string ConfigFromResource(const config::Resource& resource, Config* out);

// Oracle's ODBC driver: DBQ=//host:port/service (the PDB's service when databasePdbName is set).
std::string BuildConnectionString(const Config& config);

}  // namespace dbct::oracle

#endif  // DBCT_ORACLE_CONFIG_HPP
