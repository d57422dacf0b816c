// The C ABI (c_api/dbct.h) as the PostgreSQL output plugin calls it.
#include <gtest/gtest.h>

#include <cstring>
#include <nlohmann/json.hpp>
#include <string>

#include "dbct/c_api/dbct.h"

namespace {

struct Writer {
  explicit Writer(dbct_writer_options options) : handle(dbct_writer_create(&options)) {}
  ~Writer() { dbct_writer_destroy(handle); }
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;
  dbct_writer* handle;
};

dbct_writer_options Options(int decimal = DBCT_DECIMAL_PRECISE) {
  dbct_writer_options o;
  std::memset(&o, 0, sizeof o);
  o.modes.decimal_mode = decimal;
  o.deterministic = 1;
  return o;
}

dbct_value Value(dbct_value_kind kind) {
  dbct_value v;
  std::memset(&v, 0, sizeof v);
  v.kind = kind;
  v.precision = -1;
  v.scale = -1;
  return v;
}

dbct_value Text(dbct_value_kind kind, const char* text) {
  dbct_value v = Value(kind);
  v.data = text;
  v.len = std::strlen(text);
  return v;
}

dbct_column Column(const char* name, dbct_value v) {
  return dbct_column{name, std::strlen(name), v};
}

dbct_pg_source Source() {
  dbct_pg_source s;
  std::memset(&s, 0, sizeof s);
  s.name = "orders";
  s.db = "shop";
  s.schema = "public";
  s.table = "orders";
  s.snapshot = "false";
  s.ts_ms = 1700000000123;
  s.tx_id = 571;
  s.lsn = 53195832;
  s.xmin = -1;
  s.last_commit_lsn = 53195800;
  return s;
}

dbct_change Change(char op, const dbct_pg_source* source) {
  dbct_change c;
  std::memset(&c, 0, sizeof c);
  c.op = op;
  c.source = source;
  return c;
}

struct Output {
  dbct_status status;
  std::string value;
  std::string key;
};

Output Write(dbct_writer* w, const dbct_change& change) {
  const char* value = nullptr;
  const char* key = nullptr;
  size_t value_len = 0, key_len = 0;
  Output out;
  out.status = dbct_write_change(w, &change, &value, &value_len, &key, &key_len);
  if (out.status == DBCT_OK) {
    out.value.assign(value, value_len);
    out.key.assign(key, key_len);
  }
  return out;
}

}  // namespace

TEST(CApi, InsertWithEveryValueKind) {
  Writer w(Options());
  ASSERT_NE(w.handle, nullptr);
  EXPECT_STREQ(dbct_writer_error(w.handle), "");

  dbct_value b = Value(DBCT_V_BOOL);
  b.i64 = 1;
  dbct_value i = Value(DBCT_V_INT64);
  i.i64 = -42;
  dbct_value f4 = Value(DBCT_V_FLOAT32);
  f4.f64 = static_cast<float>(1.1);
  dbct_value f8 = Value(DBCT_V_FLOAT64);
  f8.f64 = 0.0 / 0.0;
  dbct_value dec = Text(DBCT_V_DECIMAL, "-123.45");
  dec.scale = 2;
  dbct_value money = Text(DBCT_V_MONEY, "1234.11");
  money.scale = 2;
  dbct_value bytes = Value(DBCT_V_BYTES);
  bytes.data = "\x01\x02\x03";
  bytes.len = 3;
  dbct_value bits = Text(DBCT_V_BITS, "11");
  bits.precision = 2;
  dbct_value date = Value(DBCT_V_DATE);
  date.i64 = 17109;
  dbct_value time = Value(DBCT_V_TIME);
  time.i64 = 49890123000;
  time.precision = 3;
  dbct_value timetz = Value(DBCT_V_TIMETZ);
  timetz.i64 = 49890123789;
  timetz.zone_seconds = 7200;
  dbct_value ts = Value(DBCT_V_TIMESTAMP);
  ts.i64 = 1529507596945104;
  dbct_value tstz = Value(DBCT_V_TIMESTAMPTZ);
  tstz.i64 = 1529507596945104;
  dbct_value tsinf = Value(DBCT_V_TIMESTAMPTZ);
  tsinf.special = DBCT_SPECIAL_NEG_INFINITY;
  dbct_value interval = Value(DBCT_V_INTERVAL);
  interval.months = 14;
  interval.days = 3;
  interval.i64 = 14706780000;
  dbct_value elements[2] = {Value(DBCT_V_INT64), Value(DBCT_V_NULL)};
  elements[0].i64 = 7;
  dbct_value array = Value(DBCT_V_ARRAY);
  array.elements = elements;
  array.count = 2;
  dbct_value raw = Text(DBCT_V_RAW_JSON, R"({"x":1.5,"y":2.0})");
  dbct_value text = Text(DBCT_V_STRING, "quote\" newline\n");
  dbct_value nul = Value(DBCT_V_NULL);
  dbct_value toast = Value(DBCT_V_UNAVAILABLE);
  dbct_value toast_bytes = Value(DBCT_V_UNAVAILABLE);
  toast_bytes.i64 = 1;
  dbct_value toast_array = Value(DBCT_V_UNAVAILABLE);
  toast_array.i64 = 2;

  const dbct_column cols[] = {
      Column("id", i),          Column("flag", b),        Column("r", f4),
      Column("d", f8),          Column("price", dec),     Column("cash", money),
      Column("ba", bytes),      Column("bs", bits),       Column("day", date),
      Column("tip", time),      Column("ttz", timetz),    Column("ts", ts),
      Column("tz", tstz),       Column("tzinf", tsinf),   Column("it", interval),
      Column("arr", array),     Column("point", raw),     Column("name", text),
      Column("nothing", nul),   Column("big", toast),     Column("blob", toast_bytes),
      Column("tags", toast_array)};
  const dbct_row row{cols, sizeof cols / sizeof cols[0]};
  const dbct_row key{cols, 1};
  const dbct_pg_source src = Source();
  dbct_change change = Change('c', &src);
  change.after = &row;
  change.key = &key;

  const Output out = Write(w.handle, change);
  ASSERT_EQ(out.status, DBCT_OK) << dbct_writer_error(w.handle);
  EXPECT_EQ(out.key, R"({"id":-42})");
  const auto event = nlohmann::json::parse(out.value);
  const auto expected_after = nlohmann::json::parse(R"({
    "id": -42, "flag": true, "r": 1.1, "d": "NaN", "price": "z8c=", "cash": "AeIT",
    "ba": "AQID", "bs": "Aw==", "day": 17109, "tip": 49890123, "ttz": "11:51:30.123789Z",
    "ts": 1529507596945104, "tz": "2018-06-20T15:13:16.945104Z", "tzinf": "-infinity",
    "it": 37091106780000, "arr": [7, null], "point": {"x": 1.5, "y": 2.0},
    "name": "quote\" newline\n", "nothing": null, "big": "__debezium_unavailable_value",
    "blob": "X19kZWJleml1bV91bmF2YWlsYWJsZV92YWx1ZQ==", "tags": ["__debezium_unavailable_value"]})");
  EXPECT_EQ(event["after"], expected_after);
  EXPECT_TRUE(event["before"].is_null());
  EXPECT_EQ(event["op"], "c");
  EXPECT_EQ(event["ts_ms"], 0);  // deterministic
  EXPECT_EQ(event["source"]["connector"], "postgresql");
  EXPECT_EQ(event["source"]["version"], dbct_version());
  EXPECT_EQ(event["source"]["sequence"], R"(["53195800","53195832"])");
  EXPECT_EQ(event["source"]["ts_us"], 1700000000123000);
  EXPECT_EQ(event["source"]["txId"], 571);
  EXPECT_TRUE(event["source"]["xmin"].is_null());
}

TEST(CApi, SourceMicrosecondsAndRealClock) {
  dbct_writer_options o = Options();
  o.deterministic = 0;
  Writer w(o);
  dbct_pg_source src = Source();
  src.ts_us = 1700000000123456;
  dbct_change change = Change('d', &src);
  const Output out = Write(w.handle, change);
  ASSERT_EQ(out.status, DBCT_OK);
  const auto event = nlohmann::json::parse(out.value);
  EXPECT_EQ(event["source"]["ts_ms"], 1700000000123);
  EXPECT_EQ(event["source"]["ts_ns"], 1700000000123456000);
  EXPECT_GT(event["ts_ms"].get<int64_t>(), 1700000000000);
  EXPECT_EQ(out.key, "null");
}

TEST(CApi, TruncateAndMessageKeys) {
  Writer w(Options());
  dbct_pg_source src = Source();
  Output out = Write(w.handle, Change('t', &src));
  ASSERT_EQ(out.status, DBCT_OK);
  EXPECT_EQ(out.key, "null");
  auto event = nlohmann::json::parse(out.value);
  EXPECT_FALSE(event.contains("before"));
  EXPECT_FALSE(event.contains("after"));
  EXPECT_EQ(event["op"], "t");

  src.schema = "";
  src.table = "";
  dbct_change m = Change('m', &src);
  m.message_prefix = "foo";
  m.message_content = "bg\xf2";
  m.message_content_len = 3;
  out = Write(w.handle, m);
  ASSERT_EQ(out.status, DBCT_OK);
  EXPECT_EQ(out.key, R"({"prefix":"foo"})");
  event = nlohmann::json::parse(out.value);
  EXPECT_EQ(event["message"]["content"], "Ymfy");
}

TEST(CApi, ErrorsNameTheColumnAndLeaveTheHandleUsable) {
  Writer w(Options(DBCT_DECIMAL_PRECISE));
  dbct_value nan = Text(DBCT_V_DECIMAL, "NaN");
  const dbct_column cols[] = {Column("amount", nan)};
  const dbct_row row{cols, 1};
  const dbct_pg_source src = Source();
  dbct_change change = Change('u', &src);
  change.after = &row;
  EXPECT_EQ(Write(w.handle, change).status, DBCT_ERROR);
  const std::string error = dbct_writer_error(w.handle);
  EXPECT_NE(error.find("column \"amount\""), std::string::npos) << error;
  EXPECT_NE(error.find("string"), std::string::npos) << error;

  change.after = nullptr;
  EXPECT_EQ(Write(w.handle, change).status, DBCT_OK);
  EXPECT_STREQ(dbct_writer_error(w.handle), "");

  change.op = 'x';
  EXPECT_EQ(Write(w.handle, change).status, DBCT_ERROR);
  EXPECT_NE(std::string(dbct_writer_error(w.handle)).find("op 'x'"), std::string::npos);

  change.op = 'c';
  change.source = nullptr;
  EXPECT_EQ(Write(w.handle, change).status, DBCT_ERROR);
  EXPECT_EQ(dbct_write_change(w.handle, nullptr, nullptr, nullptr, nullptr, nullptr), DBCT_ERROR);
  dbct_value bad = Value(DBCT_V_INT64);
  bad.kind = 999;
  const dbct_column bad_cols[] = {Column("c", bad)};
  const dbct_row bad_row{bad_cols, 1};
  change.source = &src;
  change.after = &bad_row;
  EXPECT_EQ(Write(w.handle, change).status, DBCT_ERROR);
  EXPECT_NE(std::string(dbct_writer_error(w.handle)).find("value kind 999"), std::string::npos);
}

TEST(CApi, StringModeCarriesNaN) {
  Writer w(Options(DBCT_DECIMAL_STRING));
  dbct_value nan = Text(DBCT_V_DECIMAL, "NaN");
  const dbct_column cols[] = {Column("amount", nan)};
  const dbct_row row{cols, 1};
  const dbct_pg_source src = Source();
  dbct_change change = Change('r', &src);
  change.after = &row;
  const Output out = Write(w.handle, change);
  ASSERT_EQ(out.status, DBCT_OK);
  EXPECT_EQ(nlohmann::json::parse(out.value)["after"]["amount"], "NAN");
}

TEST(CApi, BadOptionIsReportedOnTheHandle) {
  dbct_writer_options o = Options();
  o.modes.binary_mode = 9;
  Writer w(o);
  ASSERT_NE(w.handle, nullptr);
  EXPECT_NE(std::string(dbct_writer_error(w.handle)).find("binary_mode 9"), std::string::npos);
  const dbct_pg_source src = Source();
  EXPECT_EQ(Write(w.handle, Change('c', &src)).status, DBCT_ERROR);
}

TEST(CApi, CustomPlaceholderAndModes) {
  dbct_writer_options o = Options(DBCT_DECIMAL_STRING);
  o.unavailable_value_placeholder = "UNCHANGED";
  o.modes.binary_mode = DBCT_BINARY_HEX;
  o.modes.interval_mode = DBCT_INTERVAL_STRING;
  o.modes.time_precision_mode = DBCT_TIME_CONNECT;
  Writer w(o);
  dbct_value toast = Value(DBCT_V_UNAVAILABLE);
  dbct_value bytes = Text(DBCT_V_BYTES, "\x01\x02");
  dbct_value it = Value(DBCT_V_INTERVAL);
  it.months = 14;
  it.days = 3;
  it.i64 = 14706780000;
  dbct_value ts = Value(DBCT_V_TIMESTAMP);
  ts.i64 = 1529507596945104;
  const dbct_column cols[] = {Column("t", toast), Column("b", bytes), Column("i", it),
                              Column("ts", ts)};
  const dbct_row row{cols, 4};
  const dbct_pg_source src = Source();
  dbct_change change = Change('c', &src);
  change.after = &row;
  const Output out = Write(w.handle, change);
  ASSERT_EQ(out.status, DBCT_OK) << dbct_writer_error(w.handle);
  EXPECT_EQ(nlohmann::json::parse(out.value)["after"],
            nlohmann::json::parse(
                R"({"t":"UNCHANGED","b":"0102","i":"P1Y2M3DT4H5M6.78S","ts":1529507596945})"));
}

TEST(CApi, TransactionBoundaryEvents) {
  dbct_writer_options o = Options();
  o.deterministic = 0;
  Writer w(o);
  dbct_tx_boundary begin;
  std::memset(&begin, 0, sizeof begin);
  begin.id = "571:53195829";
  begin.ts_ms = 1486500577125;
  const char* json = nullptr;
  size_t len = 0;
  ASSERT_EQ(dbct_write_tx_boundary(w.handle, &begin, &json, &len), DBCT_OK);
  EXPECT_EQ(std::string(json, len),
            R"({"status":"BEGIN","id":"571:53195829","event_count":null,"data_collections":null,"ts_ms":1486500577125})");
  const dbct_tx_collection_count counts[] = {{"s1.a", 1}, {"s2.a", 1}};
  dbct_tx_boundary end = begin;
  end.is_end = 1;
  end.id = "571:53195832";
  end.event_count = 2;
  end.collections = counts;
  end.collection_count = 2;
  ASSERT_EQ(dbct_write_tx_boundary(w.handle, &end, &json, &len), DBCT_OK);
  EXPECT_EQ(std::string(json, len),
            R"({"status":"END","id":"571:53195832","event_count":2,"data_collections":[{"data_collection":"s1.a","event_count":1},{"data_collection":"s2.a","event_count":1}],"ts_ms":1486500577125})");
  EXPECT_EQ(dbct_write_tx_boundary(w.handle, nullptr, &json, &len), DBCT_ERROR);
}

TEST(CApi, NullHandleIsSafe) {
  EXPECT_EQ(dbct_write_change(nullptr, nullptr, nullptr, nullptr, nullptr, nullptr), DBCT_ERROR);
  EXPECT_STREQ(dbct_writer_error(nullptr), "writer is NULL");
  dbct_writer_destroy(nullptr);
  EXPECT_STRNE(dbct_version(), "");
}

TEST(CApi, PointAndHstoreKinds) {
  Writer w(Options());
  const double xy[2] = {1, 2};
  dbct_value point = Value(DBCT_V_POINT);
  point.data = reinterpret_cast<const char*>(xy);
  point.len = sizeof xy;
  dbct_value store = Text(DBCT_V_HSTORE, R"("z"=>"1", "aa"=>NULL)");
  dbct_value store_map = store;
  store_map.i64 = 1;
  dbct_value toast_store = Value(DBCT_V_UNAVAILABLE);
  toast_store.i64 = 3;
  dbct_value toast_store_map = Value(DBCT_V_UNAVAILABLE);
  toast_store_map.i64 = 4;
  const dbct_column cols[] = {Column("p", point), Column("h", store), Column("hm", store_map),
                              Column("ht", toast_store), Column("hmt", toast_store_map)};
  const dbct_row row{cols, sizeof cols / sizeof cols[0]};
  const dbct_pg_source src = Source();
  dbct_change change = Change('c', &src);
  change.after = &row;
  const Output out = Write(w.handle, change);
  ASSERT_EQ(out.status, DBCT_OK) << dbct_writer_error(w.handle);
  EXPECT_NE(out.value.find(R"("after":{"p":{"x":1.0,"y":2.0,"wkb":"AQEAAAAAAAAAAADwPwAAAAAAAABA",)"
                           R"("srid":null},"h":"{\"aa\":null,\"z\":\"1\"}","hm":{"aa":null,"z":"1"},)"
                           R"("ht":"{\"__debezium_unavailable_value\":\"__debezium_unavailable_value\"}",)"
                           R"("hmt":{"__debezium_unavailable_value":"__debezium_unavailable_value"}})"),
            std::string::npos)
      << out.value;

  dbct_value short_point = Value(DBCT_V_POINT);
  short_point.data = reinterpret_cast<const char*>(xy);
  short_point.len = 8;
  const dbct_column bad_cols[] = {Column("where", short_point)};
  const dbct_row bad_row{bad_cols, 1};
  change.after = &bad_row;
  EXPECT_EQ(Write(w.handle, change).status, DBCT_ERROR);
  EXPECT_NE(std::string(dbct_writer_error(w.handle)).find("where"), std::string::npos)
      << dbct_writer_error(w.handle);
}
