// A 10-column Debezium create event: our JsonWriter + envelope writer (through the C ABI, as the
// PostgreSQL plugin calls it) against building the same event as an nlohmann::json DOM + dump().
// Run: build/bench_event_writer
#include <benchmark/benchmark.h>

#include <cstring>
#include <nlohmann/json.hpp>
#include <string>

#include "dbct/c_api/dbct.h"
#include "dbct/envelope/envelope_writer.hpp"
#include "dbct/envelope/json_writer.hpp"
#include "dbct/values/numeric.hpp"
#include "dbct/values/temporal.hpp"

namespace {

dbct_value V(dbct_value_kind kind) {
  dbct_value v;
  std::memset(&v, 0, sizeof v);
  v.kind = kind;
  v.precision = -1;
  v.scale = -1;
  return v;
}

dbct_value T(dbct_value_kind kind, const char* text) {
  dbct_value v = V(kind);
  v.data = text;
  v.len = std::strlen(text);
  return v;
}

struct Row10 {
  dbct_column cols[10];
  Row10() {
    dbct_value id = V(DBCT_V_INT64);
    id.i64 = 1234567;
    dbct_value customer = V(DBCT_V_INT64);
    customer.i64 = 42;
    dbct_value price = T(DBCT_V_DECIMAL, "1234.56");
    price.scale = 2;
    dbct_value qty = V(DBCT_V_INT64);
    qty.i64 = 3;
    dbct_value weight = V(DBCT_V_FLOAT64);
    weight.f64 = 12.375;
    dbct_value paid = V(DBCT_V_BOOL);
    paid.i64 = 1;
    dbct_value created = V(DBCT_V_TIMESTAMPTZ);
    created.i64 = 1718000000123456;
    dbct_value day = V(DBCT_V_DATE);
    day.i64 = 19884;
    int i = 0;
    cols[i++] = {"id", 2, id};
    cols[i++] = {"customer_id", 11, customer};
    cols[i++] = {"name", 4, T(DBCT_V_STRING, "John \"Johnny\" Doe")};
    cols[i++] = {"email", 5, T(DBCT_V_STRING, "john.doe@example.com")};
    cols[i++] = {"price", 5, price};
    cols[i++] = {"quantity", 8, qty};
    cols[i++] = {"weight", 6, weight};
    cols[i++] = {"paid", 4, paid};
    cols[i++] = {"created_at", 10, created};
    cols[i++] = {"ship_date", 9, day};
  }
};

dbct_pg_source Source() {
  dbct_pg_source s;
  std::memset(&s, 0, sizeof s);
  s.name = "postgres-orders";
  s.db = "ecommerce";
  s.schema = "public";
  s.table = "orders";
  s.snapshot = "false";
  s.ts_ms = 1718000000123;
  s.tx_id = 571;
  s.lsn = 53195832;
  s.xmin = -1;
  s.last_commit_lsn = 53195800;
  return s;
}

void BM_DbctWriter(benchmark::State& state) {
  dbct_writer_options o;
  std::memset(&o, 0, sizeof o);
  dbct_writer* w = dbct_writer_create(&o);
  Row10 row10;
  const dbct_row row{row10.cols, 10};
  const dbct_row key{row10.cols, 1};
  const dbct_pg_source src = Source();
  dbct_change c;
  std::memset(&c, 0, sizeof c);
  c.op = 'c';
  c.source = &src;
  c.after = &row;
  c.key = &key;
  c.ts_ms = 1718000000200;
  size_t bytes = 0;
  for (auto _ : state) {
    const char *value, *k;
    size_t vl, kl;
    if (dbct_write_change(w, &c, &value, &vl, &k, &kl) != DBCT_OK) state.SkipWithError("write");
    benchmark::DoNotOptimize(value);
    bytes += vl + kl;
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  dbct_writer_destroy(w);
}
BENCHMARK(BM_DbctWriter);

// The same event (same values, same formatting rules) as a DOM. Value conversions reuse our
// formatting functions so only the JSON construction differs.
void BM_NlohmannDom(benchmark::State& state) {
  Row10 row10;
  const dbct_pg_source src = Source();
  size_t bytes = 0;
  for (auto _ : state) {
    nlohmann::ordered_json after;
    after["id"] = row10.cols[0].value.i64;
    after["customer_id"] = row10.cols[1].value.i64;
    after["name"] = std::string(row10.cols[2].value.data, row10.cols[2].value.len);
    after["email"] = std::string(row10.cols[3].value.data, row10.cols[3].value.len);
    {
      dbct::envelope::JsonWriter tmp;
      dbct::values::WriteDecimal(tmp, "1234.56", 2, dbct::values::DecimalMode::kPrecise);
      after["price"] = tmp.Str().substr(1, tmp.Size() - 2);
    }
    after["quantity"] = row10.cols[5].value.i64;
    after["weight"] = row10.cols[6].value.f64;
    after["paid"] = row10.cols[7].value.i64 != 0;
    {
      std::string iso;
      dbct::values::AppendIsoTimestamp(iso, row10.cols[8].value.i64, 6);
      after["created_at"] = iso;
    }
    after["ship_date"] = row10.cols[9].value.i64;
    nlohmann::ordered_json source;
    source["version"] = dbct_version();
    source["connector"] = "postgresql";
    source["name"] = src.name;
    source["ts_ms"] = src.ts_ms;
    source["snapshot"] = src.snapshot;
    source["db"] = src.db;
    source["sequence"] = "[\"" + std::to_string(src.last_commit_lsn) + "\",\"" +
                         std::to_string(src.lsn) + "\"]";
    source["ts_us"] = src.ts_ms * 1000;
    source["ts_ns"] = src.ts_ms * 1000000;
    source["schema"] = src.schema;
    source["table"] = src.table;
    source["txId"] = src.tx_id;
    source["lsn"] = src.lsn;
    source["xmin"] = nullptr;
    nlohmann::ordered_json event;
    event["before"] = nullptr;
    event["after"] = std::move(after);
    event["source"] = std::move(source);
    event["op"] = "c";
    event["ts_ms"] = int64_t{1718000000200};
    event["ts_us"] = int64_t{1718000000200000};
    event["ts_ns"] = int64_t{1718000000200000000};
    event["transaction"] = nullptr;
    nlohmann::ordered_json key;
    key["id"] = row10.cols[0].value.i64;
    std::string value_text = event.dump();
    std::string key_text = key.dump();
    benchmark::DoNotOptimize(value_text.data());
    benchmark::DoNotOptimize(key_text.data());
    bytes += value_text.size() + key_text.size();
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_NlohmannDom);

}  // namespace

BENCHMARK_MAIN();
