// MySQL-only binlog formats, from byte fixtures built by hand after MySQL's documented format
// (libbinlogevents: Format_description_event, Gtid_event, Rows_event v2, json_binary.h) since
// the test machine has MariaDB only. Also the skip/refuse policy for other event types and the
// packed DECIMAL / TIME2 codecs.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "crc32.hpp"
#include "decimal_codec.hpp"
#include "event_decoder.hpp"
#include "mysql_json.hpp"
#include "temporal_codec.hpp"
#include "value_writer.hpp"

using namespace dbct::binlog;
using nlohmann::json;

namespace {

std::string Hex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

void Put(std::string& s, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// A complete event: v4 header, body, CRC32 when `crc`.
std::string Event(EventType type, const std::string& body, bool crc = true, uint16_t flags = 0,
                  uint32_t log_pos = 1000) {
  std::string e;
  Put(e, 1704164645, 4);
  e.push_back(static_cast<char>(type));
  Put(e, 7, 4);  // server id
  Put(e, 19 + body.size() + (crc ? 4 : 0), 4);
  Put(e, log_pos, 4);
  Put(e, flags, 2);
  e += body;
  if (crc) Put(e, Crc32(e), 4);
  return e;
}

// MySQL 8.0's FORMAT_DESCRIPTION_EVENT (post-header lengths as 8.0.36 writes them).
std::string MysqlFde() {
  std::string body;
  Put(body, 4, 2);
  std::string version = "8.0.36";
  version.resize(50, '\0');
  body += version;
  Put(body, 0, 4);
  body.push_back(19);
  // 41 post-header lengths, index = type - 1 (MySQL 8.0 Binary_log_event::post_header_len).
  const uint8_t lengths[41] = {0, 13, 0, 8, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 84, 0, 4, 26, 8,
                               0, 0, 0, 8, 8, 8, 2, 0, 0, 0, 10, 10, 10, 42, 42, 0, 18, 52,
                               0, 10, 40, 0};
  body.append(reinterpret_cast<const char*>(lengths), sizeof lengths);
  body.push_back(1);  // CRC32
  return Event(EventType::kFormatDescription, body);
}

std::string MysqlGtid() {
  std::string body;
  body.push_back(1);  // commit flag
  body += Hex("3e11fa4771ca11e19e33c80aa9429562");
  Put(body, 23, 8);
  body.push_back(2);  // logical clock
  Put(body, 22, 8);
  Put(body, 23, 8);
  body += Hex("b02b58c0ed0d06");  // immediate commit 1704164645678000 us, no separate original
  body.push_back(static_cast<char>(200));  // transaction length (packed)
  Put(body, 80036, 4);  // immediate server version
  return Event(EventType::kMysqlGtid, body);
}

// {"a":1,"b":[true,null,"x"],"c":2.5,"d":"\"\n\u0001","e":18446744073709551615,"f":1e20}
const char kJsonHex[] =
    "0006005f002e0001002f000100300001003100010032000100330001000501000234000b43000c4b000a4f000b5700"
    "61626364656603000f000401000400000c0d000178000000000000044003220a01ffffffffffffffff408cb5781d"
    "af1544";

std::string MysqlTableMap() {
  std::string body;
  Put(body, 91, 6);
  Put(body, 1, 2);
  body += std::string(1, 4) + "shop" + std::string(1, '\0');
  body += std::string(1, 5) + "items" + std::string(1, '\0');
  body.push_back(4);  // columns: id INT UNSIGNED, doc JSON, t TIME(6), dt DATETIME(3)
  body.push_back(static_cast<char>(ColumnType::kLong));
  body.push_back(static_cast<char>(ColumnType::kJson));
  body.push_back(static_cast<char>(ColumnType::kTime2));
  body.push_back(static_cast<char>(ColumnType::kDatetime2));
  body.push_back(3);  // metadata length
  body.push_back(4);  // JSON: 4 length bytes
  body.push_back(6);  // TIME(6)
  body.push_back(3);  // DATETIME(3)
  body.push_back(0x0e);  // nullable: all but id
  // Optional metadata: SIGNEDNESS (id unsigned), COLUMN_NAME, SIMPLE_PRIMARY_KEY.
  body += std::string("\x01\x01\x80", 3);
  std::string names = std::string("\x02id\x03" "doc\x01t\x02" "dt");
  body.push_back(4);
  body.push_back(static_cast<char>(names.size()));
  body += names;
  body += std::string("\x08\x01\x00", 3);
  return Event(EventType::kTableMap, body);
}

std::string MysqlWriteRows(bool partial = false) {
  std::string body;
  Put(body, 91, 6);
  Put(body, 1, 2);   // STMT_END_F
  Put(body, 2, 2);   // no extra data
  body.push_back(4);
  body.push_back(partial ? 0x0b : 0x0f);
  body.push_back(0);  // no NULLs
  Put(body, 4000000000u, 4);
  const std::string doc = Hex(kJsonHex);
  Put(body, doc.size(), 4);
  body += doc;
  body += Hex("7ffffef85ee0");        // -00:00:01.500000
  body += Hex("99b24431051a7c");      // 2024-01-02 03:04:05.678
  return Event(EventType::kWriteRowsV2, body);
}

}  // namespace

TEST(BinlogMysql, FormatDescriptionOfMysql8) {
  EventDecoder decoder;
  const DecodedEvent ev = decoder.Decode(MysqlFde());
  const auto& fd = std::get<FormatDescriptionEvent>(ev.body);
  EXPECT_EQ(fd.server_version, "8.0.36");
  EXPECT_FALSE(fd.IsMariaDb());
  EXPECT_EQ(fd.checksum, ChecksumAlg::kCrc32);
  EXPECT_EQ(fd.PostHeaderLength(EventType::kWriteRowsV2, 0), 10);
  EXPECT_EQ(fd.PostHeaderLength(EventType::kMysqlGtid, 0), 42);
}

TEST(BinlogMysql, GtidLogEvent) {
  EventDecoder decoder;
  decoder.Decode(MysqlFde());
  const auto g = std::get<MysqlGtidEvent>(decoder.Decode(MysqlGtid()).body);
  EXPECT_EQ(g.ToString(), "3e11fa47-71ca-11e1-9e33-c80aa9429562:23");
  EXPECT_EQ(g.last_committed, 22);
  EXPECT_EQ(g.sequence_number, 23);
  EXPECT_EQ(g.immediate_commit_us, 1704164645678000u);
  EXPECT_EQ(g.original_commit_us, 1704164645678000u);
  EXPECT_FALSE(g.anonymous);
}

TEST(BinlogMysql, RowsV2WithBinaryJsonTimeAndDatetime) {
  EventDecoder decoder;
  decoder.Decode(MysqlFde());
  const auto table = std::get<TableMapEvent>(decoder.Decode(MysqlTableMap()).body);
  EXPECT_EQ(table.database, "shop");
  EXPECT_EQ(table.table, "items");
  EXPECT_TRUE(table.columns[0].is_unsigned);
  EXPECT_EQ(table.primary_key, std::vector<uint32_t>{0});
  const DecodedEvent ev = decoder.Decode(MysqlWriteRows());
  const auto& rows = std::get<RowsEvent>(ev.body);
  EXPECT_EQ(rows.kind, RowsKind::kWrite);
  EXPECT_TRUE(rows.StatementEnd());
  RowsReader reader(rows, table);
  Row image, after;
  ASSERT_TRUE(reader.Next(image, after));
  dbct::envelope::JsonWriter w;
  WriteRowObject(w, table, image, {}, MysqlDefaultModes());
  const json row = json::parse(w.Str());
  EXPECT_EQ(row["id"], 4000000000);
  EXPECT_EQ(row["doc"],
            "{\"a\":1,\"b\":[true,null,\"x\"],\"c\":2.5,\"d\":\"\\\"\\n\\u0001\","
            "\"e\":18446744073709551615,\"f\":100000000000000000000}");
  EXPECT_EQ(row["t"], -1500000);
  EXPECT_EQ(row["dt"], 1704164645678);
  EXPECT_FALSE(reader.Next(image, after));
}

TEST(BinlogMysql, PartialRowImageIsRefused) {
  EventDecoder decoder;
  decoder.Decode(MysqlFde());
  const auto table = std::get<TableMapEvent>(decoder.Decode(MysqlTableMap()).body);
  const DecodedEvent ev = decoder.Decode(MysqlWriteRows(true));
  try {
    RowsReader reader(std::get<RowsEvent>(ev.body), table);
    FAIL() << "partial image accepted";
  } catch (const UnsupportedError& e) {
    EXPECT_STREQ(e.what(),
                 "table \"shop.items\" was logged with a partial row image: binlog_row_image must be FULL");
  }
}

TEST(BinlogMysql, SkippedAndRefusedEvents) {
  EventDecoder decoder;
  decoder.Decode(MysqlFde());
  for (EventType type : {EventType::kStop, EventType::kIntvar, EventType::kRand,
                         EventType::kUserVar, EventType::kMysqlPreviousGtids,
                         EventType::kMysqlTransactionContext, EventType::kMysqlViewChange,
                         EventType::kIgnorable}) {
    EXPECT_TRUE(std::holds_alternative<SkippedEvent>(decoder.Decode(Event(type, "xx")).body))
        << EventTypeName(type);
  }
  // An unknown type is skipped only when the server flagged it ignorable.
  EXPECT_TRUE(std::holds_alternative<SkippedEvent>(
      decoder.Decode(Event(static_cast<EventType>(99), "x", true, kFlagIgnorable)).body));
  auto refused = [&](EventType type, const std::string& body, const char* text) {
    try {
      decoder.Decode(Event(type, body));
      ADD_FAILURE() << EventTypeName(type) << " accepted";
    } catch (const UnsupportedError& e) {
      EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
    }
  };
  refused(static_cast<EventType>(99), "x", "event type 99 at position");
  refused(EventType::kMysqlTransactionPayload, "xxxx", "binlog_transaction_compression=OFF");
  refused(EventType::kIncident, "xxxx", "changes may be missing");
  refused(EventType::kWriteRowsCompressedV1, std::string(12, '\0'), "log_bin_compress");
  refused(EventType::kMysqlPartialUpdateRows, std::string(12, '\0'), "binlog_row_value_options");
  refused(EventType::kQueryCompressed, std::string(20, '\0'), "log_bin_compress");
}

TEST(BinlogMysql, PackedDecimal) {
  // MySQL's documented example: 1234567890.1234 as DECIMAL(14,4) is 81 0D FB 38 D2 04 D2.
  std::string text;
  AppendDecimalText(text, reinterpret_cast<const uint8_t*>(Hex("810dfb38d204d2").data()), 14, 4);
  EXPECT_EQ(text, "1234567890.1234");
  text.clear();
  // Negated: every byte inverted.
  AppendDecimalText(text, reinterpret_cast<const uint8_t*>(Hex("7ef204c72dfb2d").data()), 14, 4);
  EXPECT_EQ(text, "-1234567890.1234");
  EXPECT_EQ(DecimalBinarySize(14, 4), 7u);
  EXPECT_EQ(DecimalBinarySize(65, 30), 30u);
  text.clear();
  AppendDecimalText(text, reinterpret_cast<const uint8_t*>(Hex("800000").data()), 5, 2);
  EXPECT_EQ(text, "0.00");
}

TEST(BinlogMysql, Time2NegativeFractions) {
  // TIME(2) '-00:00:00.01': intpart -1 + 1 with fraction 0x100 - 1 (MySQL's negative packing).
  EXPECT_EQ(DecodeTime2(reinterpret_cast<const uint8_t*>(Hex("7fffffff").data()), 2), -10000);
  EXPECT_EQ(DecodeTime2(reinterpret_cast<const uint8_t*>(Hex("800000").data()), 0), 0);
  // TIME(4) '838:59:59.9999'
  EXPECT_EQ(DecodeTime2(reinterpret_cast<const uint8_t*>(Hex("b46efb270f").data()), 4),
            ((838LL * 60 + 59) * 60 + 59) * 1000000 + 999900);
}

TEST(BinlogMysql, JavaDoubleText) {
  EXPECT_EQ(JavaDoubleText(1.0), "1.0");
  EXPECT_EQ(JavaDoubleText(2.5), "2.5");
  EXPECT_EQ(JavaDoubleText(1e7), "1.0E7");
  EXPECT_EQ(JavaDoubleText(0.001), "0.001");
  EXPECT_EQ(JavaDoubleText(1.0e-4), "1.0E-4");
  EXPECT_EQ(JavaDoubleText(-123.456), "-123.456");
  std::string out;
  AppendMysqlJsonText(out, Hex("0b000000000000f03f"));  // double 1.0 at top level
  EXPECT_EQ(out, "1.0");
  out.clear();
  AppendMysqlJsonText(out, Hex("0b2d431cebe2361a3f"));  // 1.0E-4 -> exact BigDecimal text
  EXPECT_EQ(out.substr(0, 8), "0.000100");
  EXPECT_GT(out.size(), 20u);
}
