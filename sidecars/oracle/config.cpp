#include "oracle/config.hpp"

#include "connection_string.hpp"
#include "source_config.hpp"

namespace dbct::oracle {

std::string ConfigFromResource(const config::Resource& r, Config* c) {
  odbc::ReadServer(r, 1521, "Oracle 21 ODBC driver", c);
  c->database = r.Parameter("databaseDbname");
  c->pdb = r.Parameter("databasePdbName");
  std::string error;
  auto schemas = config::NameFilter::Create(r.Parameter("schemaIncludeList"), r.Parameter("schemaExcludeList"), &error);
  if (!schemas) return error;
  c->schemas = std::move(*schemas);
  auto tables = config::NameFilter::Create(r.Parameter("tableIncludeList"), r.Parameter("tableExcludeList"), &error);
  if (!tables) return error;
  c->tables = std::move(*tables);
  error = odbc::CheckNoColumnFilters(r, "oracle");
  if (error.empty()) error = odbc::ReadSnapshotMode(r, "oracle", &c->snapshot_mode);
  if (!error.empty()) return error;
  c->log_mining_strategy = r.Parameter("logMiningStrategy", "online_catalog");
  if (c->log_mining_strategy != "online_catalog") {
    return "logMiningStrategy " + c->log_mining_strategy + " is not implemented yet: use online_catalog";
  }
  error = odbc::ReadValueModes(r, true, &c->values.modes);
  if (!error.empty()) return error;
  odbc::ReadEventSettings(r, c);
  // As in Debezium, LOB columns are not mined by default: they carry the placeholder.
  if (r.BoolParameter("lobEnabled", false)) {
    return "lobEnabled: mining LOB columns is not supported yet: remove lobEnabled (CLOB, NCLOB and BLOB columns "
           "then carry unavailableValuePlaceholder)";
  }
  c->values.unavailable_placeholder = r.Parameter("unavailableValuePlaceholder", "__debezium_unavailable_value");
  const int64_t buffer_mb = r.IntParameter("logMiningBufferMemoryMb", 256);
  if (buffer_mb < 1) return "logMiningBufferMemoryMb must be at least 1 (is " + std::to_string(buffer_mb) + ")";
  c->buffer_memory_limit = static_cast<size_t>(buffer_mb) << 20;
  return "";
}

std::string BuildConnectionString(const Config& c) {
  return odbc::ConnectionStringFor(c.odbc_driver, c.user, c.password, [&](const odbc::DriverChoice& choice,
                                                                          odbc::ConnectionString& s) {
    if (choice.kind != odbc::DriverChoice::Kind::kDriver) return;
    s.Add("DBQ", "//" + c.host + ":" + std::to_string(c.port) + "/" + (c.pdb.empty() ? c.database : c.pdb));
  });
}

}  // namespace dbct::oracle
