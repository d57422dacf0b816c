// Envelope writer: field order and shapes of Debezium's PostgreSQL events
// (postgresql.adoc "create events", "truncate events", "message events", "Transaction
// metadata"; Envelope / SchemaFactory / PostgresSourceInfoStructMaker field order).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dbct/envelope/envelope_writer.hpp"
#include "dbct/envelope/json_writer.hpp"

using namespace dbct::envelope;

namespace {

std::vector<std::string> Keys(const std::string& json) {
  std::vector<std::string> keys;
  const auto parsed = nlohmann::ordered_json::parse(json);
  for (const auto& item : parsed.items()) keys.push_back(item.key());
  return keys;
}

SourceCommon Common(char* sequence_buf) {
  SourceCommon c;
  c.version = "0.1.0";
  c.connector = "postgresql";
  c.name = "PostgreSQL_server";
  c.ts = EventTime::FromMicros(1559033904863112);
  c.snapshot = "false";
  c.db = "postgres";
  c.sequence = sequence_buf;
  c.sequence_len = FormatPgSequence(sequence_buf, -1, 46523128);
  return c;
}

PgSourceFields Pg() {
  PgSourceFields pg;
  pg.schema = "public";
  pg.table = "customers";
  pg.tx_id = 556;
  pg.lsn = 46523128;
  return pg;
}

}  // namespace

TEST(EventTime, AllThreeUnitsFromOneInstant) {
  const EventTime t = EventTime::FromNanos(1559033904961654789);
  EXPECT_EQ(t.ts_ms, 1559033904961);
  EXPECT_EQ(t.ts_us, 1559033904961654);
  EXPECT_EQ(t.ts_ns, 1559033904961654789);
  const EventTime before_epoch = EventTime::FromMicros(-1);
  EXPECT_EQ(before_epoch.ts_ms, -1);
  const EventTime now = EventTime::Now();
  EXPECT_GT(now.ts_ms, 1700000000000);
  EXPECT_EQ(now.ts_ns / 1000000, now.ts_ms);
}

TEST(PgSequence, StringifiedArrayWithNulls) {
  char buf[64];
  EXPECT_EQ(std::string(buf, FormatPgSequence(buf, 1, 2)), R"(["1","2"])");
  EXPECT_EQ(std::string(buf, FormatPgSequence(buf, -1, 2)), R"([null,"2"])");
  EXPECT_EQ(std::string(buf, FormatPgSequence(buf, -1, -1)), "[null,null]");
  EXPECT_EQ(std::string(buf, FormatPgSequence(buf, INT64_MAX, INT64_MAX)),
            R"(["9223372036854775807","9223372036854775807"])");
}

TEST(Envelope, CreateEventHasDebeziumFieldOrderAndSource) {
  JsonWriter w;
  char seq[64];
  BeginChange(w);
  w.KeyLiteral("before");
  w.Null();
  w.KeyLiteral("after");
  w.BeginObject();
  w.Key("id");
  w.Int(1);
  w.EndObject();
  WriteSource(w, Common(seq), Pg());
  EndChange(w, Op::kCreate, EventTime::FromNanos(1559033904961654789), nullptr);
  EXPECT_EQ(Keys(w.Str()), (std::vector<std::string>{"before", "after", "source", "op", "ts_ms",
                                                     "ts_us", "ts_ns", "transaction"}));
  const auto event = nlohmann::ordered_json::parse(w.Str());
  std::vector<std::string> source_keys;
  for (const auto& item : event["source"].items()) source_keys.push_back(item.key());
  EXPECT_EQ(source_keys, (std::vector<std::string>{"version", "connector", "name", "ts_ms",
                                                   "snapshot", "db", "sequence", "ts_us", "ts_ns",
                                                   "schema", "table", "txId", "lsn", "xmin"}));
  EXPECT_EQ(event["source"]["ts_ms"], 1559033904863);
  EXPECT_EQ(event["source"]["ts_us"], 1559033904863112);
  EXPECT_EQ(event["source"]["ts_ns"], 1559033904863112000);
  EXPECT_EQ(event["source"]["snapshot"], "false");  // an enum string, not a boolean
  EXPECT_EQ(event["source"]["sequence"], "[null,\"46523128\"]");
  EXPECT_TRUE(event["source"]["xmin"].is_null());
  EXPECT_EQ(event["op"], "c");
  EXPECT_EQ(event["ts_ns"], 1559033904961654789);
  EXPECT_TRUE(event["transaction"].is_null());
}

TEST(Envelope, TransactionBlockOnDataEvents) {
  JsonWriter w;
  char seq[64];
  BeginChange(w);
  w.KeyLiteral("before");
  w.Null();
  w.KeyLiteral("after");
  w.Null();
  WriteSource(w, Common(seq), Pg());
  TransactionBlock tx{"571:53195832", 1, 1};
  EndChange(w, Op::kDelete, EventTime::FromMillis(5), &tx);
  const auto event = nlohmann::json::parse(w.Str());
  EXPECT_EQ(event["transaction"],
            nlohmann::json::parse(R"({"id":"571:53195832","total_order":1,"data_collection_order":1})"));
  EXPECT_EQ(event["ts_us"], 5000);
}

// postgresql.adoc "truncate events": source, op "t", ts_ms/us/ns, no before/after.
TEST(Envelope, TruncateHasNoRowImages) {
  JsonWriter w;
  char seq[64];
  BeginSourceOnlyEvent(w);
  WriteSource(w, Common(seq), Pg());
  EndTruncate(w, EventTime::FromMillis(1), nullptr);
  EXPECT_EQ(Keys(w.Str()),
            (std::vector<std::string>{"source", "op", "ts_ms", "ts_us", "ts_ns"}));
  EXPECT_EQ(nlohmann::json::parse(w.Str())["op"], "t");
}

// postgresql.adoc "message events": schema/table "", message {prefix, content base64 "Ymfy"}.
TEST(Envelope, LogicalMessage) {
  JsonWriter w;
  char seq[64];
  PgSourceFields pg;
  pg.lsn = 46523128;
  BeginSourceOnlyEvent(w);
  WriteSource(w, Common(seq), pg);
  EndMessage(w, EventTime::FromMillis(1), nullptr, "foo", "bg\xf2", dbct::values::BinaryMode::kBytes);
  const auto event = nlohmann::json::parse(w.Str());
  EXPECT_EQ(event["message"], nlohmann::json::parse(R"({"prefix":"foo","content":"Ymfy"})"));
  EXPECT_EQ(event["source"]["schema"], "");
  EXPECT_EQ(event["source"]["table"], "");
  EXPECT_TRUE(event["source"]["txId"].is_null());
  EXPECT_EQ(event["op"], "m");
  EXPECT_FALSE(event.contains("before"));
  JsonWriter hex;
  EndMessage(hex, EventTime::FromMillis(1), nullptr, "p", "\x01\xff", dbct::values::BinaryMode::kHex);
  EXPECT_NE(hex.Str().find(R"("content":"01ff")"), std::string::npos);
}

// postgresql.adoc "Transaction metadata": BEGIN / END values (field order of
// SchemaFactory.transactionValueSchema: status, id, event_count, data_collections, ts_ms).
TEST(Envelope, TransactionBoundaries) {
  JsonWriter w;
  WriteTransactionBegin(w, "571:53195829", 1486500577125);
  EXPECT_EQ(w.Str(),
            R"({"status":"BEGIN","id":"571:53195829","event_count":null,"data_collections":null,"ts_ms":1486500577125})");
  w.Clear();
  const CollectionCount counts[] = {{"s1.a", 1}, {"s2.a", 1}};
  WriteTransactionEnd(w, "571:53195832", 1486500577691, 2, counts, 2);
  EXPECT_EQ(w.Str(),
            R"({"status":"END","id":"571:53195832","event_count":2,"data_collections":[{"data_collection":"s1.a","event_count":1},{"data_collection":"s2.a","event_count":1}],"ts_ms":1486500577691})");
}

TEST(Envelope, SourceIsPluggablePerConnector) {
  JsonWriter w;
  SourceCommon c;
  c.version = "0.1.0";
  c.connector = "mysql";
  c.name = "dbserver1";
  c.snapshot = "false";
  c.db = "inventory";
  w.BeginObject();
  WriteSource(w, c, [](JsonWriter& out) {
    out.KeyLiteral("table");
    out.String("customers");
    out.KeyLiteral("server_id");
    out.Int(223344);
  });
  w.EndObject();
  const auto source = nlohmann::json::parse(w.Str())["source"];
  EXPECT_EQ(source["connector"], "mysql");
  EXPECT_TRUE(source["sequence"].is_null());
  EXPECT_EQ(source["server_id"], 223344);
  EXPECT_FALSE(source.contains("schema"));
}
