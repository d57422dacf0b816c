// dbct-oracle: one Oracle tracking, mined with LogMiner over ODBC. The command line, modes and
// exit codes are those of every ODBC sidecar (sidecars/odbc/odbc_main.hpp); the replay file
// holds V$LOGMNR_CONTENTS rows (docs/oracle.md).
#include "oracle/config.hpp"
#include "oracle/connector.hpp"
#include "odbc_main.hpp"

int main(int argc, char** argv) {
  using namespace dbct;
  const odbc::Source<oracle::Config, oracle::ReplayOptions> source{
      config::SourceType::kOracle, oracle::ConfigFromResource, oracle::RunConnector, oracle::RunReplay};
  return odbc::RunOdbcSidecar(
      {"dbct-oracle", "dbct-oracle: Oracle LogMiner to NATS JetStream, in Debezium's JSON format",
       "V$LOGMNR_CONTENTS rows", "LogMiner rows"},
      source, argc, argv);
}
