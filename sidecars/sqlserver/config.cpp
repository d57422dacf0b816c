#include "config.hpp"

#include <algorithm>
#include <cctype>

#include "connection_string.hpp"

namespace dbct::sqlserver {

std::string ConfigFromResource(const config::Resource& r, Config* c) {
  c->tracking = r.name;
  c->server_name = r.SourceName();
  c->database = r.Parameter("databaseDbname");
  if (c->database.empty()) {
    const std::string names = r.Parameter("databaseNames");
    if (names.find(',') != std::string::npos) {
      return "databaseNames lists several databases: dbct-sqlserver tracks one database per resource; "
             "write one resource per database";
    }
    c->database = names;
  }
  c->host = r.Parameter("databaseHostname");
  c->port = static_cast<int>(r.IntParameter("databasePort", 1433));
  c->user = r.Parameter("databaseUser");
  c->password = r.Parameter("databasePassword");
  c->odbc_driver = r.Parameter("odbcDriver", "FreeTDS");
  c->encrypt = r.BoolParameter("databaseEncrypt", true);
  c->trust_server_certificate = r.BoolParameter("databaseTrustServerCertificate", false);
  std::string error;
  auto filter = config::NameFilter::Create(r.Parameter("tableIncludeList"), r.Parameter("tableExcludeList"), &error);
  if (!filter) return error;
  c->tables = std::move(*filter);
  if (!r.Parameter("columnIncludeList").empty() || !r.Parameter("columnExcludeList").empty()) {
    return "columnIncludeList/columnExcludeList are not implemented yet for sqlserver: remove them";
  }
  c->snapshot_mode = r.Parameter("snapshotMode", "initial");
  if (c->snapshot_mode != "initial" && c->snapshot_mode != "no_data" && c->snapshot_mode != "never" &&
      c->snapshot_mode != "initial_only") {
    return "snapshotMode " + c->snapshot_mode +
           " is not implemented for sqlserver: use initial, initial_only, no_data or never";
  }
  c->poll_interval = std::chrono::milliseconds(r.IntParameter("pollIntervalMs", 500));
  try {
    c->modes.decimal = values::ParseDecimalMode(r.Parameter("decimalHandlingMode", "precise"));
    c->modes.time_precision = values::ParseTimePrecisionMode(r.Parameter("timePrecisionMode", "adaptive"));
    c->modes.binary = values::ParseBinaryMode(r.Parameter("binaryHandlingMode", "bytes"));
  } catch (const values::ValueError& e) {
    return e.what();
  }
  const std::string skipped = r.Parameter("skippedOperations", "t");
  c->skipped_operations = skipped == "none" ? "" : skipped;
  c->provide_transaction_metadata = r.BoolParameter("provideTransactionMetadata", false);
  c->heartbeat_interval = std::chrono::milliseconds(r.IntParameter("heartbeatIntervalMs", 0));
  const int64_t batch = r.IntParameter("streamingFetchSize", 2048);
  if (batch < 1) return "streamingFetchSize must be at least 1 (is " + std::to_string(batch) + ")";
  c->fetch_size = static_cast<size_t>(batch);
  return "";
}

std::string BuildConnectionString(const Config& c) {
  const odbc::DriverChoice choice = odbc::ParseDriverChoice(c.odbc_driver);
  odbc::ConnectionString s;
  if (choice.kind == odbc::DriverChoice::Kind::kConnectionString) {
    std::string text = choice.value;
    odbc::ConnectionString extra;
    if (!odbc::HasKey(text, "UID")) extra.Add("UID", c.user);
    if (!odbc::HasKey(text, "PWD")) extra.Add("PWD", c.password);
    if (!text.empty() && text.back() != ';') text.push_back(';');
    return text + extra.str();
  }
  if (choice.kind == odbc::DriverChoice::Kind::kDsn) {
    s.Add("DSN", choice.value);
  } else {
    std::string lower = choice.value;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return std::tolower(ch); });
    s.AddBraced("Driver", choice.value);
    if (lower.find("freetds") != std::string::npos) {
      s.Add("Server", c.host).Add("Port", std::to_string(c.port)).Add("TDS_Version", "7.4");
      s.Add("ClientCharset", "UTF-8");
      s.Add("Encryption", c.encrypt ? "require" : "off");
    } else {
      // Microsoft's ODBC Driver 17/18 for SQL Server.
      s.Add("Server", "tcp:" + c.host + "," + std::to_string(c.port));
      s.Add("Encrypt", c.encrypt ? "yes" : "no");
      s.Add("TrustServerCertificate", c.trust_server_certificate ? "yes" : "no");
    }
  }
  s.Add("Database", c.database).Add("UID", c.user).Add("PWD", c.password);
  return s.str();
}

}  // namespace dbct::sqlserver
