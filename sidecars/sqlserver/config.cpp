#include "config.hpp"

#include <algorithm>
#include <cctype>

#include "connection_string.hpp"
#include "source_config.hpp"

namespace dbct::sqlserver {

std::string ConfigFromResource(const config::Resource& r, Config* c) {
  odbc::ReadServer(r, 1433, "FreeTDS", c);
  c->database = r.Parameter("databaseDbname");
  if (c->database.empty()) {
    const std::string names = r.Parameter("databaseNames");
    if (names.find(',') != std::string::npos) {
      return "databaseNames lists several databases: dbct-sqlserver tracks one database per resource; "
             "write one resource per database";
    }
    c->database = names;
  }
  c->encrypt = r.BoolParameter("databaseEncrypt", true);
  c->trust_server_certificate = r.BoolParameter("databaseTrustServerCertificate", false);
  std::string error;
  auto filter = config::NameFilter::Create(r.Parameter("tableIncludeList"), r.Parameter("tableExcludeList"), &error);
  if (!filter) return error;
  c->tables = std::move(*filter);
  error = odbc::CheckNoColumnFilters(r, "sqlserver");
  if (error.empty()) error = odbc::ReadSnapshotMode(r, "sqlserver", &c->snapshot_mode);
  if (!error.empty()) return error;
  c->poll_interval = std::chrono::milliseconds(r.IntParameter("pollIntervalMs", 500));
  error = odbc::ReadValueModes(r, false, &c->modes);
  if (!error.empty()) return error;
  odbc::ReadEventSettings(r, c);
  const int64_t batch = r.IntParameter("streamingFetchSize", 2048);
  if (batch < 1) return "streamingFetchSize must be at least 1 (is " + std::to_string(batch) + ")";
  c->fetch_size = static_cast<size_t>(batch);
  return "";
}

std::string BuildConnectionString(const Config& c) {
  return odbc::ConnectionStringFor(c.odbc_driver, c.user, c.password, [&](const odbc::DriverChoice& choice,
                                                                          odbc::ConnectionString& s) {
    if (choice.kind == odbc::DriverChoice::Kind::kDriver) {
      std::string lower = choice.value;
      std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return std::tolower(ch); });
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
    s.Add("Database", c.database);
  });
}

}  // namespace dbct::sqlserver
