// The resource parameters dbct-sqlserver and dbct-oracle read the same way. Functions returning
// a string return "" when the parameter is fine, else the message for the user.
#ifndef DBCT_ODBC_SOURCE_CONFIG_HPP
#define DBCT_ODBC_SOURCE_CONFIG_HPP

#include <chrono>
#include <string>
#include <string_view>

#include "dbct/config/resource.hpp"
#include "dbct/values/modes.hpp"

namespace dbct::odbc {

// The tracking's name and the server to connect to: databaseHostname, databasePort, databaseUser,
// databasePassword, odbcDriver.
template <typename Config>
void ReadServer(const config::Resource& r, int default_port, const char* default_driver, Config* c) {
  c->tracking = r.name;
  c->server_name = r.SourceName();
  c->host = r.Parameter("databaseHostname");
  c->port = static_cast<int>(r.IntParameter("databasePort", default_port));
  c->user = r.Parameter("databaseUser");
  c->password = r.Parameter("databasePassword");
  c->odbc_driver = r.Parameter("odbcDriver", default_driver);
}

// columnIncludeList/columnExcludeList: not implemented yet for `source` ("sqlserver", "oracle").
std::string CheckNoColumnFilters(const config::Resource& r, std::string_view source);

// snapshotMode: initial (the default), initial_only, no_data or never.
std::string ReadSnapshotMode(const config::Resource& r, std::string_view source, std::string* mode);

// decimalHandlingMode, timePrecisionMode, binaryHandlingMode and, with `interval`,
// intervalHandlingMode.
std::string ReadValueModes(const config::Resource& r, bool interval, values::ValueModes* modes);

// What shapes the events besides values: skippedOperations, provideTransactionMetadata,
// heartbeatIntervalMs.
template <typename Config>
void ReadEventSettings(const config::Resource& r, Config* c) {
  const std::string skipped = r.Parameter("skippedOperations", "t");
  c->skipped_operations = skipped == "none" ? "" : skipped;
  c->provide_transaction_metadata = r.BoolParameter("provideTransactionMetadata", false);
  c->heartbeat_interval = std::chrono::milliseconds(r.IntParameter("heartbeatIntervalMs", 0));
}

}  // namespace dbct::odbc

#endif  // DBCT_ODBC_SOURCE_CONFIG_HPP
