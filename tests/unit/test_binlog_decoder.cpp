// Binlog event decoding against bytes written by a real MariaDB 10.11 server
// (fixtures/mariadb_types.binlog: CRC32 checksums, binlog_row_metadata=FULL;
// fixtures/mariadb_nolog.binlog: no checksums, binlog_row_metadata=NO_LOG).
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "binlog_fixture.hpp"
#include "event_decoder.hpp"
#include "value_writer.hpp"

using namespace dbct::binlog;
using dbct::binlog::testing::ReadBinlogFile;
using nlohmann::json;

namespace {

struct RowChange {
  RowsKind kind;
  std::string table;
  json before;
  json after;
};

std::vector<DecodedEvent> DecodeAll(const std::vector<std::string>& events, EventDecoder& decoder) {
  std::vector<DecodedEvent> out;
  for (const auto& e : events) out.push_back(decoder.Decode(e));
  return out;
}

std::vector<RowChange> RowChanges(const std::string& fixture,
                                  dbct::values::ValueModes modes = MysqlDefaultModes()) {
  const auto events = ReadBinlogFile(fixture);
  EventDecoder decoder;
  std::map<uint64_t, TableMapEvent> tables;
  std::vector<RowChange> changes;
  for (const auto& bytes : events) {
    DecodedEvent ev = decoder.Decode(bytes);
    if (auto* tm = std::get_if<TableMapEvent>(&ev.body)) {
      tables[tm->table_id] = *tm;
    } else if (auto* rows = std::get_if<RowsEvent>(&ev.body)) {
      const TableMapEvent& table = tables.at(rows->table_id);
      RowsReader reader(*rows, table);
      Row image, after;
      while (reader.Next(image, after)) {
        RowChange change{rows->kind, table.database + "." + table.table, nullptr, nullptr};
        dbct::envelope::JsonWriter w;
        WriteRowObject(w, table, image, {}, modes);
        (rows->kind == RowsKind::kWrite ? change.after : change.before) = json::parse(w.Str());
        if (rows->kind == RowsKind::kUpdate) {
          w.Clear();
          WriteRowObject(w, table, after, {}, modes);
          change.after = json::parse(w.Str());
        }
        changes.push_back(std::move(change));
      }
    }
  }
  return changes;
}

}  // namespace

TEST(BinlogDecoder, EveryEventOfTheFixtureDecodesWithItsChecksum) {
  const auto events = ReadBinlogFile("mariadb_types.binlog");
  EventDecoder decoder;
  std::vector<EventType> types;
  for (const auto& e : events) types.push_back(decoder.Decode(e).header.type);
  ASSERT_GE(types.size(), 40u);
  EXPECT_EQ(types[0], EventType::kFormatDescription);
  EXPECT_EQ(types[1], EventType::kMariaGtidList);
  EXPECT_EQ(types[2], EventType::kBinlogCheckpoint);
  EXPECT_EQ(types[3], EventType::kMariaGtid);
  EXPECT_EQ(types[4], EventType::kQuery);
  EXPECT_EQ(types.back(), EventType::kRotate);
  EXPECT_EQ(decoder.Format().checksum, ChecksumAlg::kCrc32);
  EXPECT_TRUE(decoder.Format().IsMariaDb());
  EXPECT_NE(decoder.Format().server_version.find("10.11"), std::string::npos);
}

TEST(BinlogDecoder, ChecksumMismatchIsRefusedWithThePosition) {
  auto events = ReadBinlogFile("mariadb_types.binlog");
  EventDecoder decoder;
  decoder.Decode(events[0]);
  std::string bad = events[4];
  bad[bad.size() / 2] ^= 0x01;
  try {
    decoder.Decode(bad);
    FAIL() << "corrupt event accepted";
  } catch (const DecodeError& e) {
    EXPECT_NE(std::string(e.what()).find("QUERY_EVENT at position"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("checksum mismatch"), std::string::npos) << e.what();
  }
}

TEST(BinlogDecoder, TruncatedEventIsACleanError) {
  auto events = ReadBinlogFile("mariadb_types.binlog");
  EventDecoder decoder;
  decoder.Decode(events[0]);
  for (size_t cut : {0ul, 5ul, 18ul, 30ul}) {
    EXPECT_THROW(decoder.Decode(events[9].substr(0, cut)), DecodeError) << cut;
  }
  // A TABLE_MAP with a consistent header and checksum but a body cut short.
  const std::string& tm = events[9];
  ASSERT_EQ(decoder.Decode(tm).header.type, EventType::kTableMap);
}

TEST(BinlogDecoder, GtidQueryXidAndRotate) {
  const auto events = ReadBinlogFile("mariadb_types.binlog");
  EventDecoder decoder;
  auto decoded = DecodeAll(events, decoder);
  const auto& list = std::get<MariaGtidListEvent>(decoded[1].body);
  EXPECT_TRUE(list.gtids.empty());
  const auto& gtid = std::get<MariaGtidEvent>(decoded[3].body);
  EXPECT_EQ(gtid.gtid.ToString(), "0-1-1");
  EXPECT_TRUE(gtid.Standalone());  // DDL: no BEGIN/COMMIT around it
  const auto& ddl = std::get<QueryEvent>(decoded[4].body);
  EXPECT_EQ(ddl.statement, "CREATE DATABASE fx");
  EXPECT_EQ(ddl.Kind(), QueryKind::kOther);
  EXPECT_GT(ddl.thread_id, 0u);
  EXPECT_EQ(decoded[4].header.StartPosition(), 372u);
  EXPECT_EQ(decoded[4].header.log_pos, 455u);
  // The first INSERT: GTID (transactional), ANNOTATE_ROWS, TABLE_MAP, WRITE_ROWS, XID.
  const auto& tx = std::get<MariaGtidEvent>(decoded[7].body);
  EXPECT_EQ(tx.gtid.ToString(), "0-1-3");
  EXPECT_FALSE(tx.Standalone());
  const auto& annotate = std::get<AnnotateRowsEvent>(decoded[8].body);
  EXPECT_EQ(annotate.statement.substr(0, 22), "INSERT INTO fx.types V");
  EXPECT_TRUE(std::holds_alternative<RowsEvent>(decoded[10].body));
  EXPECT_EQ(decoded[10].header.type, EventType::kWriteRowsV1);
  EXPECT_GT(std::get<XidEvent>(decoded[11].body).xid, 0u);
  const auto& rotate = std::get<RotateEvent>(decoded.back().body);
  EXPECT_EQ(rotate.next_file, "mariadb-bin.000002");
  EXPECT_EQ(rotate.position, 4u);
}

TEST(BinlogDecoder, TableMapCarriesFullMetadata) {
  const auto events = ReadBinlogFile("mariadb_types.binlog");
  EventDecoder decoder;
  auto decoded = DecodeAll(events, decoder);
  const auto& t = std::get<TableMapEvent>(decoded[9].body);
  EXPECT_EQ(t.database, "fx");
  EXPECT_EQ(t.table, "types");
  ASSERT_EQ(t.columns.size(), 46u);
  EXPECT_TRUE(t.has_names && t.has_signedness && t.has_charsets && t.has_enum_set_values &&
              t.has_primary_key);
  EXPECT_EQ(t.columns[0].name, "id");
  EXPECT_FALSE(t.columns[0].nullable);
  EXPECT_TRUE(t.columns[1].nullable);
  EXPECT_EQ(t.primary_key, std::vector<uint32_t>{0});
  EXPECT_TRUE(t.columns[0].in_primary_key);
  EXPECT_FALSE(t.columns[1].is_unsigned);  // ti
  EXPECT_TRUE(t.columns[2].is_unsigned);   // tiu
  EXPECT_TRUE(t.columns[10].is_unsigned);  // biu
  EXPECT_EQ(t.columns[11].type, ColumnType::kNewDecimal);
  EXPECT_EQ(t.columns[11].precision, 10);
  EXPECT_EQ(t.columns[11].scale, 2);
  EXPECT_EQ(t.columns[17].bits, 10u);  // b10
  EXPECT_EQ(t.columns[21].type, ColumnType::kTime2);
  EXPECT_EQ(t.columns[21].fsp, 3);  // tm3
  // CHAR(255) in utf8mb4 is 1020 bytes: the length's high bits ride in the type byte.
  EXPECT_EQ(t.columns[33].name, "clong");
  EXPECT_EQ(t.columns[33].real_type, ColumnType::kString);
  EXPECT_EQ(t.columns[33].max_length, 1020u);
  EXPECT_EQ(t.columns[32].name, "vcl");
  EXPECT_EQ(t.columns[32].collation, 8);  // latin1_swedish_ci
  EXPECT_EQ(t.columns[31].collation, 45);  // utf8mb4_general_ci
  EXPECT_EQ(t.columns[40].collation, 63);  // blb: binary
  EXPECT_EQ(t.columns[41].real_type, ColumnType::kEnum);
  EXPECT_EQ(t.columns[41].enum_values, (std::vector<std::string>{"small", "medium", "large"}));
  EXPECT_EQ(t.columns[42].real_type, ColumnType::kSet);
  EXPECT_EQ(t.columns[42].enum_values, (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_EQ(t.columns[43].type, ColumnType::kBlob);  // MariaDB JSON is a LONGTEXT
  EXPECT_EQ(t.columns[44].geometry_type, 0u);  // GEOMETRY
  EXPECT_EQ(t.columns[45].geometry_type, 1u);  // POINT
}

TEST(BinlogDecoder, EveryTypeAsDebeziumWritesIt) {
  const auto changes = RowChanges("mariadb_types.binlog");
  ASSERT_EQ(changes.size(), 8u);
  EXPECT_EQ(changes[0].kind, RowsKind::kWrite);
  EXPECT_EQ(changes[0].table, "fx.types");
  EXPECT_TRUE(changes[0].before.is_null());
  const json expected = json::parse(R"({
    "id": 1, "ti": -128, "tiu": 255, "si": -32768, "siu": 65535, "mi": -8388608, "miu": 16777215,
    "i": -2147483648, "iu": 4294967295, "bi": -9223372036854775808, "biu": -1,
    "dec1": "SZYC0w==", "dec2": "/nEW8Ak8jB8R8/sq6w==", "dec0": "/nlh",
    "f": 1.5, "d": 3.141592653589793,
    "b1": true, "b10": "gQI=", "b64": "AQAAAAAAAIA=",
    "dt": 19782, "tm": -3020399000000, "tm3": 45296789000, "tm6": 1,
    "dtm": 1704164645000, "dtm3": 1704164645678, "dtm6": 1,
    "ts": "2024-01-02T03:04:05Z", "ts3": "2024-01-02T03:04:05.678Z",
    "ts6": "2038-01-19T03:14:07.999999Z", "yr": 2024,
    "c": "abc", "vc": "héllo wörld €", "vcl": "café €", "clong": ")" + std::string(255, 'x') + R"(",
    "txt": "text", "ttxt": "tiny", "mtxt": "medium", "ltxt": "long \"quoted\"",
    "bin": "AQIAAA==", "vbin": "AP8=", "blb": "3q2+7w==",
    "e": "medium", "s": "a,c,d",
    "j": "{\"k\": [1, 2.5, \"x\"], \"n\": null}",
    "g": {"wkb": "AQIAAAACAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAPA/AAAAAAAA8D8=", "srid": 4326},
    "pt": {"x": 1.5, "y": -2.25, "wkb": "AQEAAAAAAAAAAAD4PwAAAAAAAALA", "srid": null}
  })");
  for (auto it = expected.begin(); it != expected.end(); ++it) {
    EXPECT_EQ(changes[0].after[it.key()], it.value()) << it.key();
  }
  EXPECT_EQ(changes[0].after.size(), expected.size());
}

TEST(BinlogDecoder, NullsZeroDatesAndEdgeValues) {
  const auto changes = RowChanges("mariadb_types.binlog");
  // Row 2: only the key set, everything else NULL.
  for (auto it = changes[1].after.begin(); it != changes[1].after.end(); ++it) {
    if (it.key() == "id") {
      EXPECT_EQ(it.value(), 2);
    } else {
      EXPECT_TRUE(it.value().is_null()) << it.key();
    }
  }
  const json& r3 = changes[2].after;
  EXPECT_EQ(r3["dt"], -1);
  EXPECT_EQ(r3["dtm"], -1000);
  EXPECT_EQ(r3["yr"], 1901);
  EXPECT_EQ(r3["e"], "small");
  EXPECT_EQ(r3["s"], "");
  EXPECT_EQ(r3["d"], 1e300);
  EXPECT_EQ(r3["dec1"], "AA==");
  const json& r4 = changes[3].after;
  EXPECT_TRUE(r4["dt"].is_null());   // 0000-00-00 in a nullable column
  EXPECT_TRUE(r4["dtm"].is_null());
  EXPECT_EQ(r4["yr"], 0);
  EXPECT_EQ(r4["dec1"], "zg==");  // -0.50
  EXPECT_EQ(r4["f"], 3.4e38);  // FLOAT32 printed with the float's shortest digits
  EXPECT_EQ(r4["ti"], 127);
}

TEST(BinlogDecoder, UpdateHasBothImagesAndDeleteTheOldRow) {
  const auto changes = RowChanges("mariadb_types.binlog");
  const RowChange& update = changes[4];
  EXPECT_EQ(update.kind, RowsKind::kUpdate);
  EXPECT_EQ(update.before["vc"], "héllo wörld €");
  EXPECT_EQ(update.after["vc"], "changed");
  EXPECT_EQ(update.before["i"], -2147483648);
  EXPECT_EQ(update.after["i"], 42);
  EXPECT_EQ(update.after["dec2"], update.before["dec2"]);
  const RowChange& del = changes[5];
  EXPECT_EQ(del.kind, RowsKind::kDelete);
  EXPECT_EQ(del.before["id"], 2);
  EXPECT_TRUE(del.after.is_null());
  EXPECT_EQ(changes[6].table, "fx.nopk");
  EXPECT_EQ(changes[6].after, json::parse(R"({"a":1,"b":"one"})"));
  EXPECT_EQ(changes[7].after, json::parse(R"({"a":null,"b":null})"));
}

TEST(BinlogDecoder, HandlingModesChangeTheValues) {
  auto modes = MysqlDefaultModes();
  modes.decimal = dbct::values::DecimalMode::kString;
  modes.bigint_unsigned = dbct::values::BigintUnsignedMode::kPrecise;
  modes.binary = dbct::values::BinaryMode::kHex;
  modes.time_precision = dbct::values::TimePrecisionMode::kConnect;
  const json r = RowChanges("mariadb_types.binlog", modes)[0].after;
  EXPECT_EQ(r["dec1"], "12345678.91");
  EXPECT_EQ(r["dec2"], "-12345678901234567890.0123456789");
  EXPECT_EQ(r["dec0"], "-99999");
  EXPECT_EQ(r["biu"], "AP//////////");
  EXPECT_EQ(r["blb"], "deadbeef");
  EXPECT_EQ(r["tm3"], 45296789);      // connect: Time in ms
  EXPECT_EQ(r["dtm6"], 0);            // connect: Timestamp in ms
  modes.decimal = dbct::values::DecimalMode::kDouble;
  const json d = RowChanges("mariadb_types.binlog", modes)[0].after;
  EXPECT_EQ(d["dec1"], 12345678.91);
}

TEST(BinlogDecoder, WithoutRowMetadataColumnsHaveNoNames) {
  const auto events = ReadBinlogFile("mariadb_nolog.binlog");
  EventDecoder decoder;
  bool saw_table = false;
  for (const auto& e : events) {
    DecodedEvent ev = decoder.Decode(e);
    if (auto* t = std::get_if<TableMapEvent>(&ev.body)) {
      saw_table = true;
      EXPECT_FALSE(t->has_names);
      EXPECT_FALSE(t->has_signedness);
      EXPECT_TRUE(t->columns[0].name.empty());
    }
  }
  EXPECT_TRUE(saw_table);
  EXPECT_EQ(decoder.Format().checksum, ChecksumAlg::kOff);
}
