// LogMiner rows -> committed transactions -> Debezium events. The create and delete events are
// the examples of Debezium's Oracle connector documentation (connectors/oracle.adoc), as the
// JSON converter prints them for today's schema (OracleSourceInfoStructMaker: every field, in
// schema order, null when unset; snapshot as a string; txId as LogMiner's XID in hex).
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "dbct/values/temporal.hpp"
#include "oracle/change_emitter.hpp"
#include "oracle/replay_file.hpp"

namespace dbct::oracle {
namespace {

LogMinerRow Row(uint64_t scn, const char* xid, int op, std::string redo = "", int64_t ts_ms = 1520085154000) {
  LogMinerRow r;
  r.scn = scn;
  r.xid = xid;
  r.operation_code = op;
  r.sql_redo = std::move(redo);
  r.timestamp_ms = ts_ms;
  if (op >= 1 && op <= 3) {
    r.seg_owner = "DEBEZIUM";
    r.table_name = "CUSTOMERS";
    r.row_id = "AAASgjAAMAAAACnAAA";
    r.rs_id = "0x001234.00012345.0124";
    r.ssn = 1;
    r.username = "user";
  }
  return r;
}

LogMinerRow Commit(uint64_t scn, const char* xid, int64_t ts_ms = 1520085154000) {
  LogMinerRow r = Row(scn, xid, 7, "commit;", ts_ms);
  r.commit_scn = scn;
  return r;
}

std::map<std::string, OracleTable> Tables() {
  OracleTable t;
  t.schema = "DEBEZIUM";
  t.table = "CUSTOMERS";
  auto add = [&](const char* name, const char* type, bool key) {
    TableColumn c;
    c.name = name;
    c.type_text = type;
    c.type = *ParseColumnType(type);
    c.key = key;
    t.columns.push_back(c);
  };
  add("ID", "NUMBER(9,0)", true);
  add("FIRST_NAME", "VARCHAR2(255)", false);
  add("LAST_NAME", "VARCHAR2(255)", false);
  add("EMAIL", "VARCHAR2(255)", false);
  return {{"DEBEZIUM.CUSTOMERS", t}};
}

EmitterSettings Settings(int64_t now_ms) {
  EmitterSettings s;
  s.tracking = "oracle-crm";
  s.server_name = "server1";
  s.database = "ORCLPDB1";
  s.version = "2.7.0";
  s.now = [now_ms] { return envelope::EventTime::FromMillis(now_ms); };
  return s;
}

struct Out {
  std::vector<std::string> payloads, positions, keys;
  odbc::EventSink Sink() {
    return [this](const odbc::EmittedEvent& e) {
      payloads.emplace_back(e.payload);
      positions.emplace_back(e.position);
      keys.emplace_back(e.key);
    };
  }
};

// Feeds rows through a buffer into an emitter, as live mining and --replay do.
void Mine(std::vector<LogMinerRow> rows, ChangeEmitter& emitter, TransactionBuffer& buffer, Out& out) {
  for (auto& r : rows) {
    const uint64_t scn = r.scn;
    if (auto tx = buffer.Add(std::move(r))) emitter.EmitTransaction(*tx, buffer.OldestOpenScn(scn), out.Sink());
  }
}

constexpr const char* kInsert =
    "insert into \"DEBEZIUM\".\"CUSTOMERS\"(\"ID\",\"FIRST_NAME\",\"LAST_NAME\",\"EMAIL\") values "
    "('1004','Anne','Kretchmar','annek@noanswer.org');";

std::string Source(const char* ts, const char* scn) {
  const std::string t(ts), s(scn);
  return "\"source\":{\"version\":\"2.7.0\",\"connector\":\"oracle\",\"name\":\"server1\",\"ts_ms\":" + t +
         ",\"snapshot\":\"false\",\"db\":\"ORCLPDB1\",\"sequence\":null,\"ts_us\":" + t + "000,\"ts_ns\":" + t +
         "000000,\"schema\":\"DEBEZIUM\",\"table\":\"CUSTOMERS\",\"txId\":\"06001c0027030000\",\"scn\":\"" + s +
         "\",\"commit_scn\":\"" + s +
         "\",\"lcr_position\":null,\"rs_id\":\"0x001234.00012345.0124\",\"ssn\":1,\"redo_thread\":1,"
         "\"user_name\":\"user\",\"redo_sql\":null,\"row_id\":\"AAASgjAAMAAAACnAAA\",\"commit_ts_ms\":" + t +
         ",\"start_scn\":\"" + s + "\",\"start_ts_ms\":" + t + ",\"txSeq\":1}";
}

TEST(OracleEvents, CreateEventAsInDebeziumDocumentation) {
  auto tables = Tables();
  ChangeEmitter emitter(Settings(1532592105975), tables);
  TransactionBuffer buffer;
  Out out;
  Mine({Row(2122185, "06001c0027030000", 6), Row(2122185, "06001c0027030000", 1, kInsert),
        Commit(2122185, "06001c0027030000")},
       emitter, buffer, out);
  ASSERT_EQ(out.payloads.size(), 1u);
  EXPECT_EQ(out.payloads[0],
            "{\"before\":null,\"after\":{\"ID\":1004,\"FIRST_NAME\":\"Anne\",\"LAST_NAME\":\"Kretchmar\","
            "\"EMAIL\":\"annek@noanswer.org\"}," +
                Source("1520085154000", "2122185") +
                ",\"op\":\"c\",\"ts_ms\":1532592105975,\"ts_us\":1532592105975000,\"ts_ns\":1532592105975000000,"
                "\"transaction\":null}");
  EXPECT_EQ(out.keys[0], "{\"ID\":1004}");
  EXPECT_EQ(out.positions[0], "2122185/06001c0027030000/1@2122185");
}

TEST(OracleEvents, DeleteEventAsInDebeziumDocumentation) {
  auto tables = Tables();
  ChangeEmitter emitter(Settings(1532592105960), tables);
  TransactionBuffer buffer;
  Out out;
  Mine({Row(2122184, "06001c0027030000", 2,
            "delete from \"DEBEZIUM\".\"CUSTOMERS\" where \"ID\" = '1004' and \"FIRST_NAME\" = 'Anne' and "
            "\"LAST_NAME\" = 'Kretchmar' and \"EMAIL\" = 'anne@example.com' and ROWID = 'AAASgjAAMAAAACnAAA';",
            1520085153000),
        Commit(2122184, "06001c0027030000", 1520085153000)},
       emitter, buffer, out);
  ASSERT_EQ(out.payloads.size(), 1u);
  EXPECT_EQ(out.payloads[0],
            "{\"before\":{\"ID\":1004,\"FIRST_NAME\":\"Anne\",\"LAST_NAME\":\"Kretchmar\",\"EMAIL\":\"anne@example.com\"},"
            "\"after\":null," +
                Source("1520085153000", "2122184") +
                ",\"op\":\"d\",\"ts_ms\":1532592105960,\"ts_us\":1532592105960000,\"ts_ns\":1532592105960000000,"
                "\"transaction\":null}");
}

TEST(OracleEvents, UpdateAndKeyChange) {
  auto tables = Tables();
  ChangeEmitter emitter(Settings(1), tables);
  TransactionBuffer buffer;
  Out out;
  Mine({Row(100, "0a00010000000000", 3,
            "update \"DEBEZIUM\".\"CUSTOMERS\" set \"EMAIL\" = 'anne@example.com' where \"ID\" = '1004' and "
            "\"FIRST_NAME\" = 'Anne' and \"LAST_NAME\" = 'Kretchmar' and \"EMAIL\" = 'annek@noanswer.org' and "
            "ROWID = 'AAASgjAAMAAAACnAAA';"),
        Row(101, "0a00010000000000", 3,
            "update \"DEBEZIUM\".\"CUSTOMERS\" set \"ID\" = '1005' where \"ID\" = '1004' and \"FIRST_NAME\" = 'Anne' "
            "and \"LAST_NAME\" = 'Kretchmar' and \"EMAIL\" = 'anne@example.com' and ROWID = 'AAASgjAAMAAAACnAAA';"),
        Commit(102, "0a00010000000000")},
       emitter, buffer, out);
  ASSERT_EQ(out.payloads.size(), 3u);
  EXPECT_NE(out.payloads[0].find("\"before\":{\"ID\":1004,\"FIRST_NAME\":\"Anne\",\"LAST_NAME\":\"Kretchmar\","
                                 "\"EMAIL\":\"annek@noanswer.org\"},\"after\":{\"ID\":1004,\"FIRST_NAME\":\"Anne\","
                                 "\"LAST_NAME\":\"Kretchmar\",\"EMAIL\":\"anne@example.com\"}"),
            std::string::npos);
  EXPECT_NE(out.payloads[0].find("\"op\":\"u\""), std::string::npos);
  EXPECT_NE(out.payloads[1].find("\"op\":\"d\""), std::string::npos);
  EXPECT_NE(out.payloads[2].find("\"op\":\"c\""), std::string::npos);
  EXPECT_EQ(out.keys[1], "{\"ID\":1004}");
  EXPECT_EQ(out.keys[2], "{\"ID\":1005}");
  EXPECT_EQ(out.positions, (std::vector<std::string>{"102/0a00010000000000/1@102", "102/0a00010000000000/2@102",
                                                     "102/0a00010000000000/2.1@102"}));
}

TEST(OracleEvents, InterleavedTransactionsComeOutInCommitOrderAndRollbacksAreDropped) {
  auto tables = Tables();
  ChangeEmitter emitter(Settings(1), tables);
  TransactionBuffer buffer;
  Out out;
  auto insert = [](int id) {
    return "insert into \"DEBEZIUM\".\"CUSTOMERS\"(\"ID\",\"FIRST_NAME\",\"LAST_NAME\",\"EMAIL\") values ('" +
           std::to_string(id) + "','a','b','c');";
  };
  Mine({Row(10, "aa", 6), Row(11, "aa", 1, insert(1)), Row(12, "bb", 1, insert(2)), Row(13, "cc", 1, insert(3)),
        Row(14, "aa", 1, insert(4)), Commit(15, "bb"), Row(16, "cc", 36), Row(17, "aa", 1, insert(5)),
        Commit(18, "aa")},
       emitter, buffer, out);
  // bb committed first; cc rolled back; aa's three rows in their order.
  EXPECT_EQ(out.positions, (std::vector<std::string>{"15/bb/1@10", "18/aa/1@18", "18/aa/2@18", "18/aa/3@18"}));
  EXPECT_NE(out.payloads[0].find("\"ID\":2"), std::string::npos);
  EXPECT_NE(out.payloads[1].find("\"ID\":1"), std::string::npos);
  EXPECT_NE(out.payloads[3].find("\"ID\":5"), std::string::npos);
  EXPECT_NE(out.payloads[1].find("\"start_scn\":\"10\""), std::string::npos);
  EXPECT_EQ(buffer.RolledBack(), 1u);
  EXPECT_EQ(buffer.OpenTransactions(), 0u);
}

TEST(OracleEvents, ContinuedRowsAreJoinedAndSavepointUndoCancelsTheChange) {
  auto tables = Tables();
  ChangeEmitter emitter(Settings(1), tables);
  TransactionBuffer buffer;
  Out out;
  LogMinerRow part1 = Row(20, "dd", 1,
                          "insert into \"DEBEZIUM\".\"CUSTOMERS\"(\"ID\",\"FIRST_NAME\",\"LAST_NAME\",\"EMAIL\") "
                          "values ('7','lo");
  part1.csf = true;
  LogMinerRow part2 = Row(20, "dd", 1, "ng name','b','c');");
  LogMinerRow undone = Row(21, "dd", 1, "insert into \"DEBEZIUM\".\"CUSTOMERS\"(\"ID\",\"FIRST_NAME\",\"LAST_NAME\","
                                        "\"EMAIL\") values ('8','x','y','z');");
  undone.row_id = "AAASgjAAMAAAACnAAB";
  LogMinerRow undo = Row(22, "dd", 2, "delete from \"DEBEZIUM\".\"CUSTOMERS\" where ROWID = 'AAASgjAAMAAAACnAAB';");
  undo.row_id = "AAASgjAAMAAAACnAAB";
  undo.rollback = true;
  Mine({part1, part2, undone, undo, Commit(23, "dd")}, emitter, buffer, out);
  ASSERT_EQ(out.payloads.size(), 1u);
  EXPECT_NE(out.payloads[0].find("\"after\":{\"ID\":7,\"FIRST_NAME\":\"long name\""), std::string::npos);
}

TEST(OracleEvents, ResumeSkipsWhatTheStreamHasAndOtherTablesAreIgnored) {
  auto tables = Tables();
  ChangeEmitter emitter(Settings(1), tables);
  emitter.ResumeAfter(Position::Parse("18/aa/1@10"));
  TransactionBuffer buffer;
  Out out;
  LogMinerRow other = Row(12, "aa", 1, "insert into \"HR\".\"X\"(\"A\") values ('1');");
  other.seg_owner = "HR";
  other.table_name = "X";
  Mine({Row(11, "bb", 1, kInsert), Commit(12, "bb"), Row(13, "aa", 1, kInsert), other, Row(14, "aa", 1, kInsert),
        Commit(18, "aa"), Row(19, "cc", 1, kInsert), Commit(20, "cc")},
       emitter, buffer, out);
  EXPECT_EQ(out.positions, (std::vector<std::string>{"18/aa/2@18", "20/cc/1@20"}));
}

TEST(OracleEvents, PositionsRoundTrip) {
  auto p = Position::Parse("2122185/06001c0027030000/3.1@2122100");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->commit_scn, 2122185u);
  EXPECT_EQ(p->xid, "06001c0027030000");
  EXPECT_EQ(p->tx_seq, 3);
  EXPECT_EQ(p->part, 1);
  EXPECT_EQ(p->restart_scn, 2122100u);
  EXPECT_EQ(p->ToString(), "2122185/06001c0027030000/3.1@2122100");
  EXPECT_FALSE(Position::Parse("2122185/06001c0027030000/3").has_value());
  EXPECT_FALSE(Position::Parse("x/y/1@2").has_value());
}

struct Routed {
  std::vector<std::string> subjects, payloads, positions, msg_ids;
  odbc::EventSink Sink() {
    return [this](const odbc::EmittedEvent& e) {
      subjects.emplace_back(e.subject);
      payloads.emplace_back(e.payload);
      positions.emplace_back(e.position);
      msg_ids.emplace_back(e.msg_id);
    };
  }
};

void MineRouted(std::vector<LogMinerRow> rows, ChangeEmitter& emitter, TransactionBuffer& buffer, Routed& out) {
  for (auto& r : rows) {
    const uint64_t scn = r.scn;
    if (auto tx = buffer.Add(std::move(r))) emitter.EmitTransaction(*tx, buffer.OldestOpenScn(scn), out.Sink());
  }
}

std::string InsertOf(int id) {
  return "insert into \"DEBEZIUM\".\"CUSTOMERS\"(\"ID\",\"FIRST_NAME\") values ('" + std::to_string(id) + "','n');";
}

TEST(OracleEvents, TransactionMetadataFramesEachCommittedTransaction) {
  auto tables = Tables();
  EmitterSettings settings = Settings(5);
  settings.provide_transaction_metadata = true;
  settings.transaction_subject = "dbchangetracking.oracle-crm.transaction";
  ChangeEmitter emitter(settings, tables);
  TransactionBuffer buffer;
  Routed out;
  LogMinerRow other = Row(12, "aa", 1, "insert into \"HR\".\"X\"(\"A\") values ('1');");
  other.seg_owner = "HR";
  other.table_name = "X";
  // A transaction touching only a table not tracked has no BEGIN/END.
  MineRouted({Row(10, "aa", 6), Row(11, "aa", 1, InsertOf(1)), Row(12, "bb", 1, InsertOf(9)), Commit(13, "bb"),
              Row(14, "aa", 1, InsertOf(2)), Commit(15, "aa", 1520085155000), Row(16, "cc", 6), other, Commit(17, "cc")},
             emitter, buffer, out);
  const std::string tx = "dbchangetracking.oracle-crm.transaction";
  ASSERT_EQ(out.payloads.size(), 7u);
  EXPECT_EQ(out.subjects, (std::vector<std::string>{tx, "", tx, tx, "", "", tx}));
  EXPECT_EQ(out.positions, (std::vector<std::string>{"13/bb/0@10", "13/bb/1@10", "13/bb/end@10", "15/aa/0@15",
                                                     "15/aa/1@15", "15/aa/2@15", "15/aa/end@15"}));
  EXPECT_EQ(out.payloads[3],
            "{\"status\":\"BEGIN\",\"id\":\"aa\",\"event_count\":null,\"data_collections\":null,"
            "\"ts_ms\":1520085155000}");
  EXPECT_NE(out.payloads[5].find("\"transaction\":{\"id\":\"aa\",\"total_order\":2,\"data_collection_order\":2}"),
            std::string::npos);
  EXPECT_EQ(out.payloads[6],
            "{\"status\":\"END\",\"id\":\"aa\",\"event_count\":2,\"data_collections\":"
            "[{\"data_collection\":\"ORCLPDB1.DEBEZIUM.CUSTOMERS\",\"event_count\":2}],\"ts_ms\":1520085155000}");
  EXPECT_EQ(out.msg_ids[6], "oracle-crm:15/aa/end@15");

  // Resumed after the first change of "aa": orders continue, BEGIN is not sent again.
  ChangeEmitter again(settings, tables);
  again.ResumeAfter(Position::Parse("15/aa/1@15"));
  TransactionBuffer buffer2;
  Routed rest;
  MineRouted({Row(11, "aa", 1, InsertOf(1)), Row(14, "aa", 1, InsertOf(2)), Commit(15, "aa")}, again, buffer2, rest);
  EXPECT_EQ(rest.positions, (std::vector<std::string>{"15/aa/2@15", "15/aa/end@15"}));
  EXPECT_NE(rest.payloads[0].find("\"total_order\":2"), std::string::npos);
}

TEST(OracleEvents, IdlePositionsCoverEveryEarlierCommit) {
  const auto idle = Position::Parse("500/idle/0@450");
  ASSERT_TRUE(idle.has_value());
  EXPECT_TRUE(idle->Through());
  EXPECT_EQ(idle->ToString(), "500/idle/0@450");
  EXPECT_TRUE(idle->Covers(*Position::Parse("500/ab/end@400")));
  EXPECT_FALSE(idle->Covers(*Position::Parse("501/ab/1@450")));
  EXPECT_GT(idle->Compare(*Position::Parse("500/ab/end@400")), 0);
  EXPECT_LT(idle->Compare(*Position::Parse("501/ab/0@450")), 0);
  const auto end = Position::Parse("15/aa/end@15");
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->tx_seq, Position::kEnd);
  EXPECT_TRUE(end->Covers(*Position::Parse("15/aa/7.1@15")));
  EXPECT_FALSE(Position::Parse("15/aa/end.1@15").has_value());
  // Mining resumed after an idle position emits only later commits.
  auto tables = Tables();
  ChangeEmitter emitter(Settings(1), tables);
  emitter.ResumeAfter(idle);
  TransactionBuffer buffer;
  Out out;
  Mine({Row(450, "aa", 1, InsertOf(1)), Commit(500, "aa"), Row(460, "bb", 1, InsertOf(2)), Commit(501, "bb")}, emitter,
       buffer, out);
  EXPECT_EQ(out.positions, (std::vector<std::string>{"501/bb/1@501"}));
}

// Every row but one goes to disk (a limit of 1 byte): the events are the same as with all rows
// in memory, including CSF-continued rows, an undo of a spilled row, and a rolled-back
// transaction that had spilled.
TEST(OracleTransactionBuffer, SpilledTransactionsGiveTheSameEvents) {
  auto rows = [] {
    LogMinerRow part1 = Row(21, "aa", 1, "insert into \"DEBEZIUM\".\"CUSTOMERS\"(\"ID\",\"FIRST_NAME\") values ('50','lo");
    part1.csf = true;
    LogMinerRow part2 = Row(21, "aa", 1, "ng name');");
    LogMinerRow undo = Row(24, "aa", 2, "delete from \"DEBEZIUM\".\"CUSTOMERS\" where ROWID = 'R2';");
    undo.rollback = true;
    undo.row_id = "R2";
    std::vector<LogMinerRow> v = {Row(10, "aa", 6)};
    for (int k = 1; k <= 6; ++k) {
      LogMinerRow r = Row(10 + k, "aa", 1, InsertOf(k));
      r.row_id = "R" + std::to_string(k);
      v.push_back(r);
      v.push_back(Row(10 + k, "rb", 1, InsertOf(100 + k)));
    }
    v.push_back(part1);
    v.push_back(part2);
    v.push_back(Row(22, "aa", 1, InsertOf(60)));
    v.push_back(Row(23, "aa", 1, InsertOf(61)));
    v.push_back(undo);  // cancels the insert of row R2, long on disk by now
    v.push_back(Row(25, "rb", 36));
    v.push_back(Commit(26, "aa"));
    return v;
  };
  auto tables = Tables();
  ChangeEmitter in_memory(Settings(1), tables), spilling(Settings(1), tables);
  TransactionBuffer big, tiny(1);
  Out a, b;
  Mine(rows(), in_memory, big, a);
  Mine(rows(), spilling, tiny, b);
  EXPECT_EQ(big.SpilledRows(), 0u);
  EXPECT_GT(tiny.SpilledRows(), 5u);
  EXPECT_EQ(tiny.MemoryBytes(), 0u);
  EXPECT_EQ(tiny.OpenTransactions(), 0u);
  EXPECT_EQ(tiny.RolledBack(), 1u);
  ASSERT_EQ(a.payloads.size(), 8u);  // 6 inserts - 1 undone + the joined one + 2
  EXPECT_EQ(a.payloads, b.payloads);
  EXPECT_EQ(a.positions, b.positions);
  for (const auto& p : b.payloads) EXPECT_EQ(p.find("\"ID\":2,"), std::string::npos) << p;
  EXPECT_NE(b.payloads[5].find("\"FIRST_NAME\":\"long name\""), std::string::npos);
}

TEST(OracleTransactionBuffer, MemoryStaysUnderTheLimitForAHugeOpenTransaction) {
  TransactionBuffer buffer(64 * 1024);
  size_t peak = 0;
  for (int k = 0; k < 20000; ++k) {
    LogMinerRow r = Row(100 + k, "huge", 1, InsertOf(k));
    buffer.Add(std::move(r));
    peak = std::max(peak, buffer.MemoryBytes());
  }
  EXPECT_LE(peak, size_t{64 * 1024} + 4096);
  EXPECT_GT(buffer.SpilledRows(), 19000u);
  auto tx = buffer.Add(Commit(30000, "huge"));
  ASSERT_TRUE(tx.has_value());
  size_t n = 0;
  int64_t last_scn = 0;
  tx->ForEachChange([&](const LogMinerRow& r) {
    EXPECT_EQ(r.sql_redo, InsertOf(static_cast<int>(n)));
    EXPECT_GT(static_cast<int64_t>(r.scn), last_scn);
    last_scn = static_cast<int64_t>(r.scn);
    ++n;
  });
  EXPECT_EQ(n, 20000u);
}

TEST(OracleEvents, SnapshotMessageIdsDoNotDependOnTheReadScn) {
  auto tables = Tables();
  const OracleTable& t = tables.at("DEBEZIUM.CUSTOMERS");
  auto row = [](const char* email) {
    std::vector<RedoValue> v(4);
    v[0].kind = RedoValue::Kind::kText;
    v[0].text = "1004";
    v[3].kind = RedoValue::Kind::kText;
    v[3].text = email;
    return v;
  };
  ChangeEmitter first(Settings(1), tables), again(Settings(2), tables);
  Routed a, b;
  first.EmitSnapshotRow(t, row("a@x"), 1000, 1000, 1, "first", 1, a.Sink());
  again.EmitSnapshotRow(t, row("a@x"), 2000, 1000, 1, "last", 2, b.Sink());
  EXPECT_EQ(a.msg_ids[0], b.msg_ids[0]);
  EXPECT_EQ(a.msg_ids[0].rfind("oracle-crm:snapshot:ORCLPDB1.DEBEZIUM.CUSTOMERS:", 0), 0u);
  EXPECT_EQ(b.positions[0], "1000/snapshot-done/1@1000");
  EXPECT_NE(b.payloads[0].find("\"scn\":\"2000\""), std::string::npos);
  Routed c;
  again.EmitSnapshotRow(t, row("b@x"), 2000, 1000, 2, "last", 2, c.Sink());
  EXPECT_NE(c.msg_ids[0], a.msg_ids[0]);
}

TEST(OracleReplay, ReadsTablesAndRowsAndNamesBadLines) {
  std::istringstream in(
      "{\"table\":\"DEBEZIUM.CUSTOMERS\",\"columns\":[{\"name\":\"ID\",\"type\":\"NUMBER(9,0)\",\"key\":true}]}\n"
      "{\"SCN\":\"2122185\",\"XID\":\"06001C0027030000\",\"OPERATION_CODE\":1,\"SEG_OWNER\":\"DEBEZIUM\","
      "\"TABLE_NAME\":\"CUSTOMERS\",\"SQL_REDO\":\"insert into \\\"DEBEZIUM\\\".\\\"CUSTOMERS\\\"(\\\"ID\\\") values ('1');\","
      "\"TIMESTAMP\":\"2018-03-03 13:52:34\",\"RS_ID\":\" 0x001234.00012345.0124 \",\"THREAD#\":1}\n");
  ReplayInput r = ReadReplay(in, "m.jsonl");
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0].scn, 2122185u);
  EXPECT_EQ(r.rows[0].xid, "06001c0027030000");
  EXPECT_EQ(r.rows[0].timestamp_ms, 1520085154000);
  EXPECT_EQ(r.rows[0].rs_id, "0x001234.00012345.0124");
  std::istringstream bad("{\"SCN\":1,\"XID\":\"aa\",\"OPERATION_CODE\":1}\n");
  try {
    ReadReplay(bad, "m.jsonl");
    FAIL();
  } catch (const ReplayError& e) {
    EXPECT_STREQ(e.what(), "m.jsonl:1: SQL_REDO is missing for OPERATION_CODE 1");
  }
}

}  // namespace
}  // namespace dbct::oracle
