#include "oracle/config.hpp"

#include "connection_string.hpp"

namespace dbct::oracle {

std::string ConfigFromResource(const config::Resource& r, Config* c) {
  c->tracking = r.name;
  c->server_name = r.SourceName();
  c->database = r.Parameter("databaseDbname");
  c->pdb = r.Parameter("databasePdbName");
  c->host = r.Parameter("databaseHostname");
  c->port = static_cast<int>(r.IntParameter("databasePort", 1521));
  c->user = r.Parameter("databaseUser");
  c->password = r.Parameter("databasePassword");
  c->odbc_driver = r.Parameter("odbcDriver", "Oracle 21 ODBC driver");
  std::string error;
  auto schemas = config::NameFilter::Create(r.Parameter("schemaIncludeList"), r.Parameter("schemaExcludeList"), &error);
  if (!schemas) return error;
  c->schemas = std::move(*schemas);
  auto tables = config::NameFilter::Create(r.Parameter("tableIncludeList"), r.Parameter("tableExcludeList"), &error);
  if (!tables) return error;
  c->tables = std::move(*tables);
  if (!r.Parameter("columnIncludeList").empty() || !r.Parameter("columnExcludeList").empty()) {
    return "columnIncludeList/columnExcludeList are not implemented yet for oracle: remove them";
  }
  c->snapshot_mode = r.Parameter("snapshotMode", "initial");
  if (c->snapshot_mode != "initial" && c->snapshot_mode != "initial_only" && c->snapshot_mode != "no_data" &&
      c->snapshot_mode != "never") {
    return "snapshotMode " + c->snapshot_mode + " is not implemented for oracle: use initial, initial_only, no_data or never";
  }
  c->log_mining_strategy = r.Parameter("logMiningStrategy", "online_catalog");
  if (c->log_mining_strategy != "online_catalog") {
    return "logMiningStrategy " + c->log_mining_strategy + " is not implemented yet: use online_catalog";
  }
  try {
    c->values.modes.decimal = values::ParseDecimalMode(r.Parameter("decimalHandlingMode", "precise"));
    c->values.modes.time_precision = values::ParseTimePrecisionMode(r.Parameter("timePrecisionMode", "adaptive"));
    c->values.modes.binary = values::ParseBinaryMode(r.Parameter("binaryHandlingMode", "bytes"));
    c->values.modes.interval = values::ParseIntervalMode(r.Parameter("intervalHandlingMode", "numeric"));
  } catch (const values::ValueError& e) {
    return e.what();
  }
  const std::string skipped = r.Parameter("skippedOperations", "t");
  c->skipped_operations = skipped == "none" ? "" : skipped;
  c->provide_transaction_metadata = r.BoolParameter("provideTransactionMetadata", false);
  c->heartbeat_interval = std::chrono::milliseconds(r.IntParameter("heartbeatIntervalMs", 0));
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
  const odbc::DriverChoice choice = odbc::ParseDriverChoice(c.odbc_driver);
  if (choice.kind == odbc::DriverChoice::Kind::kConnectionString) {
    std::string text = choice.value;
    odbc::ConnectionString extra;
    if (!odbc::HasKey(text, "UID")) extra.Add("UID", c.user);
    if (!odbc::HasKey(text, "PWD")) extra.Add("PWD", c.password);
    if (!text.empty() && text.back() != ';') text.push_back(';');
    return text + extra.str();
  }
  odbc::ConnectionString s;
  if (choice.kind == odbc::DriverChoice::Kind::kDsn) {
    s.Add("DSN", choice.value);
  } else {
    s.AddBraced("Driver", choice.value);
    s.Add("DBQ", "//" + c.host + ":" + std::to_string(c.port) + "/" + (c.pdb.empty() ? c.database : c.pdb));
  }
  s.Add("UID", c.user).Add("PWD", c.password);
  return s.str();
}

}  // namespace dbct::oracle
