// The pure part of dbct-mongodb: change-stream documents (BSON, as a watch() cursor returns
// them) and snapshot documents in, Debezium MongoDB connector events out. No I/O: live capture
// and --replay both go through it, so replay output is what live capture publishes.
//
// Follows Debezium's MongoDB connector (MongoDbChangeRecordEmitter, MongoDbCollectionSchema,
// MongoDbSchema, MongoDbSourceInfoStructMaker, SourceInfo, JsonSerialization,
// MongoDbEventMetadataProvider):
//   key    {"id": "<documentKey._id as relaxed Extended JSON>"}
//   value  {"before", "after", "updateDescription", "source", "op", "ts_ms", "transaction"}
//          (the MongoDB value schema has no top-level ts_us/ts_ns, unlike the SQL connectors)
//   source version, connector "mongodb", name, ts_ms (wallTime, else clusterTime seconds),
//          snapshot, db, sequence, ts_us, ts_ns, collection, ord (clusterTime increment),
//          lsid, txnNumber (both or neither), wallTime
//   insert c (after), update u (updateDescription; after/before when the stream gave the
//   full document / pre-image), replace u (after; no updateDescription), delete d (before
//   only with a pre-image). Other operation types (drop, rename, dropDatabase, DDL events)
//   are not data changes: skipped, as Debezium's pipeline filters them out; invalidate ends
//   the stream.
#ifndef DBCT_MONGODB_CHANGE_TRANSLATOR_HPP
#define DBCT_MONGODB_CHANGE_TRANSLATOR_HPP

#include <bson/bson.h>

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "dbct/config/name_filter.hpp"
#include "dbct/envelope/json_writer.hpp"
#include "ext_json.hpp"
#include "mongodb_position.hpp"

namespace dbct::mongodb {

// A change document without what every change event has (operationType, ns, documentKey,
// _id, clusterTime). Not retriable: the same document fails again.
class ChangeFormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct TranslatorSettings {
  std::string server_name;  // source.name (metadata.name)
  std::string version;      // source.version
  SerializationMode serialization = SerializationMode::kLegacy;
  bool provide_transaction_metadata = false;
  std::string skipped_operations;  // letters of c, u, d
  config::NameFilter databases;    // database names
  config::NameFilter collections;  // "db.collection"
};

enum class Outcome { kEvent, kSkipped, kInvalidate };

struct Translation {
  Outcome outcome = Outcome::kSkipped;
  std::string reason;  // kSkipped / kInvalidate: why, for the log
  char op = 'c';
  std::string db;
  std::string collection;
  std::string ns;        // "db.collection": Dbct-Table, data_collection
  std::string key;       // {"id":"..."}
  std::string value;     // the event
  std::string position;  // Dbct-Position after this event
  // Nats-Msg-Id after "N:" when it is not the position: a snapshot read's is
  // "snapshot:<t>:<i>:<db.collection>:<_id>" (":done" appended on the snapshot's last read),
  // the same when an interrupted snapshot is taken again from the same start point, so the
  // duplicate window drops the re-sends.
  std::string msg_id;
  int64_t source_ts_ms = 0;  // change events: source.ts_ms, for the lag; 0 for snapshot reads
  // Transaction boundary events (BEGIN/END) to publish, in order, before this event.
  std::vector<std::string> transaction_events;
};

class ChangeTranslator {
 public:
  explicit ChangeTranslator(TranslatorSettings settings);

  // One change-stream document. now_ms is the envelope's ts_ms (when the event was made).
  // Throws ChangeFormatError.
  const Translation& Translate(const bson_t& change, int64_t now_ms);

  // One document read by the initial snapshot (op r). `position` is the snapshot position of
  // this read (its start_at gives source.ts_ms and ord, as Debezium's snapshot offsets do).
  const Translation& TranslateRead(const std::string& db, const std::string& collection,
                                   const bson_t& document, const MongoPosition& position, int64_t now_ms);

  // Whether db.collection is captured (databaseInclude/ExcludeList, collectionInclude/ExcludeList).
  bool Captured(const std::string& db, const std::string& collection) const;

  // An END event for a transaction still open (none when there is none); to close one at a
  // clean stop is not what Debezium does, so only tests use it.
  std::vector<std::string> TakeOpenTransactionEnd(int64_t ts_ms);

  const TranslatorSettings& settings() const { return settings_; }

 private:
  struct OpenTransaction {
    std::string id;
    int64_t total = 0;
    std::map<std::string, int64_t> per_collection;  // data_collection -> events
    std::vector<std::string> order;                 // collections in first-seen order
  };

  void EndTransaction(int64_t ts_ms);
  void WriteSourceBlock(int64_t ts_ms, bool snapshot, uint32_t ord, const std::string* lsid,
                        int64_t txn_number, int64_t wall_time);

  TranslatorSettings settings_;
  Translation result_;
  envelope::JsonWriter w_{4096};
  std::string scratch_;
  bool tx_open_ = false;
  OpenTransaction tx_;
};

}  // namespace dbct::mongodb

#endif  // DBCT_MONGODB_CHANGE_TRANSLATOR_HPP
