#include "dbct/envelope/envelope_writer.hpp"

#include <chrono>
#include <charconv>

#include "dbct/values/binary.hpp"

namespace dbct::envelope {

namespace {

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

void WriteNullableInt(JsonWriter& w, int64_t value) {
  if (value == kNull) {
    w.Null();
  } else {
    w.Int(value);
  }
}

void WriteTimes(JsonWriter& w, const EventTime& t) {
  w.KeyLiteral("ts_ms");
  w.Int(t.ts_ms);
  w.KeyLiteral("ts_us");
  w.Int(t.ts_us);
  w.KeyLiteral("ts_ns");
  w.Int(t.ts_ns);
}

void WriteTransaction(JsonWriter& w, const TransactionBlock& tx) {
  w.KeyLiteral("transaction");
  w.BeginObject();
  w.KeyLiteral("id");
  w.String(tx.id);
  w.KeyLiteral("total_order");
  w.Int(tx.total_order);
  w.KeyLiteral("data_collection_order");
  w.Int(tx.data_collection_order);
  w.EndObject();
}

}  // namespace

EventTime EventTime::FromMillis(int64_t ms) { return {ms, ms * 1000, ms * 1000000}; }

EventTime EventTime::FromMicros(int64_t us) { return {FloorDiv(us, 1000), us, us * 1000}; }

EventTime EventTime::FromNanos(int64_t ns) {
  return {FloorDiv(ns, 1000000), FloorDiv(ns, 1000), ns};
}

EventTime EventTime::Now() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return FromNanos(std::chrono::duration_cast<std::chrono::nanoseconds>(now).count());
}

void PgSourceFields::operator()(JsonWriter& w) const {
  w.KeyLiteral("schema");
  w.String(schema);
  w.KeyLiteral("table");
  w.String(table);
  w.KeyLiteral("txId");
  WriteNullableInt(w, tx_id);
  w.KeyLiteral("lsn");
  WriteNullableInt(w, lsn);
  w.KeyLiteral("xmin");
  WriteNullableInt(w, xmin);
}

size_t FormatPgSequence(char* buf, int64_t last_commit_lsn, int64_t lsn) {
  char* p = buf;
  *p++ = '[';
  for (int i = 0; i < 2; ++i) {
    const int64_t v = i == 0 ? last_commit_lsn : lsn;
    if (i == 1) *p++ = ',';
    if (v == kNull) {
      for (char c : {'n', 'u', 'l', 'l'}) *p++ = c;
    } else {
      *p++ = '"';
      p = std::to_chars(p, p + 24, v).ptr;
      *p++ = '"';
    }
  }
  *p++ = ']';
  return static_cast<size_t>(p - buf);
}

void BeginChange(JsonWriter& w) { w.BeginObject(); }

void EndChange(JsonWriter& w, Op op, const EventTime& time, const TransactionBlock* tx) {
  w.KeyLiteral("op");
  const char code[1] = {static_cast<char>(op)};
  w.StringLiteral(std::string_view(code, 1));
  WriteTimes(w, time);
  if (tx != nullptr) {
    WriteTransaction(w, *tx);
  } else {
    w.KeyLiteral("transaction");
    w.Null();
  }
  w.EndObject();
}

void BeginSourceOnlyEvent(JsonWriter& w) { w.BeginObject(); }

void EndTruncate(JsonWriter& w, const EventTime& time, const TransactionBlock* tx) {
  w.KeyLiteral("op");
  w.StringLiteral("t");
  WriteTimes(w, time);
  if (tx != nullptr) WriteTransaction(w, *tx);
  w.EndObject();
}

void EndMessage(JsonWriter& w, const EventTime& time, const TransactionBlock* tx,
                std::string_view prefix, std::string_view content, values::BinaryMode mode) {
  w.KeyLiteral("op");
  w.StringLiteral("m");
  WriteTimes(w, time);
  if (tx != nullptr) WriteTransaction(w, *tx);
  w.KeyLiteral("message");
  w.BeginObject();
  w.KeyLiteral("prefix");
  w.String(prefix);
  w.KeyLiteral("content");
  values::WriteBytes(w, content, mode);
  w.EndObject();
  w.EndObject();
}

void WriteTransactionBegin(JsonWriter& w, std::string_view id, int64_t ts_ms) {
  w.BeginObject();
  w.KeyLiteral("status");
  w.StringLiteral("BEGIN");
  w.KeyLiteral("id");
  w.String(id);
  w.KeyLiteral("event_count");
  w.Null();
  w.KeyLiteral("data_collections");
  w.Null();
  w.KeyLiteral("ts_ms");
  w.Int(ts_ms);
  w.EndObject();
}

void WriteTransactionEnd(JsonWriter& w, std::string_view id, int64_t ts_ms, int64_t event_count,
                         const CollectionCount* collections, size_t collection_count) {
  w.BeginObject();
  w.KeyLiteral("status");
  w.StringLiteral("END");
  w.KeyLiteral("id");
  w.String(id);
  w.KeyLiteral("event_count");
  w.Int(event_count);
  w.KeyLiteral("data_collections");
  w.BeginArray();
  for (size_t i = 0; i < collection_count; ++i) {
    w.BeginObject();
    w.KeyLiteral("data_collection");
    w.String(collections[i].data_collection);
    w.KeyLiteral("event_count");
    w.Int(collections[i].event_count);
    w.EndObject();
  }
  w.EndArray();
  w.KeyLiteral("ts_ms");
  w.Int(ts_ms);
  w.EndObject();
}

}  // namespace dbct::envelope
