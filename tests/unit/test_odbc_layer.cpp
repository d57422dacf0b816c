// The parts of the ODBC layer that need no driver: connection strings, the retriable-or-fatal
// decision, backoff, UTF-16 conversion, the sidecars' connection strings per driver, and the
// events they share (transaction metadata, heartbeats, snapshot message ids).
#include <gtest/gtest.h>

#include "connection_string.hpp"
#include "odbc_error.hpp"
#include "odbc_statement.hpp"
#include "oracle/config.hpp"
#include "session.hpp"
#include "sqlserver/config.hpp"
#include "emitted_event.hpp"
#include "transaction_metadata.hpp"

namespace dbct::odbc {
namespace {

TEST(OdbcConnectionString, BracesValuesThatNeedItAndRedactsPasswords) {
  ConnectionString s;
  s.AddBraced("Driver", "ODBC Driver 18 for SQL Server").Add("Server", "db").Add("PWD", "p;w}d").Add("UID", "");
  EXPECT_EQ(s.str(), "Driver={ODBC Driver 18 for SQL Server};Server=db;PWD={p;w}}d};");
  EXPECT_EQ(RedactConnectionString(s.str()), "Driver={ODBC Driver 18 for SQL Server};Server=db;PWD=******;");
  EXPECT_TRUE(HasKey(s.str(), "pwd"));
  EXPECT_FALSE(HasKey(s.str(), "UID"));
}

TEST(OdbcConnectionString, DriverChoice) {
  EXPECT_EQ(ParseDriverChoice("FreeTDS").kind, DriverChoice::Kind::kDriver);
  EXPECT_EQ(ParseDriverChoice("{ODBC Driver 18 for SQL Server}").value, "ODBC Driver 18 for SQL Server");
  EXPECT_EQ(ParseDriverChoice("DSN=crm").kind, DriverChoice::Kind::kDsn);
  EXPECT_EQ(ParseDriverChoice("DSN=crm").value, "crm");
  EXPECT_EQ(ParseDriverChoice("Driver={FreeTDS};Server=x").kind, DriverChoice::Kind::kConnectionString);
}

TEST(OdbcConnectionString, SidecarsBuildTheirDriversStrings) {
  sqlserver::Config ss;
  ss.host = "db.example.com";
  ss.port = 1433;
  ss.database = "CRM";
  ss.user = "sa";
  ss.password = "pw";
  EXPECT_EQ(sqlserver::BuildConnectionString(ss),
            "Driver={FreeTDS};Server=db.example.com;Port=1433;TDS_Version=7.4;ClientCharset=UTF-8;"
            "Encryption=require;Database=CRM;UID=sa;PWD=pw;");
  ss.odbc_driver = "ODBC Driver 18 for SQL Server";
  ss.encrypt = false;
  EXPECT_EQ(sqlserver::BuildConnectionString(ss),
            "Driver={ODBC Driver 18 for SQL Server};Server=tcp:db.example.com,1433;Encrypt=no;"
            "TrustServerCertificate=no;Database=CRM;UID=sa;PWD=pw;");
  ss.odbc_driver = "DSN=crm";
  EXPECT_EQ(sqlserver::BuildConnectionString(ss), "DSN=crm;Database=CRM;UID=sa;PWD=pw;");
  ss.odbc_driver = "Driver={FreeTDS};Server=other;UID=app";
  EXPECT_EQ(sqlserver::BuildConnectionString(ss), "Driver={FreeTDS};Server=other;UID=app;PWD=pw;");

  oracle::Config ora;
  ora.host = "ora";
  ora.database = "ORCL";
  ora.pdb = "PDB1";
  ora.user = "u";
  ora.password = "p";
  EXPECT_EQ(oracle::BuildConnectionString(ora), "Driver={Oracle 21 ODBC driver};DBQ=//ora:1521/PDB1;UID=u;PWD=p;");
}

Diagnostic D(const char* state, int32_t native, const char* message) { return Diagnostic{state, native, message}; }

TEST(OdbcErrorPolicy, RetriableOrFatalIsDecidedInOnePlace) {
  EXPECT_TRUE(IsRetriable({D("08S01", 0, "Communication link failure")}));
  EXPECT_TRUE(IsRetriable({D("08001", 0, "could not connect to server: Connection refused")}));
  EXPECT_TRUE(IsRetriable({D("HYT00", 0, "Query timeout expired")}));
  EXPECT_TRUE(IsRetriable({D("40001", 1205, "Transaction was deadlocked")}));
  EXPECT_TRUE(IsRetriable({D("HY000", 3113, "ORA-03113: end-of-file on communication channel")}));
  EXPECT_TRUE(IsRetriable({D("HY000", 0, "could not send query to backend")}));
  EXPECT_FALSE(IsRetriable({D("28000", 18456, "Login failed for user 'sa'.")}));
  EXPECT_FALSE(IsRetriable({D("08001", 0, "FATAL:  password authentication failed for user \"x\"")}));
  EXPECT_FALSE(IsRetriable({D("08001", 0, "FATAL:  database \"nope\" does not exist")}));
  EXPECT_FALSE(IsRetriable({D("HY000", 1017, "ORA-01017: invalid username/password; logon denied")}));
  EXPECT_FALSE(IsRetriable({D("42S02", 208, "Invalid object name 'cdc.fn_cdc_get_all_changes_x'.")}));
  EXPECT_FALSE(IsRetriable({D("IM002", 0, "Data source name not found and no default driver specified")}));
}

TEST(OdbcSession, BackoffDoublesUpToItsCap) {
  Backoff b(std::chrono::milliseconds(500), std::chrono::milliseconds(3000));
  EXPECT_EQ(b.Next().count(), 500);
  EXPECT_EQ(b.Next().count(), 1000);
  EXPECT_EQ(b.Next().count(), 2000);
  EXPECT_EQ(b.Next().count(), 3000);
  EXPECT_EQ(b.Next().count(), 3000);
  b.Reset();
  EXPECT_EQ(b.Next().count(), 500);
}

TEST(OdbcText, Utf16RoundTripIncludingSurrogates) {
  const std::string text = "aä€😀";
  const std::u16string wide = Utf16FromUtf8(text);
  EXPECT_EQ(wide.size(), 5u);
  std::string back;
  AppendUtf8FromUtf16(back, reinterpret_cast<const SQLWCHAR*>(wide.data()), wide.size());
  EXPECT_EQ(back, text);
  const SQLWCHAR lone[] = {0xD800, 'x'};
  std::string replaced;
  AppendUtf8FromUtf16(replaced, lone, 2);
  EXPECT_EQ(replaced, "\xEF\xBF\xBDx");
}

}  // namespace
}  // namespace dbct::odbc

namespace dbct::odbc {
namespace {

TEST(OdbcSidecarEvents, HeartbeatGoesOutWhenDueWithThePositionReadThrough) {
  using Clock = sidecar::Heartbeats::Clock;
  sidecar::Heartbeats heartbeats("crm", std::chrono::milliseconds(1), Clock::now() - std::chrono::seconds(1));
  std::vector<std::string> sent;
  const EventSink sink = [&](const EmittedEvent& e) {
    sent.push_back(std::string(e.subject) + " " + std::string(e.key) + " " + std::string(e.position));
    EXPECT_EQ(e.payload.substr(0, 9), "{\"ts_ms\":");
    EXPECT_EQ(e.msg_id.substr(0, 14), "crm:heartbeat:");
  };
  SendHeartbeatIfDue(heartbeats, "", sink);  // no position yet: nothing
  EXPECT_TRUE(sent.empty());
  SendHeartbeatIfDue(heartbeats, "42/end", sink);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0], "dbchangetracking.crm.heartbeat {\"serverName\":\"crm\"} 42/end");

  sidecar::Heartbeats off("crm", std::chrono::milliseconds(0));
  SendHeartbeatIfDue(off, "43/end", sink);
  EXPECT_EQ(sent.size(), 1u);
}

TEST(OdbcSidecarEvents, TransactionMetadataCountsPerCollection) {
  TransactionMetadata tx;
  tx.Begin("02000a0037030000", 5);
  EXPECT_EQ(tx.Count("db.s.a").total_order, 1);
  EXPECT_EQ(tx.Count("db.s.b").data_collection_order, 1);
  const auto& third = tx.Count("db.s.a");
  EXPECT_EQ(third.total_order, 3);
  EXPECT_EQ(third.data_collection_order, 2);
  EXPECT_EQ(third.id, "02000a0037030000");
  EXPECT_EQ(tx.EndEvent(),
            "{\"status\":\"END\",\"id\":\"02000a0037030000\",\"event_count\":3,\"data_collections\":["
            "{\"data_collection\":\"db.s.a\",\"event_count\":2},{\"data_collection\":\"db.s.b\",\"event_count\":1}],"
            "\"ts_ms\":5}");
  tx.Begin("next", 6);  // a new transaction starts from zero
  EXPECT_EQ(tx.Count("db.s.b").total_order, 1);
}

TEST(OdbcSidecarEvents, SnapshotMessageIdDependsOnTableKeyRowAndOccurrence) {
  const std::string a = SnapshotMessageId("t", "db.s.x", "{\"id\":1}", "{\"id\":1,\"v\":2}", 1);
  EXPECT_EQ(a, SnapshotMessageId("t", "db.s.x", "{\"id\":1}", "{\"id\":1,\"v\":2}", 1));
  EXPECT_EQ(a.size(), std::string("t:snapshot:db.s.x:").size() + 32);
  EXPECT_NE(a, SnapshotMessageId("t", "db.s.y", "{\"id\":1}", "{\"id\":1,\"v\":2}", 1));
  EXPECT_NE(a, SnapshotMessageId("t", "db.s.x", "{\"id\":1}", "{\"id\":1,\"v\":3}", 1));
  // Key and row are separated: moving text from one to the other changes the id.
  EXPECT_NE(SnapshotMessageId("t", "x", "ab", "c", 1), SnapshotMessageId("t", "x", "a", "bc", 1));
  EXPECT_EQ(SnapshotMessageId("t", "x", "", "r", 3), SnapshotMessageId("t", "x", "", "r", 1) + "#3");
}

}  // namespace
}  // namespace dbct::odbc
