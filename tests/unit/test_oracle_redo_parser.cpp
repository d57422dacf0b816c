// LogMiner SQL_REDO statements (the shapes Oracle documents for V$LOGMNR_CONTENTS) parsed into
// column values.
#include <gtest/gtest.h>

#include "oracle/redo_parser.hpp"

namespace dbct::oracle {
namespace {

using Kind = RedoValue::Kind;

RedoValue V(Kind k, std::string text = "") {
  RedoValue v;
  v.kind = k;
  v.text = std::move(text);
  return v;
}

TEST(OracleRedoParser, InsertWithEveryValueForm) {
  const ParsedRedo p = ParseRedo(
      "insert into \"DEBEZIUM\".\"CUSTOMERS\"(\"ID\",\"NAME\",\"BORN\",\"SEEN\",\"SEEN_TZ\",\"PIC\",\"DOC\",\"CITY\","
      "\"NOTE\",\"N\",\"YM\",\"DS\") values ('1004','O''Brien',TO_DATE('2018-03-03 13:52:34', "
      "'YYYY-MM-DD HH24:MI:SS'),TO_TIMESTAMP('2018-03-03 13:52:34.123456'),"
      "TO_TIMESTAMP_TZ('2018-03-03 13:52:34.123456 +02:00'),HEXTORAW('0aff'),EMPTY_CLOB(),"
      "unistr('M\\00fcnchen \\d83d\\de00'),NULL,-12.5,TO_YMINTERVAL('+01-02'),TO_DSINTERVAL('+01 02:03:04.500000'));");
  EXPECT_EQ(p.op, RedoOp::kInsert);
  EXPECT_EQ(p.schema, "DEBEZIUM");
  EXPECT_EQ(p.table, "CUSTOMERS");
  ASSERT_EQ(p.after.size(), 12u);
  EXPECT_TRUE(p.before.empty());
  EXPECT_EQ(p.after[0].column, "ID");
  EXPECT_EQ(p.after[0].value, V(Kind::kText, "1004"));
  EXPECT_EQ(p.after[1].value, V(Kind::kText, "O'Brien"));
  EXPECT_EQ(p.after[2].value, V(Kind::kDate, "2018-03-03 13:52:34"));
  EXPECT_EQ(p.after[3].value, V(Kind::kTimestamp, "2018-03-03 13:52:34.123456"));
  EXPECT_EQ(p.after[4].value, V(Kind::kTimestampTz, "2018-03-03 13:52:34.123456 +02:00"));
  EXPECT_EQ(p.after[5].value, V(Kind::kBytes, std::string("\x0a\xff", 2)));
  EXPECT_EQ(p.after[6].value, V(Kind::kEmptyLob));
  EXPECT_EQ(p.after[7].value, V(Kind::kText, "München 😀"));
  EXPECT_EQ(p.after[8].value, V(Kind::kNull));
  EXPECT_EQ(p.after[9].value, V(Kind::kText, "-12.5"));
  EXPECT_EQ(p.after[10].value.kind, Kind::kInterval);
  EXPECT_TRUE(p.after[10].value.year_month);
  EXPECT_EQ(p.after[10].value.text, "+01-02");
  EXPECT_FALSE(p.after[11].value.year_month);
}

TEST(OracleRedoParser, UpdateBeforeIsTheWhereClauseAfterAppliesTheSet) {
  const ParsedRedo p = ParseRedo(
      "update \"DEBEZIUM\".\"CUSTOMERS\" set \"EMAIL\" = 'anne@example.com', \"NOTE\" = NULL where \"ID\" = '1004' "
      "and \"EMAIL\" = 'annek@noanswer.org' and \"NOTE\" = 'x' and \"CITY\" IS NULL and ROWID = 'AAASgjAAMAAAACnAAA';");
  EXPECT_EQ(p.op, RedoOp::kUpdate);
  ASSERT_EQ(p.before.size(), 4u);  // ROWID is not a column
  EXPECT_EQ(p.before[1].value, V(Kind::kText, "annek@noanswer.org"));
  EXPECT_EQ(p.before[3].column, "CITY");
  EXPECT_EQ(p.before[3].value, V(Kind::kNull));
  ASSERT_EQ(p.after.size(), 4u);
  EXPECT_EQ(p.after[0].value, V(Kind::kText, "1004"));
  EXPECT_EQ(p.after[1].value, V(Kind::kText, "anne@example.com"));
  EXPECT_EQ(p.after[2].value, V(Kind::kNull));
  EXPECT_EQ(p.after[3].value, V(Kind::kNull));
}

TEST(OracleRedoParser, DeleteAndLongLiteralsSplitWithConcatenation) {
  const ParsedRedo p = ParseRedo(
      "delete from \"DEBEZIUM\".\"CUSTOMERS\" where \"ID\" = '1004' and \"BIO\" = 'first part ' || 'second part' "
      "and ROWID = 'AAASgjAAMAAAACnAAA';");
  EXPECT_EQ(p.op, RedoOp::kDelete);
  ASSERT_EQ(p.before.size(), 2u);
  EXPECT_EQ(p.before[1].value, V(Kind::kText, "first part second part"));
  EXPECT_TRUE(p.after.empty());
}

TEST(OracleRedoParser, BadStatementsNameWhereAndWhat) {
  auto message = [](const char* sql) {
    try {
      ParseRedo(sql);
    } catch (const RedoParseError& e) {
      return std::string(e.what());
    }
    return std::string("parsed");
  };
  EXPECT_EQ(message("select 1 from dual"), "SQL_REDO: expected insert, update or delete at offset 0 near \"select 1 from dual\"");
  EXPECT_EQ(message("insert into \"A\".\"B\"(\"X\") values ('1'"),
            "SQL_REDO: expected \")\" at offset 36 (end of statement)");
  EXPECT_EQ(message("insert into \"A\".\"B\"(\"X\") values (SYSDATE())"),
            "SQL_REDO: expected a known function (not SYSDATE) at offset 41 near \"))\"");
  EXPECT_EQ(message("insert into \"A\".\"B\"(\"X\") values ('it''s)"),
            "SQL_REDO: expected a closing quote at offset 40 (end of statement)");
}

}  // namespace
}  // namespace dbct::oracle
