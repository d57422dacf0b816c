// The Debezium change event envelope, written straight into a JsonWriter.
//
// Field order follows Debezium's Kafka Connect schemas (what its JsonConverter prints):
//   data event (Envelope / SchemaFactory.datatypeEnvelopeSchema):
//     before, after, source, op, ts_ms, ts_us, ts_ns, transaction
//   truncate (connector doc example): source, op, ts_ms, ts_us, ts_ns [, transaction]
//   PostgreSQL message: source, op, ts_ms, ts_us, ts_ns [, transaction], message
//   source: version, connector, name, ts_ms, snapshot, db, sequence, ts_us, ts_ns, then the
//     connector's own fields (SchemaFactory.sourceInfoSchemaBuilder + *SourceInfoStructMaker).
//
// A data event is written in three steps so rows never pass through an intermediate form:
//   BeginChange(w); w.KeyLiteral("before"); <row or w.Null()>; w.KeyLiteral("after"); <row>;
//   WriteSource(w, common, connector_fields); EndChange(w, op, time, tx);
#ifndef DBCT_ENVELOPE_ENVELOPE_WRITER_HPP
#define DBCT_ENVELOPE_ENVELOPE_WRITER_HPP

#include <cstdint>
#include <string_view>

#include "dbct/envelope/json_writer.hpp"
#include "dbct/values/modes.hpp"

namespace dbct::envelope {

enum class Op : char {
  kCreate = 'c',
  kUpdate = 'u',
  kDelete = 'd',
  kRead = 'r',
  kTruncate = 't',
  kMessage = 'm'
};

// One instant written as ts_ms / ts_us / ts_ns (Debezium 2.x writes all three, from one Instant).
struct EventTime {
  int64_t ts_ms = 0;
  int64_t ts_us = 0;
  int64_t ts_ns = 0;

  static EventTime FromMillis(int64_t ms);
  static EventTime FromMicros(int64_t us);
  static EventTime FromNanos(int64_t ns);
  static EventTime Now();  // system clock
};

// The source fields every connector has.
struct SourceCommon {
  std::string_view version;
  std::string_view connector;  // "postgresql", "mysql", "sqlserver", "oracle", "mongodb"
  std::string_view name;       // topic.prefix: the tracking name
  EventTime ts;                // commit time at the source
  std::string_view snapshot;   // SnapshotRecord as a string: "false", "true", "last", ...
  std::string_view db;
  const char* sequence = nullptr;  // already-JSON-escaped-free text, or nullptr -> null
  size_t sequence_len = 0;
};

// Writes "source":{common fields, then extra(w)}. `extra` writes the connector's own fields.
template <typename ExtraFields>
void WriteSource(JsonWriter& w, const SourceCommon& common, ExtraFields&& extra);

// PostgreSQL's source fields (PostgresSourceInfoStructMaker): schema, table, txId, lsn, xmin.
// kNull (-1 in the C ABI) writes null.
constexpr int64_t kNull = -1;
struct PgSourceFields {
  std::string_view schema;
  std::string_view table;
  int64_t tx_id = kNull;
  int64_t lsn = kNull;
  int64_t xmin = kNull;

  void operator()(JsonWriter& w) const;
};

// PostgreSQL's source.sequence: the stringified JSON array ["<last commit lsn>","<lsn>"],
// each element null when unknown (PostgresOffsetContext / SourceInfo.sequence). Returns the
// length written into buf (at least 64 bytes).
size_t FormatPgSequence(char* buf, int64_t last_commit_lsn, int64_t lsn);

// Per-event transaction block (provide.transaction.metadata).
struct TransactionBlock {
  std::string_view id;
  int64_t total_order = 0;
  int64_t data_collection_order = 0;
};

void BeginChange(JsonWriter& w);
// Writes op, ts_ms, ts_us, ts_ns, transaction (null when tx is nullptr) and closes the event.
void EndChange(JsonWriter& w, Op op, const EventTime& time, const TransactionBlock* tx);

// Truncate and message events have no before/after: open the event, write the source with
// WriteSource, then close with EndTruncate / EndMessage. Their transaction block is written
// only when there is one.
void BeginSourceOnlyEvent(JsonWriter& w);
void EndTruncate(JsonWriter& w, const EventTime& time, const TransactionBlock* tx);
// "message":{"prefix":..,"content":..}: content encoded by binary.handling.mode
// (LogicalDecodingMessageMonitor.convertContent; bytes -> base64).
void EndMessage(JsonWriter& w, const EventTime& time, const TransactionBlock* tx,
                std::string_view prefix, std::string_view content, values::BinaryMode mode);

// Transaction boundary events (TransactionStructMaker / transactionValueSchema):
// {"status":"BEGIN","id":..,"event_count":null,"data_collections":null,"ts_ms":..}
// {"status":"END","id":..,"event_count":N,"data_collections":[{"data_collection":..,
//  "event_count":N},..],"ts_ms":..}
struct CollectionCount {
  std::string_view data_collection;
  int64_t event_count = 0;
};
void WriteTransactionBegin(JsonWriter& w, std::string_view id, int64_t ts_ms);
void WriteTransactionEnd(JsonWriter& w, std::string_view id, int64_t ts_ms, int64_t event_count,
                         const CollectionCount* collections, size_t collection_count);

// ---- implementation of the template ------------------------------------------------------

template <typename ExtraFields>
void WriteSource(JsonWriter& w, const SourceCommon& c, ExtraFields&& extra) {
  w.KeyLiteral("source");
  w.BeginObject();
  w.KeyLiteral("version");
  w.String(c.version);
  w.KeyLiteral("connector");
  w.String(c.connector);
  w.KeyLiteral("name");
  w.String(c.name);
  w.KeyLiteral("ts_ms");
  w.Int(c.ts.ts_ms);
  w.KeyLiteral("snapshot");
  w.String(c.snapshot);
  w.KeyLiteral("db");
  w.String(c.db);
  w.KeyLiteral("sequence");
  if (c.sequence != nullptr) {
    w.String(std::string_view(c.sequence, c.sequence_len));
  } else {
    w.Null();
  }
  w.KeyLiteral("ts_us");
  w.Int(c.ts.ts_us);
  w.KeyLiteral("ts_ns");
  w.Int(c.ts.ts_ns);
  extra(w);
  w.EndObject();
}

}  // namespace dbct::envelope

#endif  // DBCT_ENVELOPE_ENVELOPE_WRITER_HPP
