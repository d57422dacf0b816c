// Change-stream documents (MongoDB's documented change events) to Debezium MongoDB connector
// events: exact key, value and position text.
#include <gtest/gtest.h>

#include <bson/bson.h>

#include <string>

#include "change_translator.hpp"
#include "mongodb_position.hpp"

namespace dbct::mongodb {
namespace {

constexpr int64_t kNow = 1700000000999;

class BsonDoc {
 public:
  explicit BsonDoc(const std::string& json) {
    bson_error_t error;
    const bool ok = bson_init_from_json(&doc_, json.data(), static_cast<ssize_t>(json.size()), &error);
    EXPECT_TRUE(ok) << error.message << " in " << json;
    if (!ok) bson_init(&doc_);
  }
  ~BsonDoc() { bson_destroy(&doc_); }
  const bson_t& get() const { return doc_; }

 private:
  bson_t doc_;
};

TranslatorSettings Settings() {
  TranslatorSettings s;
  s.server_name = "fulfillment";
  s.version = "9.9.9";
  return s;
}

// The source block of a change event (clusterTime seconds when there is no wallTime).
std::string Source(const std::string& db, const std::string& coll, int64_t ts_ms, int ord,
                   const std::string& lsid = "null", const std::string& txn = "null",
                   const std::string& wall = "null", const std::string& snapshot = "false") {
  return R"("source":{"version":"9.9.9","connector":"mongodb","name":"fulfillment","ts_ms":)" +
         std::to_string(ts_ms) + R"(,"snapshot":")" + snapshot + R"(","db":")" + db +
         R"(","sequence":null,"ts_us":)" + std::to_string(ts_ms * 1000) + R"(,"ts_ns":)" +
         std::to_string(ts_ms * 1000000) + R"(,"collection":")" + coll + R"(","ord":)" + std::to_string(ord) +
         R"(,"lsid":)" + lsid + R"(,"txnNumber":)" + txn + R"(,"wallTime":)" + wall + "}";
}

const char* kInsert = R"({
  "_id": {"_data": "8264A1B2C3000000012B022C0100296E5A1004"},
  "operationType": "insert",
  "clusterTime": {"$timestamp": {"t": 1558965508, "i": 1}},
  "fullDocument": {"_id": {"$numberLong": "1004"}, "first_name": "Anne", "last_name": "Kretchmar",
                   "email": "annek@noanswer.org"},
  "ns": {"db": "inventory", "coll": "customers"},
  "documentKey": {"_id": {"$numberLong": "1004"}}
})";

TEST(MongoDbTranslator, InsertAsDebeziumDocumentsIt) {
  ChangeTranslator t(Settings());
  const Translation& r = t.Translate(BsonDoc(kInsert).get(), kNow);
  ASSERT_EQ(r.outcome, Outcome::kEvent);
  EXPECT_EQ(r.op, 'c');
  EXPECT_EQ(r.key, R"({"id":"1004"})");
  EXPECT_EQ(r.ns, "inventory.customers");
  EXPECT_EQ(r.position, R"({"_data": "8264A1B2C3000000012B022C0100296E5A1004"})");
  EXPECT_EQ(r.value,
            R"({"before":null,"after":"{\"_id\": {\"$numberLong\": \"1004\"},\"first_name\": \"Anne\",)"
            R"(\"last_name\": \"Kretchmar\",\"email\": \"annek@noanswer.org\"}","updateDescription":null,)"
            R"("source":{"version":"9.9.9","connector":"mongodb","name":"fulfillment","ts_ms":1558965508000,)"
            R"("snapshot":"false","db":"inventory","sequence":null,"ts_us":1558965508000000,)"
            R"("ts_ns":1558965508000000000,"collection":"customers","ord":1,"lsid":null,"txnNumber":null,)"
            R"("wallTime":null},"op":"c","ts_ms":1700000000999,"transaction":null})");
  EXPECT_TRUE(r.transaction_events.empty());
}

TEST(MongoDbTranslator, WallTimeIsTheSourceTimeWhenPresent) {
  ChangeTranslator t(Settings());
  const Translation& r = t.Translate(BsonDoc(R"({"_id": {"_data": "01"}, "operationType": "insert",
      "clusterTime": {"$timestamp": {"t": 1700000000, "i": 4}}, "wallTime": {"$date": "2023-11-14T22:13:20.123Z"},
      "fullDocument": {"_id": 1}, "ns": {"db": "d", "coll": "c"}, "documentKey": {"_id": 1}})").get(), kNow);
  EXPECT_EQ(r.value, R"({"before":null,"after":"{\"_id\": 1}","updateDescription":null,)" +
                         Source("d", "c", 1700000000123, 4, "null", "null", "1700000000123") +
                         R"(,"op":"c","ts_ms":1700000000999,"transaction":null})");
}

TEST(MongoDbTranslator, UpdateWithoutFullDocument) {
  // capture.mode change_streams: no lookup, only the update description.
  ChangeTranslator t(Settings());
  const Translation& r = t.Translate(BsonDoc(R"({"_id": {"_data": "02"}, "operationType": "update",
      "clusterTime": {"$timestamp": {"t": 1465491461, "i": 2}}, "ns": {"db": "inventory", "coll": "customers"},
      "documentKey": {"_id": {"$numberLong": "1004"}},
      "updateDescription": {"updatedFields": {"first_name": "Anne Marie"}, "removedFields": [], "truncatedArrays": []}})")
                                         .get(),
                                     kNow);
  ASSERT_EQ(r.outcome, Outcome::kEvent);
  EXPECT_EQ(r.op, 'u');
  EXPECT_EQ(r.value,
            R"({"before":null,"after":null,"updateDescription":{"removedFields":null,)"
            R"("updatedFields":"{\"first_name\": \"Anne Marie\"}","truncatedArrays":null},)" +
                Source("inventory", "customers", 1465491461000, 2) +
                R"(,"op":"u","ts_ms":1700000000999,"transaction":null})");
}

TEST(MongoDbTranslator, UpdateWithFullDocumentAndPreImage) {
  // change_streams_update_full_with_pre_image: before from fullDocumentBeforeChange, after
  // from the looked-up fullDocument; updatedFields in relaxed JSON with ", " (legacy mode).
  ChangeTranslator t(Settings());
  const Translation& r = t.Translate(BsonDoc(R"({"_id": {"_data": "03"}, "operationType": "update",
      "clusterTime": {"$timestamp": {"t": 1465491461, "i": 1}}, "ns": {"db": "inventory", "coll": "customers"},
      "documentKey": {"_id": {"$numberLong": "1004"}},
      "updateDescription": {"updatedFields": {"first_name": "Anne Marie", "visits": {"$numberLong": "3"}},
                            "removedFields": []},
      "fullDocumentBeforeChange": {"_id": {"$numberLong": "1004"}, "first_name": "unknown", "visits": {"$numberLong": "2"}},
      "fullDocument": {"_id": {"$numberLong": "1004"}, "first_name": "Anne Marie", "visits": {"$numberLong": "3"}}})")
                                         .get(),
                                     kNow);
  EXPECT_EQ(r.value,
            R"({"before":"{\"_id\": {\"$numberLong\": \"1004\"},\"first_name\": \"unknown\",\"visits\": {\"$numberLong\": \"2\"}}",)"
            R"("after":"{\"_id\": {\"$numberLong\": \"1004\"},\"first_name\": \"Anne Marie\",\"visits\": {\"$numberLong\": \"3\"}}",)"
            R"("updateDescription":{"removedFields":null,"updatedFields":"{\"first_name\": \"Anne Marie\", \"visits\": 3}",)"
            R"("truncatedArrays":null},)" +
                Source("inventory", "customers", 1465491461000, 1) +
                R"(,"op":"u","ts_ms":1700000000999,"transaction":null})");
}

TEST(MongoDbTranslator, UpdateWithRemovedFieldsAndTruncatedArrays) {
  ChangeTranslator t(Settings());
  const Translation& r = t.Translate(BsonDoc(R"({"_id": {"_data": "04"}, "operationType": "update",
      "clusterTime": {"$timestamp": {"t": 1700000000, "i": 9}}, "ns": {"db": "shop", "coll": "carts"},
      "documentKey": {"_id": {"$oid": "64a1b2c3d4e5f60718293a4b"}},
      "updateDescription": {"updatedFields": {}, "removedFields": ["coupon", "address.line2"],
                            "truncatedArrays": [{"field": "items", "newSize": 2}, {"field": "tags", "newSize": 0}]}})")
                                         .get(),
                                     kNow);
  EXPECT_EQ(r.key, R"({"id":"{\"$oid\": \"64a1b2c3d4e5f60718293a4b\"}"})");
  EXPECT_EQ(r.value,
            R"({"before":null,"after":null,"updateDescription":{"removedFields":["coupon","address.line2"],)"
            R"("updatedFields":"{}","truncatedArrays":[{"field":"items","size":2},{"field":"tags","size":0}]},)" +
                Source("shop", "carts", 1700000000000, 9) + R"(,"op":"u","ts_ms":1700000000999,"transaction":null})");
}

TEST(MongoDbTranslator, ReplaceIsAnUpdateWithTheNewDocumentAndNoDescription) {
  ChangeTranslator t(Settings());
  const Translation& r = t.Translate(BsonDoc(R"({"_id": {"_data": "05"}, "operationType": "replace",
      "clusterTime": {"$timestamp": {"t": 1700000000, "i": 1}}, "ns": {"db": "d", "coll": "c"},
      "documentKey": {"_id": "k1"}, "fullDocument": {"_id": "k1", "v": 2.5}})")
                                         .get(),
                                     kNow);
  EXPECT_EQ(r.op, 'u');
  EXPECT_EQ(r.key, R"({"id":"\"k1\""})");
  EXPECT_EQ(r.value, R"({"before":null,"after":"{\"_id\": \"k1\",\"v\": 2.5}","updateDescription":null,)" +
                         Source("d", "c", 1700000000000, 1) + R"(,"op":"u","ts_ms":1700000000999,"transaction":null})");
}

TEST(MongoDbTranslator, DeleteWithAndWithoutPreImage) {
  ChangeTranslator t(Settings());
  const Translation& plain = t.Translate(BsonDoc(R"({"_id": {"_data": "06"}, "operationType": "delete",
      "clusterTime": {"$timestamp": {"t": 1700000000, "i": 2}}, "ns": {"db": "d", "coll": "c"},
      "documentKey": {"_id": {"$numberInt": "7"}}})")
                                             .get(),
                                         kNow);
  EXPECT_EQ(plain.op, 'd');
  EXPECT_EQ(plain.key, R"({"id":"7"})");
  EXPECT_EQ(plain.value, R"({"before":null,"after":null,"updateDescription":null,)" +
                             Source("d", "c", 1700000000000, 2) + R"(,"op":"d","ts_ms":1700000000999,"transaction":null})");
  const Translation& pre = t.Translate(BsonDoc(R"({"_id": {"_data": "07"}, "operationType": "delete",
      "clusterTime": {"$timestamp": {"t": 1700000000, "i": 3}}, "ns": {"db": "d", "coll": "c"},
      "documentKey": {"_id": 8}, "fullDocumentBeforeChange": {"_id": 8, "name": "gone"}})")
                                           .get(),
                                       kNow);
  EXPECT_EQ(pre.value, R"({"before":"{\"_id\": 8,\"name\": \"gone\"}","after":null,"updateDescription":null,)" +
                           Source("d", "c", 1700000000000, 3) + R"(,"op":"d","ts_ms":1700000000999,"transaction":null})");
}

TEST(MongoDbTranslator, DropRenameAndDdlAreNotDataChangesAndInvalidateEndsTheStream) {
  ChangeTranslator t(Settings());
  for (const char* type : {"drop", "rename", "dropDatabase", "create", "createIndexes", "modify", "shardCollection"}) {
    const std::string doc = std::string(R"({"_id": {"_data": "08"}, "operationType": ")") + type +
                            R"(", "clusterTime": {"$timestamp": {"t": 1, "i": 1}}, "ns": {"db": "d", "coll": "c"},)"
                            R"( "to": {"db": "d", "coll": "c2"}})";
    const Translation& r = t.Translate(BsonDoc(doc).get(), kNow);
    EXPECT_EQ(r.outcome, Outcome::kSkipped) << type;
    EXPECT_EQ(r.reason, std::string("operationType ") + type + " is not a data change");
  }
  const Translation& r = t.Translate(BsonDoc(R"({"_id": {"_data": "09"}, "operationType": "invalidate",
      "clusterTime": {"$timestamp": {"t": 1, "i": 2}}})")
                                         .get(),
                                     kNow);
  EXPECT_EQ(r.outcome, Outcome::kInvalidate);
}

const char* kLsid = R"("lsid": {"id": {"$binary": {"base64": "FA7YEzXgQXSX9OxmzllH2w==", "subType": "04"}},
                                "uid": {"$binary": {"base64": "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", "subType": "00"}}})";
const char* kLsidJson =
    R"("{\"id\": {\"$binary\": \"FA7YEzXgQXSX9OxmzllH2w==\",\"$type\": \"04\"},)"
    R"(\"uid\": {\"$binary\": \"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\",\"$type\": \"00\"}}")";

std::string TxInsert(const std::string& token, const std::string& coll, int id, int inc) {
  return R"({"_id": {"_data": ")" + token + R"("}, "operationType": "insert", "clusterTime": {"$timestamp": {"t": 1700000000, "i": )" +
         std::to_string(inc) + R"(}}, )" + kLsid + R"(, "txnNumber": {"$numberLong": "1"}, "fullDocument": {"_id": )" +
         std::to_string(id) + R"(}, "ns": {"db": "d", "coll": ")" + coll + R"("}, "documentKey": {"_id": )" +
         std::to_string(id) + "}}";
}

TEST(MongoDbTranslator, MultiDocumentTransactionCarriesLsidAndTxnNumber) {
  ChangeTranslator t(Settings());
  const Translation& r = t.Translate(BsonDoc(TxInsert("0A", "a", 1, 5)).get(), kNow);
  EXPECT_EQ(r.value, R"({"before":null,"after":"{\"_id\": 1}","updateDescription":null,)" +
                         Source("d", "a", 1700000000000, 5, kLsidJson, "1") +
                         R"(,"op":"c","ts_ms":1700000000999,"transaction":null})");
  EXPECT_TRUE(r.transaction_events.empty());
}

TEST(MongoDbTranslator, TransactionMetadataBlocksAndBoundaries) {
  TranslatorSettings s = Settings();
  s.provide_transaction_metadata = true;
  ChangeTranslator t(s);
  // Debezium's transaction id: lsid JSON + ":" + txnNumber (as a JSON string here).
  const std::string lsid(kLsidJson);
  const std::string tx_id = lsid.substr(0, lsid.size() - 1) + ":1\"";
  const Translation& first = t.Translate(BsonDoc(TxInsert("0A", "a", 1, 5)).get(), kNow);
  ASSERT_EQ(first.transaction_events.size(), 1u);
  EXPECT_EQ(first.transaction_events[0], R"({"status":"BEGIN","id":)" + tx_id +
                                             R"(,"event_count":null,"data_collections":null,"ts_ms":1700000000000})");
  EXPECT_EQ(first.value, R"({"before":null,"after":"{\"_id\": 1}","updateDescription":null,)" +
                             Source("d", "a", 1700000000000, 5, kLsidJson, "1") +
                             R"(,"op":"c","ts_ms":1700000000999,"transaction":{"id":)" + tx_id +
                             R"(,"total_order":1,"data_collection_order":1}})");
  const Translation& second = t.Translate(BsonDoc(TxInsert("0B", "b", 2, 6)).get(), kNow);
  EXPECT_TRUE(second.transaction_events.empty());
  EXPECT_NE(second.value.find(R"("transaction":{"id":)" + tx_id + R"(,"total_order":2,"data_collection_order":1}})"),
            std::string::npos);
  const Translation& third = t.Translate(BsonDoc(TxInsert("0C", "a", 3, 7)).get(), kNow);
  EXPECT_NE(third.value.find(R"("transaction":{"id":)" + tx_id + R"(,"total_order":3,"data_collection_order":2}})"),
            std::string::npos);
  // A change outside the transaction ends it.
  const Translation& after = t.Translate(BsonDoc(kInsert).get(), kNow);
  ASSERT_EQ(after.transaction_events.size(), 1u);
  EXPECT_EQ(after.transaction_events[0],
            R"({"status":"END","id":)" + tx_id +
                R"(,"event_count":3,"data_collections":[{"data_collection":"d.a","event_count":2},)"
                R"({"data_collection":"d.b","event_count":1}],"ts_ms":1558965508000})");
  EXPECT_NE(after.value.find(R"("transaction":null})"), std::string::npos);
}

TEST(MongoDbTranslator, KeysOfEveryIdType) {
  ChangeTranslator t(Settings());
  auto key = [&](const std::string& id) {
    const std::string doc = R"({"_id": {"_data": "10"}, "operationType": "delete", "clusterTime": {"$timestamp": {"t": 1, "i": 1}},)"
                            R"( "ns": {"db": "d", "coll": "c"}, "documentKey": {"_id": )" +
                            id + R"(, "shard": "eu"}})";
    return t.Translate(BsonDoc(doc).get(), kNow).key;
  };
  EXPECT_EQ(key(R"({"$oid": "5d505646cf6d4fe581014ab2"})"), R"({"id":"{\"$oid\": \"5d505646cf6d4fe581014ab2\"}"})");
  EXPECT_EQ(key(R"("abc")"), R"({"id":"\"abc\""})");
  EXPECT_EQ(key(R"({"$numberLong": "9007199254740993"})"), R"({"id":"9007199254740993"})");
  EXPECT_EQ(key(R"({"$numberDouble": "1.0"})"), R"({"id":"1.0"})");
  EXPECT_EQ(key(R"({"a": 1, "b": "x"})"), R"({"id":"{\"a\": 1,\"b\": \"x\"}"})");
  EXPECT_EQ(key(R"({"$date": {"$numberLong": "1577836800000"}})"), R"({"id":"{\"$date\": \"2020-01-01T00:00:00Z\"}"})");
  EXPECT_EQ(key(R"({"$binary": {"base64": "AQID", "subType": "04"}})"),
            R"({"id":"{\"$binary\": {\"base64\": \"AQID\",\"subType\": \"04\"}}"})");
  EXPECT_EQ(key(R"({"$numberDecimal": "1.10"})"), R"({"id":"{\"$numberDecimal\": \"1.10\"}"})");
  EXPECT_EQ(key("null"), R"({"id":"null"})");
}

TEST(MongoDbTranslator, EveryBsonTypeInAfterIsStrictExtendedJson) {
  ChangeTranslator t(Settings());
  const Translation& r = t.Translate(BsonDoc(R"({"_id": {"_data": "11"}, "operationType": "insert",
      "clusterTime": {"$timestamp": {"t": 1, "i": 1}}, "ns": {"db": "d", "coll": "c"}, "documentKey": {"_id": 1},
      "fullDocument": {"_id": 1, "dec": {"$numberDecimal": "9.99"}, "d": {"$date": {"$numberLong": "86400000"}},
        "b": {"$binary": {"base64": "AA==", "subType": "05"}}, "re": {"$regularExpression": {"pattern": "x\\d", "options": "im"}},
        "ts": {"$timestamp": {"t": 5, "i": 6}}, "min": {"$minKey": 1}, "max": {"$maxKey": 1},
        "nested": {"arr": [{"$numberLong": "1"}, [true, null]]}}})")
                                         .get(),
                                     kNow);
  EXPECT_EQ(r.value.substr(0, r.value.find(",\"updateDescription\"")),
            R"({"before":null,"after":"{\"_id\": 1,\"dec\": {\"$numberDecimal\": \"9.99\"},\"d\": {\"$date\": 86400000},)"
            R"(\"b\": {\"$binary\": \"AA==\",\"$type\": \"05\"},\"re\": {\"$regex\": \"x\\\\d\",\"$options\": \"im\"},)"
            R"(\"ts\": {\"$timestamp\": {\"t\": 5,\"i\": 6}},\"min\": {\"$minKey\": 1},\"max\": {\"$maxKey\": 1},)"
            R"(\"nested\": {\"arr\": [{\"$numberLong\": \"1\"},[true,null]]}}")");
}

TEST(MongoDbTranslator, FiltersAndSkippedOperations) {
  TranslatorSettings s = Settings();
  std::string error;
  s.collections = *config::NameFilter::Create("inventory\\.cust.*", "", &error);
  s.skipped_operations = "d";
  ChangeTranslator t(s);
  EXPECT_EQ(t.Translate(BsonDoc(kInsert).get(), kNow).outcome, Outcome::kEvent);
  const Translation& other = t.Translate(BsonDoc(R"({"_id": {"_data": "12"}, "operationType": "insert",
      "clusterTime": {"$timestamp": {"t": 1, "i": 1}}, "ns": {"db": "inventory", "coll": "orders"},
      "documentKey": {"_id": 1}, "fullDocument": {"_id": 1}})")
                                             .get(),
                                         kNow);
  EXPECT_EQ(other.outcome, Outcome::kSkipped);
  EXPECT_EQ(other.reason, "collection inventory.orders is not captured");
  const Translation& del = t.Translate(BsonDoc(R"({"_id": {"_data": "13"}, "operationType": "delete",
      "clusterTime": {"$timestamp": {"t": 1, "i": 1}}, "ns": {"db": "inventory", "coll": "customers"},
      "documentKey": {"_id": 1}})")
                                           .get(),
                                       kNow);
  EXPECT_EQ(del.outcome, Outcome::kSkipped);
  EXPECT_TRUE(t.Captured("INVENTORY", "Customers"));  // case-insensitive, as Debezium's "i" regex
}

TEST(MongoDbTranslator, MalformedChangeDocumentsNameWhatIsMissing) {
  ChangeTranslator t(Settings());
  EXPECT_THROW(t.Translate(BsonDoc(R"({"_id": {"_data": "14"}})").get(), kNow), ChangeFormatError);
  try {
    t.Translate(BsonDoc(R"({"_id": {"_data": "15"}, "operationType": "insert", "ns": {"db": "d", "coll": "c"},
        "documentKey": {"_id": 1}, "fullDocument": {"_id": 1}})")
                    .get(),
                kNow);
    FAIL() << "no clusterTime accepted";
  } catch (const ChangeFormatError& e) {
    EXPECT_STREQ(e.what(), "insert event has no clusterTime timestamp");
  }
  try {
    t.Translate(BsonDoc(R"({"_id": {"_data": "16"}, "operationType": "delete", "ns": {"db": "d", "coll": "c"},
        "clusterTime": {"$timestamp": {"t": 1, "i": 1}}})")
                    .get(),
                kNow);
    FAIL() << "no documentKey accepted";
  } catch (const ChangeFormatError& e) {
    EXPECT_STREQ(e.what(), "delete event has no documentKey._id");
  }
}

TEST(MongoDbTranslator, SnapshotReadIsOpRAtTheSnapshotsOperationTime) {
  ChangeTranslator t(Settings());
  MongoPosition p;
  p.kind = MongoPosition::Kind::kSnapshot;
  p.start_at = {1700000000, 12};
  p.row = 3;
  const Translation& r =
      t.TranslateRead("inventory", "customers", BsonDoc(R"({"_id": {"$numberLong": "1004"}, "n": "A"})").get(), p, kNow);
  EXPECT_EQ(r.op, 'r');
  EXPECT_EQ(r.key, R"({"id":"1004"})");
  EXPECT_EQ(r.position, "snapshot:1700000000:12:3");
  EXPECT_EQ(r.value, R"({"before":null,"after":"{\"_id\": {\"$numberLong\": \"1004\"},\"n\": \"A\"}","updateDescription":null,)" +
                         Source("inventory", "customers", 1700000000000, 12, "null", "null", "null", "true") +
                         R"(,"op":"r","ts_ms":1700000000999,"transaction":null})");
}

TEST(MongoDbPosition, RoundTrips) {
  auto token = MongoPosition::Parse(R"({"_data": "8264A1"})");
  ASSERT_TRUE(token);
  EXPECT_EQ(token->kind, MongoPosition::Kind::kResumeToken);
  EXPECT_EQ(token->ToString(), R"({"_data": "8264A1"})");
  auto snap = MongoPosition::Parse("snapshot-done:1700000000:12:3");
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->kind, MongoPosition::Kind::kSnapshot);
  EXPECT_TRUE(snap->snapshot_done);
  EXPECT_EQ(snap->start_at, (OperationTime{1700000000, 12}));
  EXPECT_EQ(snap->row, 3u);
  EXPECT_EQ(snap->ToString(), "snapshot-done:1700000000:12:3");
  EXPECT_FALSE(MongoPosition::Parse("snapshot:1:2"));
  EXPECT_FALSE(MongoPosition::Parse("snapshot:1:2:0"));
  EXPECT_FALSE(MongoPosition::Parse("mysql-bin.000001:4:0"));
  EXPECT_FALSE(MongoPosition::Parse("{not json"));
  EXPECT_FALSE(MongoPosition::Parse("{}"));
}

}  // namespace
}  // namespace dbct::mongodb
