// Debezium's Oracle type mappings (connectors/oracle.adoc "Data type mappings",
// OracleValueConverters) under each handling mode, from SQL_REDO values.
#include <gtest/gtest.h>

#include "dbct/values/temporal.hpp"
#include "oracle/column_type.hpp"

namespace dbct::oracle {
namespace {

using Kind = RedoValue::Kind;
using values::DecimalMode;
using values::TimePrecisionMode;

RedoValue V(Kind k, std::string text) {
  RedoValue v;
  v.kind = k;
  v.text = std::move(text);
  return v;
}
RedoValue T(std::string text) { return V(Kind::kText, std::move(text)); }

std::string Write(const char* type, const RedoValue& v, WriteOptions o = {}) {
  auto t = ParseColumnType(type);
  EXPECT_TRUE(t.has_value()) << type;
  envelope::JsonWriter w;
  WriteValue(w, *t, v, o);
  return std::string(w.View());
}

WriteOptions Decimal(DecimalMode m) {
  WriteOptions o;
  o.modes.decimal = m;
  return o;
}

TEST(OracleTypes, NumberWithAndWithoutScale) {
  EXPECT_EQ(Write("NUMBER(2,0)", T("12")), "12");           // INT8
  EXPECT_EQ(Write("NUMBER(9)", T("-1004")), "-1004");        // INT32
  EXPECT_EQ(Write("NUMBER(18,0)", T("123456789012345678")), "123456789012345678");  // INT64
  EXPECT_EQ(Write("NUMBER(20,0)", T("100000000000000000000")), "\"BWvHXi1jEAAA\"");  // Decimal, scale 0
  EXPECT_EQ(Write("NUMBER(10,2)", T("123.45")), "\"MDk=\"");  // Decimal scale 2: 12345
  EXPECT_EQ(Write("NUMBER(10,2)", T(".5")), "\"Mg==\"");      // Oracle prints .5
  EXPECT_EQ(Write("NUMBER(10,2)", T("123.45"), Decimal(DecimalMode::kString)), "\"123.45\"");
  EXPECT_EQ(Write("NUMBER(10,2)", T("123.45"), Decimal(DecimalMode::kDouble)), "123.45");
  EXPECT_EQ(Write("NUMBER(9,0)", T("1004"), Decimal(DecimalMode::kString)), "\"1004\"");
  // NUMBER without precision and FLOAT: io.debezium.data.VariableScaleDecimal.
  EXPECT_EQ(Write("NUMBER", T("1.5")), "{\"scale\":1,\"value\":\"Dw==\"}");
  EXPECT_EQ(Write("FLOAT(126)", T("-.5")), "{\"scale\":1,\"value\":\"+w==\"}");
  EXPECT_EQ(Write("NUMBER", T("1.0E+2"), Decimal(DecimalMode::kString)), "\"100\"");
  EXPECT_EQ(Write("BINARY_FLOAT", T("1.1")), "1.1");
  EXPECT_EQ(Write("BINARY_DOUBLE", T("0.1")), "0.1");
  EXPECT_EQ(Write("NUMBER(5)", RedoValue{}), "null");
  EXPECT_THROW(Write("NUMBER(5)", T("12a")), values::ValueError);
}

TEST(OracleTypes, CharacterTypes) {
  EXPECT_EQ(Write("VARCHAR2(20)", T("Anne")), "\"Anne\"");
  EXPECT_EQ(Write("NVARCHAR2(20)", T("München")), "\"München\"");
  EXPECT_EQ(Write("CHAR(3)", T("ab ")), "\"ab \"");
  EXPECT_EQ(Write("NCHAR(1)", T("x")), "\"x\"");
}

TEST(OracleTypes, DateAndTimestampsByPrecisionMode) {
  // DATE has a time of day: io.debezium.time.Timestamp (ms).
  EXPECT_EQ(Write("DATE", V(Kind::kDate, "2018-03-03 13:52:34")), "1520085154000");
  EXPECT_EQ(Write("TIMESTAMP(3)", V(Kind::kTimestamp, "2018-03-03 13:52:34.123")), "1520085154123");
  EXPECT_EQ(Write("TIMESTAMP(6)", V(Kind::kTimestamp, "2018-03-03 13:52:34.123456")), "1520085154123456");
  EXPECT_EQ(Write("TIMESTAMP", V(Kind::kTimestamp, "2018-03-03 13:52:34.123456")), "1520085154123456");
  EXPECT_EQ(Write("TIMESTAMP(9)", V(Kind::kTimestamp, "2018-03-03 13:52:34.123456789")), "1520085154123456789");
  WriteOptions connect;
  connect.modes.time_precision = TimePrecisionMode::kConnect;
  EXPECT_EQ(Write("TIMESTAMP(9)", V(Kind::kTimestamp, "2018-03-03 13:52:34.123456789"), connect), "1520085154123");
}

TEST(OracleTypes, TimestampWithTimeZoneKeepsOffsetWithColumnPrecision) {
  EXPECT_EQ(Write("TIMESTAMP(6) WITH TIME ZONE", V(Kind::kTimestampTz, "2018-03-03 13:52:34.123 +02:00")),
            "\"2018-03-03T13:52:34.123000+02:00\"");
  EXPECT_EQ(Write("TIMESTAMP(3) WITH TIME ZONE", V(Kind::kTimestampTz, "2018-03-03 13:52:34.123456 -05:30")),
            "\"2018-03-03T13:52:34.123-05:30\"");
  EXPECT_EQ(Write("TIMESTAMP(0) WITH TIME ZONE", V(Kind::kTimestampTz, "2018-03-03 13:52:34 +00:00")),
            "\"2018-03-03T13:52:34Z\"");
  // WITH LOCAL TIME ZONE: the instant in UTC.
  EXPECT_EQ(Write("TIMESTAMP(6) WITH LOCAL TIME ZONE", V(Kind::kTimestampTz, "2018-03-03 01:00:00.5 +02:00")),
            "\"2018-03-02T23:00:00.500000Z\"");
}

TEST(OracleTypes, IntervalsNumericAndString) {
  RedoValue ym = V(Kind::kInterval, "+01-02");
  ym.year_month = true;
  const RedoValue ds = V(Kind::kInterval, "+01 02:03:04.500000");
  EXPECT_EQ(Write("INTERVAL YEAR(2) TO MONTH", ym), std::to_string(values::IntervalMicroDuration(14, 0, 0)));
  EXPECT_EQ(Write("INTERVAL DAY(2) TO SECOND(6)", ds), "93784500000");
  RedoValue negative = V(Kind::kInterval, "-00 00:00:01.000000");
  EXPECT_EQ(Write("INTERVAL DAY(2) TO SECOND(6)", negative), "-1000000");
  WriteOptions text;
  text.modes.interval = values::IntervalMode::kString;
  std::string iso;
  values::AppendIsoInterval(iso, 0, 1, 7384500000);
  EXPECT_EQ(Write("INTERVAL DAY(2) TO SECOND(6)", ds, text), "\"" + iso + "\"");
}

TEST(OracleTypes, RawAndLobsWithLobMiningOff) {
  EXPECT_EQ(Write("RAW(2)", V(Kind::kBytes, std::string("\x0a\xff", 2))), "\"Cv8=\"");
  WriteOptions hex;
  hex.modes.binary = values::BinaryMode::kHex;
  EXPECT_EQ(Write("RAW(2)", V(Kind::kBytes, std::string("\x0a\xff", 2)), hex), "\"0aff\"");
  EXPECT_EQ(Write("CLOB", V(Kind::kEmptyLob, "")), "\"__debezium_unavailable_value\"");
  EXPECT_EQ(Write("NCLOB", V(Kind::kEmptyLob, "")), "\"__debezium_unavailable_value\"");
  EXPECT_EQ(Write("CLOB", T("inline text")), "\"inline text\"");
  EXPECT_EQ(Write("BLOB", V(Kind::kEmptyLob, "")), "\"X19kZWJleml1bV91bmF2YWlsYWJsZV92YWx1ZQ==\"");
  EXPECT_EQ(Write("BLOB", RedoValue{}), "null");
  // unavailableValuePlaceholder changes what a LOB the redo does not give becomes.
  WriteOptions custom;
  custom.unavailable_placeholder = "<lob>";
  EXPECT_EQ(Write("CLOB", V(Kind::kEmptyLob, ""), custom), "\"<lob>\"");
  EXPECT_EQ(Write("BLOB", V(Kind::kEmptyLob, ""), custom), "\"PGxvYj4=\"");
}

TEST(OracleTypes, ParsesDeclaredTypes) {
  EXPECT_EQ(ParseColumnType("NUMBER")->precision, -1);
  EXPECT_EQ(ParseColumnType("NUMBER(10, 2)")->scale, 2);
  EXPECT_EQ(ParseColumnType("NUMBER(*,0)")->precision, 38);
  EXPECT_EQ(ParseColumnType("TIMESTAMP(3) WITH TIME ZONE")->id, TypeId::kTimestampTz);
  EXPECT_EQ(ParseColumnType("TIMESTAMP(3) WITH TIME ZONE")->scale, 3);
  EXPECT_EQ(ParseColumnType("timestamp with local time zone")->id, TypeId::kTimestampLtz);
  EXPECT_FALSE(ParseColumnType("XMLTYPE").has_value());
}

}  // namespace
}  // namespace dbct::oracle
