// Debezium's SQL Server type mappings (connectors/sqlserver.adoc "Data type mappings",
// SqlServerValueConverters, JdbcValueConverters) under each handling mode.
#include <gtest/gtest.h>

#include "sqlserver/column_type.hpp"

namespace dbct::sqlserver {
namespace {

using odbc::SourceValue;
using values::BinaryMode;
using values::DecimalMode;
using values::TimePrecisionMode;

std::string Write(const char* type, const SourceValue& v, values::ValueModes modes = {}) {
  auto t = ParseColumnType(type);
  EXPECT_TRUE(t.has_value()) << type;
  envelope::JsonWriter w;
  WriteValue(w, *t, v, modes);
  return std::string(w.View());
}

values::ValueModes Modes(DecimalMode d, TimePrecisionMode t = TimePrecisionMode::kAdaptive,
                         BinaryMode b = BinaryMode::kBytes) {
  values::ValueModes m;
  m.decimal = d;
  m.time_precision = t;
  m.binary = b;
  return m;
}

SourceValue T(const char* s) { return SourceValue::Text(s); }

TEST(SqlServerTypes, Basic) {
  EXPECT_EQ(Write("bit", SourceValue::Bool(true)), "true");
  EXPECT_EQ(Write("bit", SourceValue::Int(0)), "false");
  EXPECT_EQ(Write("tinyint", SourceValue::Int(255)), "255");  // INT16: unsigned 0..255
  EXPECT_EQ(Write("smallint", SourceValue::Int(-32768)), "-32768");
  EXPECT_EQ(Write("int", SourceValue::Int(2147483647)), "2147483647");
  EXPECT_EQ(Write("bigint", SourceValue::Int(INT64_MIN)), "-9223372036854775808");
  EXPECT_EQ(Write("real", SourceValue::Double(1.1f)), "1.1");  // FLOAT32
  EXPECT_EQ(Write("float(24)", SourceValue::Double(1.1f)), "1.1");
  EXPECT_EQ(Write("float", SourceValue::Double(0.1)), "0.1");  // FLOAT64
  EXPECT_EQ(Write("nvarchar(20)", T("grüße \"x\"")), "\"grüße \\\"x\\\"\"");
  EXPECT_EQ(Write("char(3)", T("ab ")), "\"ab \"");
  EXPECT_EQ(Write("ntext", T("long")), "\"long\"");
  EXPECT_EQ(Write("xml", T("<a>1</a>")), "\"<a>1</a>\"");  // io.debezium.data.Xml
  EXPECT_EQ(Write("uniqueidentifier", T("6F9619FF-8B86-D011-B42D-00C04FC964FF")),
            "\"6F9619FF-8B86-D011-B42D-00C04FC964FF\"");
  EXPECT_EQ(Write("int", SourceValue::Null()), "null");
}

TEST(SqlServerTypes, DecimalAndMoneyUnderEachDecimalMode) {
  EXPECT_EQ(Write("decimal(10,2)", T("12.34")), "\"BNI=\"");  // Decimal: base64 of 1234
  EXPECT_EQ(Write("numeric(10,2)", T("12.34"), Modes(DecimalMode::kString)), "\"12.34\"");
  EXPECT_EQ(Write("decimal(10,2)", T("12.34"), Modes(DecimalMode::kDouble)), "12.34");
  EXPECT_EQ(Write("decimal", T("0")), "\"AA==\"");  // decimal(18,0)
  EXPECT_EQ(Write("money", T("12.3400")), "\"AeII\"");  // scale 4: 123400
  EXPECT_EQ(Write("smallmoney", T("-1.5000")), "\"xWg=\"");  // -15000
  EXPECT_EQ(Write("money", T("12.3400"), Modes(DecimalMode::kString)), "\"12.3400\"");
  EXPECT_EQ(Write("money", T("12.3400"), Modes(DecimalMode::kDouble)), "12.34");
}

TEST(SqlServerTypes, TemporalAdaptive) {
  // The doc's example: datetime2 "2018-06-20 15:13:16.945104" -> MicroTimestamp 1529507596945104.
  EXPECT_EQ(Write("datetime2(6)", T("2018-06-20 15:13:16.945104")), "1529507596945104");
  EXPECT_EQ(Write("datetime2(7)", T("2018-06-20 15:13:16.9451042")), "1529507596945104200");  // NanoTimestamp
  EXPECT_EQ(Write("datetime2", T("2018-06-20T15:13:16.9451042")), "1529507596945104200");
  EXPECT_EQ(Write("datetime2(3)", T("2018-06-20 15:13:16.945")), "1529507596945");  // Timestamp
  EXPECT_EQ(Write("datetime2(0)", T("1969-12-31 23:59:59")), "-1000");
  EXPECT_EQ(Write("datetime", T("2018-06-20 15:13:16.947")), "1529507596947");
  EXPECT_EQ(Write("smalldatetime", T("2018-06-20 15:13:00")), "1529507580000");
  EXPECT_EQ(Write("date", T("2018-06-20")), "17702");
  EXPECT_EQ(Write("time(3)", T("15:13:16.945")), "54796945");          // Time (ms)
  EXPECT_EQ(Write("time(6)", T("15:13:16.945104")), "54796945104");    // MicroTime
  EXPECT_EQ(Write("time", T("15:13:16.9451042")), "54796945104200");   // time(7): NanoTime
  EXPECT_THROW(Write("datetime2(7)", T("9999-12-31 23:59:59.9999999")), values::ValueError);
}

TEST(SqlServerTypes, TemporalConnectAndAdaptiveTimeMicroseconds) {
  const auto connect = Modes(DecimalMode::kPrecise, TimePrecisionMode::kConnect);
  EXPECT_EQ(Write("datetime2(7)", T("2018-06-20 15:13:16.9451042"), connect), "1529507596945");
  EXPECT_EQ(Write("time(7)", T("15:13:16.9451042"), connect), "54796945");
  EXPECT_EQ(Write("date", T("2018-06-20"), connect), "17702");
  EXPECT_EQ(Write("datetime2(7)", T("9999-12-31 23:59:59.9999999"), connect), "253402300799999");
  const auto micros = Modes(DecimalMode::kPrecise, TimePrecisionMode::kAdaptiveTimeMicroseconds);
  EXPECT_EQ(Write("time(7)", T("15:13:16.9451042"), micros), "54796945104");
  EXPECT_EQ(Write("time(0)", T("15:13:16"), micros), "54796000000");
  EXPECT_EQ(Write("datetime2(7)", T("2018-06-20 15:13:16.9451042"), micros), "1529507596945104200");
}

TEST(SqlServerTypes, DateTimeOffsetKeepsItsOffset) {
  // ZonedTimestamp.toIsoString(OffsetDateTime) = ISO_OFFSET_DATE_TIME: fraction without
  // trailing zeros, "Z" for +00:00; in every time precision mode.
  EXPECT_EQ(Write("datetimeoffset(7)", T("2018-06-20 15:13:16.9451040 +02:00")), "\"2018-06-20T15:13:16.945104+02:00\"");
  EXPECT_EQ(Write("datetimeoffset", T("2018-06-20 15:13:16.0000000 +00:00")), "\"2018-06-20T15:13:16Z\"");
  EXPECT_EQ(Write("datetimeoffset(0)", T("2018-06-20 15:13:16 -05:30"),
                  Modes(DecimalMode::kPrecise, TimePrecisionMode::kConnect)),
            "\"2018-06-20T15:13:16-05:30\"");
  EXPECT_THROW(Write("datetimeoffset", T("yesterday")), values::ValueError);
}

TEST(SqlServerTypes, BinaryLikeTypesUnderEachBinaryMode) {
  EXPECT_EQ(Write("varbinary(max)", SourceValue::Bytes(std::string("\x01\x02\xff", 3))), "\"AQL/\"");
  EXPECT_EQ(Write("binary(3)", T("0x0102FF")), "\"AQL/\"");
  EXPECT_EQ(Write("image", T("0x0102FF"), Modes(DecimalMode::kPrecise, TimePrecisionMode::kAdaptive, BinaryMode::kHex)),
            "\"0102ff\"");
  EXPECT_EQ(Write("rowversion", T("0x0102FF"),
                  Modes(DecimalMode::kPrecise, TimePrecisionMode::kAdaptive, BinaryMode::kBase64UrlSafe)),
            "\"AQL_\"");
  EXPECT_EQ(Write("geography", T("0xE610000001")), "\"5hAAAAE=\"");
  EXPECT_EQ(Write("geometry", T("0xE610000001")), "\"5hAAAAE=\"");
  EXPECT_EQ(Write("hierarchyid", T("0x58")), "\"WA==\"");
  EXPECT_THROW(Write("varbinary(10)", T("0x123")), values::ValueError);
}

TEST(SqlServerTypes, ParsesDeclaredTypes) {
  EXPECT_EQ(ParseColumnType("DECIMAL(10, 2)")->scale, 2);
  EXPECT_EQ(ParseColumnType("numeric")->precision, 18);
  EXPECT_EQ(ParseColumnType("datetime2")->scale, 7);
  EXPECT_EQ(ParseColumnType("time(3)")->scale, 3);
  EXPECT_EQ(ParseColumnType("float(10)")->id, TypeId::kReal);
  EXPECT_EQ(ParseColumnType("nvarchar(max)")->id, TypeId::kNVarChar);
  EXPECT_FALSE(ParseColumnType("datetime2(8)").has_value());
  EXPECT_FALSE(ParseColumnType("money2").has_value());
}

}  // namespace
}  // namespace dbct::sqlserver
