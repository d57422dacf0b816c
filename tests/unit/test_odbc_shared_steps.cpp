// The pieces both ODBC sidecars share: snapshot markers, source date-times, connection strings,
// and the one UTF-8 encoder of dbct_shared.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "connection_string.hpp"
#include "dbct/values/utf8.hpp"
#include "snapshot_rows.hpp"
#include "source_temporal.hpp"

namespace {

using dbct::odbc::SnapshotRows;

struct Table {
  std::string name;
};

TEST(SnapshotRows, MarksFirstLastAndTableEdges) {
  const Table a{"a"}, b{"b"};
  std::vector<std::string> seen;
  SnapshotRows<Table, int> rows([&](const Table& t, const int& v, int64_t n, const char* marker) {
    seen.push_back(t.name + std::to_string(v) + "#" + std::to_string(n) + ":" + marker);
  });
  rows.Add(a, 1);
  rows.Add(a, 2);
  rows.Add(a, 3);
  rows.EndTable(a);
  rows.EndTable(Table{"empty"});
  rows.Add(b, 4);
  rows.Add(b, 5);
  rows.EndTable(b);
  rows.Finish();
  EXPECT_EQ(seen, (std::vector<std::string>{"a1#1:first", "a2#2:true", "a3#3:last_in_data_collection",
                                            "b4#4:first_in_data_collection", "b5#5:last"}));
}

TEST(SnapshotRows, NoRowsEmitsNothing) {
  int calls = 0;
  SnapshotRows<Table, int> rows([&](const Table&, const int&, int64_t, const char*) { ++calls; });
  rows.Finish();
  EXPECT_EQ(calls, 0);
}

TEST(SourceTemporal, ReadsFractionOffsetAndWritesIso) {
  dbct::odbc::Temporal t;
  size_t i = 0;
  EXPECT_EQ(dbct::odbc::ReadFraction(".1234567891", &i, &t.nanos), 9);
  EXPECT_EQ(t.nanos, 123456789);
  EXPECT_EQ(i, 11u);
  EXPECT_TRUE(dbct::odbc::ReadOffset("x-05:30", 1, &t));
  EXPECT_EQ(t.offset_minutes, -330);
  EXPECT_FALSE(dbct::odbc::ReadOffset("x+0530", 1, &t));
  t.year = 2024;
  t.month = 2;
  t.day = 29;
  t.hour = 23;
  t.nanos = 500000000;
  EXPECT_EQ(dbct::odbc::IsoDateTime(t), "2024-02-29T23:00:00.5-05:30");
  EXPECT_EQ(dbct::odbc::IsoDateTime(t, 3), "2024-02-29T23:00:00.500-05:30");
  t.offset_minutes = 0;
  t.nanos = 0;
  EXPECT_EQ(dbct::odbc::IsoDateTime(t), "2024-02-29T23:00:00Z");
}

TEST(ConnectionStringFor, AddsCredentialsOnlyWhereMissing) {
  auto none = [](const dbct::odbc::DriverChoice&, dbct::odbc::ConnectionString&) {};
  EXPECT_EQ(dbct::odbc::ConnectionStringFor("Driver={X};Server=h;UID=u", "me", "pw", none),
            "Driver={X};Server=h;UID=u;PWD=pw;");
  EXPECT_EQ(dbct::odbc::ConnectionStringFor("DSN=crm", "me", "pw",
                                            [](const dbct::odbc::DriverChoice& c, dbct::odbc::ConnectionString& s) {
                                              EXPECT_EQ(c.kind, dbct::odbc::DriverChoice::Kind::kDsn);
                                              s.Add("Database", "db");
                                            }),
            "DSN=crm;Database=db;UID=me;PWD=pw;");
}

TEST(Utf8, EncodesCodePointsAndReplacesNonCharacters) {
  std::string out;
  for (uint32_t cp : {0x41u, 0xE9u, 0x20ACu, 0x1F600u, 0xD800u, 0x110000u}) dbct::values::AppendUtf8CodePoint(out, cp);
  EXPECT_EQ(out, "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xEF\xBF\xBD\xEF\xBF\xBD");
}

}  // namespace

namespace {

TEST(Utf8, DecodesUtf16PairsAndReplacesLoneSurrogates) {
  const std::vector<uint16_t> units = {0x0041, 0xD83D, 0xDE00, 0xDC00, 0xD800};
  std::string out;
  dbct::values::AppendUtf8FromUtf16(out, units.size(), [&](size_t i) { return uint32_t{units[i]}; });
  EXPECT_EQ(out, "A\xF0\x9F\x98\x80\xEF\xBF\xBD\xEF\xBF\xBD");
}

}  // namespace
