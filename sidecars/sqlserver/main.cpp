// dbct-sqlserver: one SQL Server tracking, read from the CDC change tables over ODBC. The
// command line, modes and exit codes are those of every ODBC sidecar
// (sidecars/odbc/odbc_main.hpp); the replay file holds change rows (docs/sqlserver.md).
#include "odbc_main.hpp"
#include "sqlserver/config.hpp"
#include "sqlserver/connector.hpp"

int main(int argc, char** argv) {
  using namespace dbct;
  const odbc::Source<sqlserver::Config, sqlserver::ReplayOptions> source{
      config::SourceType::kSqlServer, sqlserver::ConfigFromResource, sqlserver::RunConnector, sqlserver::RunReplay};
  return odbc::RunOdbcSidecar(
      {"dbct-sqlserver", "dbct-sqlserver: SQL Server CDC to NATS JetStream, in Debezium's JSON format",
       "change rows", "change rows"},
      source, argc, argv);
}
