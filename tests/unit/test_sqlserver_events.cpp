// SQL Server CDC change rows -> Debezium events. Expected JSON follows the create/update/delete
// examples of Debezium's SQL Server connector documentation (connectors/sqlserver.adoc), with
// what the JSON converter writes for today's schema: snapshot as the string "false"
// (SnapshotRecord), event_serial_no as a number (OPTIONAL_INT64 in
// SqlServerSourceInfoStructMaker; the doc prints it quoted), sequence null, ts_us/ts_ns.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "sqlserver/change_emitter.hpp"
#include "sqlserver/replay_file.hpp"

namespace dbct::sqlserver {
namespace {

using odbc::SourceValue;

CaptureInstance Instance(std::string name, std::string schema, std::string table,
                         std::vector<std::tuple<std::string, std::string, bool>> columns,
                         const char* start_lsn = "00000001:00000001:0001") {
  CaptureInstance i;
  i.name = std::move(name);
  i.schema = std::move(schema);
  i.table = std::move(table);
  i.start_lsn = *Lsn::Parse(start_lsn);
  for (auto& [n, t, key] : columns) {
    CapturedColumn c;
    c.name = n;
    c.type_text = t;
    auto type = ParseColumnType(t);
    EXPECT_TRUE(type.has_value()) << t;
    c.type = *type;
    c.key = key;
    i.columns.push_back(c);
  }
  return i;
}

ChangeRow Row(size_t instance, const char* start, const char* seq, int op, int64_t commit_ms,
              std::vector<SourceValue> values) {
  ChangeRow r;
  r.instance = instance;
  r.start_lsn = *Lsn::Parse(start);
  r.seqval = *Lsn::Parse(seq);
  r.operation = op;
  r.commit_time_us = commit_ms * 1000;
  r.values = std::move(values);
  return r;
}

SourceValue T(const char* s) { return SourceValue::Text(s); }
SourceValue I(int64_t v) { return SourceValue::Int(v); }

struct Collected {
  std::vector<std::string> payloads;
  std::vector<std::string> keys;
  std::vector<std::string> positions;
  std::vector<std::string> msg_ids;
  odbc::EventSink Sink() {
    return [this](const odbc::EmittedEvent& e) {
      payloads.emplace_back(e.payload);
      keys.emplace_back(e.key);
      positions.emplace_back(e.position);
      msg_ids.emplace_back(e.msg_id);
    };
  }
};

EmitterSettings Settings(int64_t now_ms) {
  EmitterSettings s;
  s.tracking = "sqlserver-customers";
  s.server_name = "server1";
  s.database = "testDB";
  s.version = "2.7.0";
  s.now = [now_ms] { return envelope::EventTime::FromMillis(now_ms); };
  return s;
}

std::vector<CaptureInstance> Customers() {
  return {Instance("dbo_customers", "dbo", "customers",
                   {{"id", "int", true}, {"first_name", "nvarchar(255)", false},
                    {"last_name", "nvarchar(255)", false}, {"email", "nvarchar(255)", false}})};
}

std::string Source(const char* ts_ms, const char* change_lsn, const char* commit_lsn, int serial) {
  const std::string ms(ts_ms);
  return "\"source\":{\"version\":\"2.7.0\",\"connector\":\"sqlserver\",\"name\":\"server1\",\"ts_ms\":" + ms +
         ",\"snapshot\":\"false\",\"db\":\"testDB\",\"sequence\":null,\"ts_us\":" + ms + "000,\"ts_ns\":" + ms +
         "000000,\"schema\":\"dbo\",\"table\":\"customers\",\"change_lsn\":\"" + change_lsn +
         "\",\"commit_lsn\":\"" + commit_lsn + "\",\"event_serial_no\":" + std::to_string(serial) + "}";
}

TEST(SqlServerEvents, CreateEventAsInDebeziumDocumentation) {
  auto instances = Customers();
  ChangeEmitter emitter(Settings(1559729471739), instances);
  Collected out;
  emitter.Add(Row(0, "00000027:00000758:0005", "00000027:00000758:0003", 2, 1559729468470,
                  {I(1005), T("john"), T("doe"), T("john.doe@example.org")}),
              out.Sink());
  ASSERT_EQ(out.payloads.size(), 1u);
  EXPECT_EQ(out.payloads[0],
            "{\"before\":null,\"after\":{\"id\":1005,\"first_name\":\"john\",\"last_name\":\"doe\","
            "\"email\":\"john.doe@example.org\"}," +
                Source("1559729468470", "00000027:00000758:0003", "00000027:00000758:0005", 1) +
                ",\"op\":\"c\",\"ts_ms\":1559729471739,\"ts_us\":1559729471739000,"
                "\"ts_ns\":1559729471739000000,\"transaction\":null}");
  EXPECT_EQ(out.keys[0], "{\"id\":1005}");
  EXPECT_EQ(out.positions[0], "00000027:00000758:0005/00000027:00000758:0003/1");
  EXPECT_EQ(out.msg_ids[0], "sqlserver-customers:00000027:00000758:0005/00000027:00000758:0003/1");
}

TEST(SqlServerEvents, UpdateFromBeforeAndAfterRowsAsInDebeziumDocumentation) {
  auto instances = Customers();
  ChangeEmitter emitter(Settings(1559729998706), instances);
  Collected out;
  emitter.Add(Row(0, "00000027:00000ac0:0007", "00000027:00000ac0:0002", 3, 1559729995937,
                  {I(1005), T("john"), T("doe"), T("john.doe@example.org")}),
              out.Sink());
  EXPECT_TRUE(out.payloads.empty());  // waits for the after image
  emitter.Add(Row(0, "00000027:00000ac0:0007", "00000027:00000ac0:0002", 4, 1559729995937,
                  {I(1005), T("john"), T("doe"), T("noreply@example.org")}),
              out.Sink());
  ASSERT_EQ(out.payloads.size(), 1u);
  EXPECT_EQ(out.payloads[0],
            "{\"before\":{\"id\":1005,\"first_name\":\"john\",\"last_name\":\"doe\",\"email\":\"john.doe@example.org\"},"
            "\"after\":{\"id\":1005,\"first_name\":\"john\",\"last_name\":\"doe\",\"email\":\"noreply@example.org\"}," +
                Source("1559729995937", "00000027:00000ac0:0002", "00000027:00000ac0:0007", 2) +
                ",\"op\":\"u\",\"ts_ms\":1559729998706,\"ts_us\":1559729998706000,"
                "\"ts_ns\":1559729998706000000,\"transaction\":null}");
  EXPECT_NO_THROW(emitter.Finish());
}

TEST(SqlServerEvents, DeleteEventAsInDebeziumDocumentation) {
  auto instances = Customers();
  ChangeEmitter emitter(Settings(1559730450205), instances);
  Collected out;
  emitter.Add(Row(0, "00000027:00000db0:0007", "00000027:00000db0:0005", 1, 1559730445243,
                  {I(1005), T("john"), T("doe"), T("noreply@example.org")}),
              out.Sink());
  ASSERT_EQ(out.payloads.size(), 1u);
  EXPECT_EQ(out.payloads[0],
            "{\"before\":{\"id\":1005,\"first_name\":\"john\",\"last_name\":\"doe\",\"email\":\"noreply@example.org\"},"
            "\"after\":null," +
                Source("1559730445243", "00000027:00000db0:0005", "00000027:00000db0:0007", 1) +
                ",\"op\":\"d\",\"ts_ms\":1559730450205,\"ts_us\":1559730450205000,"
                "\"ts_ns\":1559730450205000000,\"transaction\":null}");
  EXPECT_EQ(out.keys[0], "{\"id\":1005}");
}

TEST(SqlServerEvents, KeyChangingUpdateIsDeleteThenCreate) {
  auto instances = Customers();
  ChangeEmitter emitter(Settings(1), instances);
  Collected out;
  emitter.Add(Row(0, "00000030:00000010:0004", "00000030:00000010:0002", 3, 1000, {I(1), T("a"), T("b"), T("c")}),
              out.Sink());
  emitter.Add(Row(0, "00000030:00000010:0004", "00000030:00000010:0002", 4, 1000, {I(2), T("a"), T("b"), T("c")}),
              out.Sink());
  ASSERT_EQ(out.payloads.size(), 2u);
  EXPECT_NE(out.payloads[0].find("\"after\":null"), std::string::npos);
  EXPECT_NE(out.payloads[0].find("\"op\":\"d\""), std::string::npos);
  EXPECT_EQ(out.keys[0], "{\"id\":1}");
  EXPECT_NE(out.payloads[1].find("\"before\":null"), std::string::npos);
  EXPECT_NE(out.payloads[1].find("\"op\":\"c\""), std::string::npos);
  EXPECT_EQ(out.keys[1], "{\"id\":2}");
  EXPECT_EQ(out.positions[0], "00000030:00000010:0004/00000030:00000010:0002/2");
  EXPECT_EQ(out.positions[1], "00000030:00000010:0004/00000030:00000010:0002/2/1");
}

TEST(SqlServerEvents, RowsOfSeveralInstancesAreEmittedInLsnOrder) {
  std::vector<CaptureInstance> instances = Customers();
  instances.push_back(Instance("dbo_orders", "dbo", "orders", {{"id", "int", true}}));
  std::vector<ChangeRow> rows;
  rows.push_back(Row(1, "00000040:00000001:0003", "00000040:00000001:0002", 2, 5, {I(10)}));
  rows.push_back(Row(0, "00000030:00000001:0003", "00000030:00000001:0002", 2, 4, {I(1), T("a"), T("b"), T("c")}));
  rows.push_back(Row(1, "00000030:00000001:0003", "00000030:00000001:0001", 2, 4, {I(11)}));
  rows.push_back(Row(0, "00000040:00000001:0003", "00000040:00000001:0001", 4, 5, {I(1), T("x"), T("b"), T("c")}));
  rows.push_back(Row(0, "00000040:00000001:0003", "00000040:00000001:0001", 3, 5, {I(1), T("a"), T("b"), T("c")}));
  SortRows(rows);
  ChangeEmitter emitter(Settings(1), instances);
  Collected out;
  for (const auto& r : rows) emitter.Add(r, out.Sink());
  emitter.Finish();
  ASSERT_EQ(out.positions.size(), 4u);
  EXPECT_EQ(out.positions[0], "00000030:00000001:0003/00000030:00000001:0001/1");  // orders 11
  EXPECT_EQ(out.positions[1], "00000030:00000001:0003/00000030:00000001:0002/1");  // customers insert
  EXPECT_EQ(out.positions[2], "00000040:00000001:0003/00000040:00000001:0001/2");  // customers update
  EXPECT_EQ(out.positions[3], "00000040:00000001:0003/00000040:00000001:0002/1");  // orders 10
  EXPECT_NE(out.payloads[0].find("\"table\":\"orders\""), std::string::npos);
  EXPECT_NE(out.payloads[2].find("\"op\":\"u\""), std::string::npos);
}

TEST(SqlServerEvents, NewerCaptureInstanceTakesOverAtItsStartLsn) {
  // dbo_customers was re-captured as dbo_customers_v2 with an added column at 00000050:...
  std::vector<CaptureInstance> instances = {
      Instance("dbo_customers", "dbo", "customers", {{"id", "int", true}, {"name", "varchar(20)", false}},
               "00000010:00000001:0001"),
      Instance("dbo_customers_v2", "dbo", "customers",
               {{"id", "int", true}, {"name", "varchar(20)", false}, {"vip", "bit", false}}, "00000050:00000001:0001")};
  AssignStopLsns(instances);
  ASSERT_TRUE(instances[0].stop_lsn.has_value());
  EXPECT_EQ(instances[0].stop_lsn->ToString(), "00000050:00000001:0001");
  EXPECT_FALSE(instances[1].stop_lsn.has_value());
  std::vector<ChangeRow> rows = {
      Row(0, "00000040:00000001:0002", "00000040:00000001:0001", 2, 1, {I(1), T("old")}),
      // Both instances hold the change after the switch; only the newer one's is emitted.
      Row(0, "00000060:00000001:0002", "00000060:00000001:0001", 2, 2, {I(2), T("new")}),
      Row(1, "00000060:00000001:0002", "00000060:00000001:0001", 2, 2, {I(2), T("new"), SourceValue::Bool(true)}),
  };
  SortRows(rows);
  ChangeEmitter emitter(Settings(1), instances);
  Collected out;
  for (const auto& r : rows) emitter.Add(r, out.Sink());
  ASSERT_EQ(out.payloads.size(), 2u);
  EXPECT_NE(out.payloads[0].find("\"after\":{\"id\":1,\"name\":\"old\"}"), std::string::npos);
  EXPECT_NE(out.payloads[1].find("\"after\":{\"id\":2,\"name\":\"new\",\"vip\":true}"), std::string::npos);
}

TEST(SqlServerEvents, ResumeSkipsWhatTheStreamAlreadyHas) {
  auto instances = Customers();
  ChangeEmitter emitter(Settings(1), instances);
  emitter.ResumeAfter(Position::Parse("00000030:00000010:0004/00000030:00000010:0002/2"));
  Collected out;
  emitter.Add(Row(0, "00000030:00000010:0004", "00000030:00000010:0001", 2, 1, {I(1), T("a"), T("b"), T("c")}),
              out.Sink());
  emitter.Add(Row(0, "00000030:00000010:0004", "00000030:00000010:0002", 3, 1, {I(1), T("a"), T("b"), T("c")}),
              out.Sink());
  emitter.Add(Row(0, "00000030:00000010:0004", "00000030:00000010:0002", 4, 1, {I(1), T("z"), T("b"), T("c")}),
              out.Sink());
  emitter.Add(Row(0, "00000030:00000010:0004", "00000030:00000010:0003", 1, 1, {I(1), T("z"), T("b"), T("c")}),
              out.Sink());
  ASSERT_EQ(out.positions.size(), 1u);
  EXPECT_EQ(out.positions[0], "00000030:00000010:0004/00000030:00000010:0003/1");
}

TEST(SqlServerEvents, UpdateBeforeImageWithoutAfterImageIsAnError) {
  auto instances = Customers();
  ChangeEmitter emitter(Settings(1), instances);
  Collected out;
  emitter.Add(Row(0, "00000030:00000010:0004", "00000030:00000010:0002", 3, 1, {I(1), T("a"), T("b"), T("c")}),
              out.Sink());
  EXPECT_THROW(emitter.Add(Row(0, "00000030:00000010:0004", "00000030:00000010:0003", 2, 1,
                               {I(1), T("a"), T("b"), T("c")}),
                           out.Sink()),
               ChangeError);
  EXPECT_THROW(emitter.Add(Row(0, "00000031:00000010:0004", "00000031:00000010:0002", 4, 1,
                               {I(1), T("a"), T("b"), T("c")}),
                           out.Sink()),
               ChangeError);
}

TEST(SqlServerEvents, SnapshotReadHasNullChangeLsnAndSerial) {
  auto instances = Customers();
  ChangeEmitter emitter(Settings(7), instances);
  Collected out;
  emitter.AddSnapshotRow(instances[0], {I(1001), T("Sally"), T("Thomas"), T("sally.thomas@acme.com")},
                         *Lsn::Parse("00000025:00000d98:00a2"), *Lsn::Parse("00000025:00000d98:00a2"), 1, "first",
                         1559729468000000, out.Sink());
  ASSERT_EQ(out.payloads.size(), 1u);
  EXPECT_EQ(out.payloads[0],
            "{\"before\":null,\"after\":{\"id\":1001,\"first_name\":\"Sally\",\"last_name\":\"Thomas\","
            "\"email\":\"sally.thomas@acme.com\"},\"source\":{\"version\":\"2.7.0\",\"connector\":\"sqlserver\","
            "\"name\":\"server1\",\"ts_ms\":1559729468000,\"snapshot\":\"first\",\"db\":\"testDB\",\"sequence\":null,"
            "\"ts_us\":1559729468000000,\"ts_ns\":1559729468000000000,\"schema\":\"dbo\",\"table\":\"customers\","
            "\"change_lsn\":null,\"commit_lsn\":\"00000025:00000d98:00a2\",\"event_serial_no\":null},"
            "\"op\":\"r\",\"ts_ms\":7,\"ts_us\":7000,\"ts_ns\":7000000,\"transaction\":null}");
  EXPECT_EQ(out.positions[0], "snapshot/00000025:00000d98:00a2/1");
}

// A snapshot taken again after a restart reads at a new LSN, but its rows keep their
// Nats-Msg-Id (JetStream drops the unchanged ones) and its positions keep the first attempt's LSN.
TEST(SqlServerEvents, SnapshotMessageIdsDoNotDependOnTheReadLsn) {
  auto instances = Customers();
  ChangeEmitter first(Settings(7), instances), again(Settings(8), instances);
  Collected a, b;
  const Lsn lsn1 = *Lsn::Parse("00000025:00000d98:00a2");
  const Lsn lsn2 = *Lsn::Parse("00000026:00000001:0001");
  first.AddSnapshotRow(instances[0], {I(1001), T("Sally"), T("Thomas"), T("s@acme.com")}, lsn1, lsn1, 1, "first",
                       1, a.Sink());
  first.AddSnapshotRow(instances[0], {I(1002), T("George"), T("Bailey"), T("g@acme.com")}, lsn1, lsn1, 2, "true", 1,
                       a.Sink());
  again.AddSnapshotRow(instances[0], {I(1001), T("Sally"), T("Thomas"), T("s@acme.com")}, lsn2, lsn1, 1, "first", 2,
                       b.Sink());
  again.AddSnapshotRow(instances[0], {I(1002), T("George"), T("Bailey"), T("new@acme.com")}, lsn2, lsn1, 2, "last",
                       2, b.Sink());
  EXPECT_EQ(a.msg_ids[0], b.msg_ids[0]);  // unchanged row: a duplicate JetStream drops
  EXPECT_NE(a.msg_ids[1], b.msg_ids[1]);  // changed since: published with its new values
  EXPECT_EQ(a.msg_ids[0].rfind("sqlserver-customers:snapshot:testDB.dbo.customers:", 0), 0u);
  EXPECT_EQ(b.positions[1], "snapshot/00000025:00000d98:00a2/2/done");  // streaming starts after lsn1
  EXPECT_NE(b.payloads[1].find("\"commit_lsn\":\"00000026:00000001:0001\""), std::string::npos);

  // Equal rows of a table without a key are told apart by their occurrence.
  auto keyless = std::vector<CaptureInstance>{
      Instance("dbo_log", "dbo", "log", {{"line", "nvarchar(50)", false}})};
  ChangeEmitter log(Settings(7), keyless);
  Collected c;
  log.AddSnapshotRow(keyless[0], {T("same")}, lsn1, lsn1, 1, "first", 1, c.Sink());
  log.AddSnapshotRow(keyless[0], {T("same")}, lsn1, lsn1, 2, "last", 1, c.Sink());
  EXPECT_NE(c.msg_ids[0], c.msg_ids[1]);
  EXPECT_EQ(c.msg_ids[1], c.msg_ids[0] + "#2");
}

struct Routed {
  std::vector<std::string> subjects, payloads, positions, msg_ids;
  std::vector<int64_t> source_ts;
  odbc::EventSink Sink() {
    return [this](const odbc::EmittedEvent& e) {
      subjects.emplace_back(e.subject);
      payloads.emplace_back(e.payload);
      positions.emplace_back(e.position);
      msg_ids.emplace_back(e.msg_id);
      source_ts.push_back(e.source_ts_ms);
    };
  }
};

std::vector<CaptureInstance> CustomersAndOrders() {
  auto v = Customers();
  v.push_back(Instance("dbo_orders", "dbo", "orders", {{"id", "int", true}, {"qty", "int", false}}));
  return v;
}

std::vector<ChangeRow> TwoTransactions() {
  return {
      Row(0, "00000027:00000758:0005", "00000027:00000758:0002", 2, 1559729468470, {I(1), T("a"), T("b"), T("c")}),
      Row(1, "00000027:00000758:0005", "00000027:00000758:0003", 2, 1559729468470, {I(7), I(2)}),
      Row(0, "00000027:00000758:0005", "00000027:00000758:0004", 2, 1559729468470, {I(2), T("d"), T("e"), T("f")}),
      Row(1, "00000027:00000800:0002", "00000027:00000800:0001", 1, 1559729469000, {I(7), I(2)}),
  };
}

TEST(SqlServerEvents, TransactionMetadataFramesEachCommitLsn) {
  auto instances = CustomersAndOrders();
  EmitterSettings settings = Settings(9);
  settings.provide_transaction_metadata = true;
  settings.transaction_subject = "dbchangetracking.sqlserver-customers.transaction";
  ChangeEmitter emitter(settings, instances);
  Routed out;
  for (const ChangeRow& r : TwoTransactions()) emitter.Add(r, out.Sink());
  emitter.Finish(out.Sink());
  const std::string tx = "dbchangetracking.sqlserver-customers.transaction";
  ASSERT_EQ(out.payloads.size(), 8u);
  EXPECT_EQ(out.subjects, (std::vector<std::string>{tx, "", "", "", tx, tx, "", tx}));
  EXPECT_EQ(out.payloads[0],
            "{\"status\":\"BEGIN\",\"id\":\"00000027:00000758:0005\",\"event_count\":null,"
            "\"data_collections\":null,\"ts_ms\":1559729468470}");
  EXPECT_NE(out.payloads[1].find("\"transaction\":{\"id\":\"00000027:00000758:0005\",\"total_order\":1,"
                                 "\"data_collection_order\":1}"),
            std::string::npos);
  EXPECT_NE(out.payloads[2].find("\"total_order\":2,\"data_collection_order\":1}"), std::string::npos);
  EXPECT_NE(out.payloads[3].find("\"total_order\":3,\"data_collection_order\":2}"), std::string::npos);
  EXPECT_EQ(out.payloads[4],
            "{\"status\":\"END\",\"id\":\"00000027:00000758:0005\",\"event_count\":3,"
            "\"data_collections\":[{\"data_collection\":\"testDB.dbo.customers\",\"event_count\":2},"
            "{\"data_collection\":\"testDB.dbo.orders\",\"event_count\":1}],\"ts_ms\":1559729468470}");
  EXPECT_EQ(out.positions[0], "00000027:00000758:0005/begin");
  EXPECT_EQ(out.positions[4], "00000027:00000758:0005/end");
  EXPECT_EQ(out.msg_ids[4], "sqlserver-customers:00000027:00000758:0005/end");
  EXPECT_EQ(out.positions[7], "00000027:00000800:0002/end");
  // Change events carry the commit time for the lag; boundaries do not count.
  EXPECT_EQ(out.source_ts[1], 1559729468470);
  EXPECT_EQ(out.source_ts[0], 0);
}

TEST(SqlServerEvents, ResumeInsideATransactionKeepsItsOrders) {
  auto instances = CustomersAndOrders();
  EmitterSettings settings = Settings(9);
  settings.provide_transaction_metadata = true;
  settings.transaction_subject = "tx";
  ChangeEmitter emitter(settings, instances);
  emitter.ResumeAfter(Position::Parse("00000027:00000758:0005/00000027:00000758:0003/1"));
  Routed out;
  for (const ChangeRow& r : TwoTransactions()) emitter.Add(r, out.Sink());
  emitter.Finish(out.Sink());
  // No BEGIN again; the third change keeps total_order 3; END follows.
  ASSERT_EQ(out.payloads.size(), 5u);
  EXPECT_NE(out.payloads[0].find("\"total_order\":3,\"data_collection_order\":2}"), std::string::npos);
  EXPECT_EQ(out.positions[1], "00000027:00000758:0005/end");
  EXPECT_NE(out.payloads[1].find("\"event_count\":3"), std::string::npos);
  // Resuming after an END skips the whole transaction.
  ChangeEmitter after_end(settings, instances);
  after_end.ResumeAfter(Position::Parse("00000027:00000758:0005/end"));
  Routed rest;
  for (const ChangeRow& r : TwoTransactions()) after_end.Add(r, rest.Sink());
  after_end.Finish(rest.Sink());
  EXPECT_EQ(rest.positions, (std::vector<std::string>{"00000027:00000800:0002/begin",
                                                      "00000027:00000800:0002/00000027:00000800:0001/1",
                                                      "00000027:00000800:0002/end"}));
}

TEST(SqlServerLsn, BeginAndEndPositionsFrameTheirCommit) {
  const auto begin = Position::Parse("00000027:00000758:0005/begin");
  const auto change = Position::Parse("00000027:00000758:0005/00000027:00000758:0003/2/1");
  const auto end = Position::Parse("00000027:00000758:0005/end");
  const auto next = Position::Parse("00000027:00000758:0006/begin");
  ASSERT_TRUE(begin && change && end && next);
  EXPECT_LT(begin->Compare(*change), 0);
  EXPECT_LT(change->Compare(*end), 0);
  EXPECT_LT(end->Compare(*next), 0);
  EXPECT_EQ(end->ToString(), "00000027:00000758:0005/end");
  EXPECT_EQ(begin->mark, Position::Mark::kBegin);
  EXPECT_FALSE(Position::Parse("00000027:00000758:0005/middle").has_value());
}

// The paging of a polled window, run over in-memory change tables as the ODBC source runs it
// over the CDC functions: TOP (n) WITH TIES after the last key, merged across instances.
std::vector<ChangeRow> Page(const std::vector<ChangeRow>& table, const std::optional<RowKey>& after, size_t n) {
  std::vector<ChangeRow> out;
  for (const ChangeRow& r : table) {
    const RowKey k{r.start_lsn, r.seqval};
    if (after && !(*after < k)) continue;
    if (out.size() >= n && !(out.back().start_lsn == r.start_lsn && out.back().seqval == r.seqval)) break;
    out.push_back(r);
  }
  return out;
}

TEST(SqlServerPaging, PagesMergeToTheFullOrderAndHoldAtMostAPagePerInstance) {
  // One huge transaction over two instances (with an update's two rows at a page edge), then
  // a few more commits.
  std::vector<std::vector<ChangeRow>> tables(2);
  char start[32], seq[32];
  for (int k = 1; k <= 40; ++k) {
    std::snprintf(start, sizeof start, "00000030:00000100:0001");
    std::snprintf(seq, sizeof seq, "00000030:%08x:0001", k);
    const size_t t = (k % 3 == 0) ? 1 : 0;
    if (k == 7) {
      tables[t].push_back(Row(t, start, seq, 3, 1, {I(k), I(0)}));
      tables[t].push_back(Row(t, start, seq, 4, 1, {I(k), I(1)}));
    } else {
      tables[t].push_back(Row(t, start, seq, 2, 1, {I(k), I(0)}));
    }
  }
  for (int k = 1; k <= 5; ++k) {
    std::snprintf(start, sizeof start, "00000031:%08x:0001", k);
    std::snprintf(seq, sizeof seq, "00000031:%08x:0000", k);
    tables[k % 2].push_back(Row(k % 2, start, seq, 2, 1, {I(100 + k), I(0)}));
  }
  std::vector<ChangeRow> all;
  for (const auto& t : tables) all.insert(all.end(), t.begin(), t.end());
  SortRows(all);

  for (size_t n : {1, 2, 3, 5, 100}) {
    std::vector<ChangeRow> merged;
    std::optional<RowKey> after;
    size_t largest = 0;
    for (int guard = 0; guard < 1000; ++guard) {
      std::vector<ChangeRow> rows;
      std::vector<RowKey> full;
      for (const auto& t : tables) {
        auto page = Page(t, after, n);
        if (page.size() >= n) full.push_back(RowKey{page.back().start_lsn, page.back().seqval});
        rows.insert(rows.end(), page.begin(), page.end());
      }
      largest = std::max(largest, rows.size());
      const auto bound = MergePage(&rows, full);
      merged.insert(merged.end(), rows.begin(), rows.end());
      if (!bound) break;
      after = bound;
    }
    ASSERT_EQ(merged.size(), all.size()) << "page size " << n;
    for (size_t i = 0; i < all.size(); ++i) {
      EXPECT_TRUE(merged[i].seqval == all[i].seqval && merged[i].operation == all[i].operation)
          << "page size " << n << " row " << i;
    }
    EXPECT_LE(largest, 2 * (n + 1)) << "page size " << n;  // at most a page (+ a tie) per instance
  }
}

TEST(SqlServerLsn, ParsesBinaryAndDebeziumFormsAndOrders) {
  auto a = Lsn::Parse("0x0000002700000758000A");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->ToString(), "00000027:00000758:000a");
  EXPECT_EQ(Lsn::Parse("00000027:00000758:000a")->Compare(*a), 0);
  EXPECT_TRUE(*Lsn::Parse("00000027:00000758:0009") < *a);
  EXPECT_TRUE(*a < *Lsn::Parse("00000028:00000000:0000"));
  EXPECT_FALSE(Lsn::Parse("0x123").has_value());
  EXPECT_FALSE(Lsn::Parse("0000002700000758000G").has_value());
  auto p = Position::Parse("00000027:00000758:0005/00000027:00000758:0003/2/1");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->ToString(), "00000027:00000758:0005/00000027:00000758:0003/2/1");
  EXPECT_LT(Position::Parse("00000027:00000758:0005/00000027:00000758:0003/2")->Compare(*p), 0);
  EXPECT_LT(Position::Parse("snapshot/00000027:00000758:0005/9")->Compare(*p), 0);
  EXPECT_FALSE(Position::Parse("00000027:00000758:0005/x/1").has_value());
  auto done = Position::Parse("snapshot/00000027:00000758:0005/9/done");
  ASSERT_TRUE(done.has_value());
  EXPECT_TRUE(done->snapshot_done);
  EXPECT_EQ(done->ToString(), "snapshot/00000027:00000758:0005/9/done");
}

TEST(SqlServerReplay, ReadsDeclarationsAndRowsAndNamesBadLines) {
  std::istringstream good(
      "{\"capture_instance\":\"dbo_t\",\"source_table\":\"dbo.t\",\"columns\":[{\"name\":\"id\",\"type\":\"int\","
      "\"key\":true},{\"name\":\"d\",\"type\":\"decimal(5,2)\"}]}\n\n"
      "{\"capture_instance\":\"dbo_t\",\"commit_time\":\"2019-06-05 10:11:08.470\",\"__$start_lsn\":"
      "\"0x00000027000007580005\",\"__$seqval\":\"0x00000027000007580003\",\"__$operation\":2,"
      "\"__$update_mask\":\"0x03\",\"id\":1,\"d\":1.5}\n");
  ReplayInput in = ReadReplay(good, "f.jsonl");
  ASSERT_EQ(in.instances.size(), 1u);
  ASSERT_EQ(in.rows.size(), 1u);
  EXPECT_EQ(in.rows[0].commit_time_us, 1559729468470000);
  EXPECT_EQ(in.rows[0].values[1], SourceValue::Text("1.5"));

  auto error_of = [](const std::string& text) {
    std::istringstream s(text);
    try {
      ReadReplay(s, "f.jsonl");
    } catch (const ReplayError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error_of("{\"capture_instance\":\"x\",\"__$start_lsn\":\"0x00\"}"),
            "f.jsonl:1: capture instance \"x\" is not declared: add a line with its columns before its rows");
  EXPECT_EQ(error_of("{\"capture_instance\":\"x\",\"source_table\":\"dbo.x\",\"columns\":[{\"name\":\"a\","
                     "\"type\":\"intt\"}]}"),
            "f.jsonl:1: column \"a\" has unknown SQL Server type \"intt\"");
  EXPECT_EQ(error_of("nope"), error_of("nope"));
  EXPECT_EQ(error_of("nope").rfind("f.jsonl:1: not valid JSON", 0), 0u);
}

}  // namespace
}  // namespace dbct::sqlserver
