#include "change_translator.hpp"

#include <cstdio>
#include <cstring>

#include "dbct/envelope/envelope_writer.hpp"

namespace dbct::mongodb {

namespace {

// A field of a change document, or nullptr-like "absent" when missing or BSON null.
struct Field {
  bson_iter_t iter;
  bool present = false;
};

Field Find(const bson_t& doc, const char* key) {
  Field f;
  if (bson_iter_init_find(&f.iter, &doc, key) && bson_iter_type(&f.iter) != BSON_TYPE_NULL) {
    f.present = true;
  }
  return f;
}

Field FindIn(const bson_iter_t& parent, const char* key) {
  Field f;
  bson_iter_t child;
  if (bson_iter_type(&parent) == BSON_TYPE_DOCUMENT && bson_iter_recurse(&parent, &child) &&
      bson_iter_find(&child, key) && bson_iter_type(&child) != BSON_TYPE_NULL) {
    f.iter = child;
    f.present = true;
  }
  return f;
}

std::string Utf8(const Field& f) {
  if (!f.present || bson_iter_type(&f.iter) != BSON_TYPE_UTF8) return {};
  uint32_t len = 0;
  const char* s = bson_iter_utf8(&f.iter, &len);
  return std::string(s, len);
}

// A sub-document as a bson_t viewing the parent's bytes; false when not a document.
bool SubDocument(const Field& f, bson_t* out) {
  if (!f.present || bson_iter_type(&f.iter) != BSON_TYPE_DOCUMENT) return false;
  uint32_t len = 0;
  const uint8_t* data = nullptr;
  bson_iter_document(&f.iter, &len, &data);
  return bson_init_static(out, data, len);
}

// Message ids stay short: an _id longer than this is replaced by its FNV-1a hash.
constexpr size_t kMaxIdInMsgId = 200;

std::string Fnv1a64Hex(std::string_view text) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

bool IsInteger(const Field& f) {
  return f.present && (bson_iter_type(&f.iter) == BSON_TYPE_INT32 || bson_iter_type(&f.iter) == BSON_TYPE_INT64);
}

}  // namespace

ChangeTranslator::ChangeTranslator(TranslatorSettings settings) : settings_(std::move(settings)) {}

bool ChangeTranslator::Captured(const std::string& db, const std::string& collection) const {
  return settings_.databases.Matches(db) && settings_.collections.Matches(db + "." + collection);
}

void ChangeTranslator::WriteSourceBlock(int64_t ts_ms, bool snapshot, uint32_t ord, const std::string* lsid,
                                        int64_t txn_number, int64_t wall_time) {
  envelope::SourceCommon common;
  common.version = settings_.version;
  common.connector = "mongodb";
  common.name = settings_.server_name;
  common.ts = envelope::EventTime::FromMillis(ts_ms);
  // MongoDB's SourceInfo.snapshot(): "true" for every read of a running snapshot.
  common.snapshot = snapshot ? "true" : "false";
  common.db = result_.db;
  envelope::WriteSource(w_, common, [&](envelope::JsonWriter& w) {
    w.KeyLiteral("collection");
    w.String(result_.collection);
    w.KeyLiteral("ord");
    w.Int(ord);
    w.KeyLiteral("lsid");
    if (lsid != nullptr) {
      w.String(*lsid);
    } else {
      w.Null();
    }
    w.KeyLiteral("txnNumber");
    if (lsid != nullptr) {
      w.Int(txn_number);
    } else {
      w.Null();
    }
    w.KeyLiteral("wallTime");
    if (wall_time != 0) {
      w.Int(wall_time);
    } else {
      w.Null();
    }
  });
}

const Translation& ChangeTranslator::Translate(const bson_t& change, int64_t now_ms) {
  result_ = Translation{};
  const std::string operation = Utf8(Find(change, "operationType"));
  if (operation.empty()) throw ChangeFormatError("change event has no operationType");
  if (operation == "invalidate") {
    result_.outcome = Outcome::kInvalidate;
    result_.reason = "the change stream was invalidated (its collection or database was dropped or renamed)";
    return result_;
  }
  const Field ns = Find(change, "ns");
  result_.db = Utf8(FindIn(ns.iter, "db"));
  result_.collection = Utf8(FindIn(ns.iter, "coll"));
  result_.ns = result_.db + "." + result_.collection;

  char op = 0;
  if (operation == "insert") {
    op = 'c';
  } else if (operation == "update" || operation == "replace") {
    op = 'u';
  } else if (operation == "delete") {
    op = 'd';
  } else {
    result_.reason = "operationType " + operation + " is not a data change";
    return result_;
  }
  if (result_.db.empty() || result_.collection.empty()) {
    throw ChangeFormatError(operation + " event has no ns.db and ns.coll");
  }
  result_.op = op;
  if (!Captured(result_.db, result_.collection)) {
    result_.reason = "collection " + result_.ns + " is not captured";
    return result_;
  }
  if (settings_.skipped_operations.find(op) != std::string::npos) {
    result_.reason = "operation " + std::string(1, op) + " is in skippedOperations";
    return result_;
  }

  // Position: the resume token.
  const Field token = Find(change, "_id");
  bson_t token_doc;
  if (!SubDocument(token, &token_doc)) throw ChangeFormatError(operation + " event has no _id (resume token)");
  result_.position.clear();
  AppendDocumentJson(&token_doc, JsonStyle{JsonMode::kRelaxed, JsonLayout::kCompact}, &result_.position);

  // Key: documentKey._id (a sharded collection's documentKey also holds the shard key).
  const Field document_key = Find(change, "documentKey");
  const Field id = document_key.present ? FindIn(document_key.iter, "_id") : Field{};
  if (!id.present) {
    // _id may be a literal null; it is still a value.
    bson_iter_t child;
    if (!(document_key.present && bson_iter_recurse(&document_key.iter, &child) && bson_iter_find(&child, "_id"))) {
      throw ChangeFormatError(operation + " event has no documentKey._id");
    }
  }
  scratch_.clear();
  {
    bson_iter_t id_iter;
    bson_iter_t child;
    bson_iter_recurse(&document_key.iter, &child);
    bson_iter_find(&child, "_id");
    id_iter = child;
    // JsonSerialization.getDocumentId: RELAXED, Debezium's compact layout.
    AppendValueJson(&id_iter, JsonStyle{JsonMode::kRelaxed, JsonLayout::kCompact}, &scratch_);
  }
  envelope::JsonWriter key(scratch_.size() + 16);
  key.BeginObject();
  key.KeyLiteral("id");
  key.String(scratch_);
  key.EndObject();
  result_.key = key.Str();

  // Source times and transaction.
  const Field cluster_time = Find(change, "clusterTime");
  if (!cluster_time.present || bson_iter_type(&cluster_time.iter) != BSON_TYPE_TIMESTAMP) {
    throw ChangeFormatError(operation + " event has no clusterTime timestamp");
  }
  uint32_t t = 0, inc = 0;
  bson_iter_timestamp(&cluster_time.iter, &t, &inc);
  const Field wall = Find(change, "wallTime");
  const int64_t wall_time =
      wall.present && bson_iter_type(&wall.iter) == BSON_TYPE_DATE_TIME ? bson_iter_date_time(&wall.iter) : 0;
  const int64_t ts_ms = wall_time != 0 ? wall_time : int64_t{t} * 1000;
  result_.source_ts_ms = ts_ms;

  const Field lsid_field = Find(change, "lsid");
  const Field txn_field = Find(change, "txnNumber");
  std::string lsid;
  int64_t txn_number = 0;
  const bool in_transaction = lsid_field.present && IsInteger(txn_field);
  if (in_transaction) {
    bson_t lsid_doc;
    if (SubDocument(lsid_field, &lsid_doc)) {
      // MongoUtils.getChangeStreamSessionTransactionId: COMPACT_JSON_SETTINGS (strict).
      AppendDocumentJson(&lsid_doc, DocumentStyle(SerializationMode::kStrict), &lsid);
    } else {
      AppendValueJson(&lsid_field.iter, DocumentStyle(SerializationMode::kStrict), &lsid);
    }
    txn_number = bson_iter_as_int64(&txn_field.iter);
  }

  envelope::TransactionBlock block;
  std::string tx_id;
  if (settings_.provide_transaction_metadata) {
    if (!in_transaction) {
      EndTransaction(ts_ms);
    } else {
      tx_id = lsid + ":" + std::to_string(txn_number);  // MongoDbEventMetadataProvider
      if (!tx_open_ || tx_.id != tx_id) {
        EndTransaction(ts_ms);
        tx_open_ = true;
        tx_ = OpenTransaction{};
        tx_.id = tx_id;
        envelope::JsonWriter begin(256);
        envelope::WriteTransactionBegin(begin, tx_id, ts_ms);
        result_.transaction_events.push_back(begin.Str());
      }
      block.id = tx_.id;
      block.total_order = ++tx_.total;
      auto [it, inserted] = tx_.per_collection.emplace(result_.ns, 0);
      if (inserted) tx_.order.push_back(result_.ns);
      block.data_collection_order = ++it->second;
    }
  }

  // Value.
  const JsonStyle doc_style = DocumentStyle(settings_.serialization);
  w_.Clear();
  w_.BeginObject();
  w_.KeyLiteral("before");
  bson_t sub;
  if (op != 'c' && SubDocument(Find(change, "fullDocumentBeforeChange"), &sub)) {
    scratch_.clear();
    AppendDocumentJson(&sub, doc_style, &scratch_);
    w_.String(scratch_);
  } else {
    w_.Null();
  }
  w_.KeyLiteral("after");
  if (op != 'd' && SubDocument(Find(change, "fullDocument"), &sub)) {
    scratch_.clear();
    AppendDocumentJson(&sub, doc_style, &scratch_);
    w_.String(scratch_);
  } else {
    w_.Null();
  }
  w_.KeyLiteral("updateDescription");
  const Field update = Find(change, "updateDescription");
  if (operation == "update" && update.present && bson_iter_type(&update.iter) == BSON_TYPE_DOCUMENT) {
    w_.BeginObject();
    w_.KeyLiteral("removedFields");
    const Field removed = FindIn(update.iter, "removedFields");
    bson_iter_t child;
    if (removed.present && bson_iter_type(&removed.iter) == BSON_TYPE_ARRAY &&
        bson_iter_recurse(&removed.iter, &child) && bson_iter_next(&child)) {
      w_.BeginArray();
      do {
        if (BSON_ITER_HOLDS_UTF8(&child)) {
          uint32_t len = 0;
          const char* s = bson_iter_utf8(&child, &len);
          w_.String(std::string_view(s, len));
        }
      } while (bson_iter_next(&child));
      w_.EndArray();
    } else {
      w_.Null();  // Debezium leaves an empty list unset
    }
    w_.KeyLiteral("updatedFields");
    const Field updated = FindIn(update.iter, "updatedFields");
    bson_t updated_doc;
    if (updated.present && bson_iter_type(&updated.iter) == BSON_TYPE_DOCUMENT) {
      uint32_t len = 0;
      const uint8_t* data = nullptr;
      bson_iter_document(&updated.iter, &len, &data);
      bson_init_static(&updated_doc, data, len);
      scratch_.clear();
      AppendDocumentJson(&updated_doc, UpdatedFieldsStyle(settings_.serialization), &scratch_);
      w_.String(scratch_);
    } else {
      w_.Null();
    }
    w_.KeyLiteral("truncatedArrays");
    const Field truncated = FindIn(update.iter, "truncatedArrays");
    if (truncated.present && bson_iter_type(&truncated.iter) == BSON_TYPE_ARRAY &&
        bson_iter_recurse(&truncated.iter, &child) && bson_iter_next(&child)) {
      w_.BeginArray();
      do {
        const Field field = FindIn(child, "field");
        const Field size = FindIn(child, "newSize");
        w_.BeginObject();
        w_.KeyLiteral("field");
        w_.String(Utf8(field));
        w_.KeyLiteral("size");  // MongoDbFieldName.ARRAY_NEW_SIZE
        w_.Int(IsInteger(size) ? bson_iter_as_int64(&size.iter) : 0);
        w_.EndObject();
      } while (bson_iter_next(&child));
      w_.EndArray();
    } else {
      w_.Null();
    }
    w_.EndObject();
  } else {
    w_.Null();
  }
  WriteSourceBlock(ts_ms, false, inc, in_transaction ? &lsid : nullptr, txn_number, wall_time);
  w_.KeyLiteral("op");
  w_.StringLiteral(std::string_view(&op, 1));
  w_.KeyLiteral("ts_ms");
  w_.Int(now_ms);
  w_.KeyLiteral("transaction");
  if (!tx_id.empty()) {
    w_.BeginObject();
    w_.KeyLiteral("id");
    w_.String(block.id);
    w_.KeyLiteral("total_order");
    w_.Int(block.total_order);
    w_.KeyLiteral("data_collection_order");
    w_.Int(block.data_collection_order);
    w_.EndObject();
  } else {
    w_.Null();
  }
  w_.EndObject();
  result_.value = w_.Str();
  result_.outcome = Outcome::kEvent;
  return result_;
}

const Translation& ChangeTranslator::TranslateRead(const std::string& db, const std::string& collection,
                                                   const bson_t& document, const MongoPosition& position,
                                                   int64_t now_ms) {
  result_ = Translation{};
  result_.db = db;
  result_.collection = collection;
  result_.ns = db + "." + collection;
  result_.op = 'r';
  result_.position = position.ToString();

  bson_iter_t id;
  if (!bson_iter_init_find(&id, &document, "_id")) {
    throw ChangeFormatError("document in " + result_.ns + " has no _id");
  }
  scratch_.clear();
  AppendValueJson(&id, JsonStyle{JsonMode::kRelaxed, JsonLayout::kCompact}, &scratch_);
  envelope::JsonWriter key(scratch_.size() + 16);
  key.BeginObject();
  key.KeyLiteral("id");
  key.String(scratch_);
  key.EndObject();
  result_.key = key.Str();
  result_.msg_id = "snapshot:" + std::to_string(position.start_at.t) + ":" + std::to_string(position.start_at.i) +
                   ":" + result_.ns + ":" + (scratch_.size() > kMaxIdInMsgId ? "#" + Fnv1a64Hex(scratch_) : scratch_);
  // The last read marks the snapshot done: it must not be dropped as the re-send of a read
  // published before an interruption, or a restart would take the snapshot yet again.
  if (position.snapshot_done) result_.msg_id += ":done";

  w_.Clear();
  w_.BeginObject();
  w_.KeyLiteral("before");
  w_.Null();
  w_.KeyLiteral("after");
  scratch_.clear();
  AppendDocumentJson(&document, DocumentStyle(settings_.serialization), &scratch_);
  w_.String(scratch_);
  w_.KeyLiteral("updateDescription");
  w_.Null();
  // Snapshot reads carry the offset of the snapshot's start: its operation time.
  WriteSourceBlock(int64_t{position.start_at.t} * 1000, true, position.start_at.i, nullptr, 0, 0);
  w_.KeyLiteral("op");
  w_.StringLiteral("r");
  w_.KeyLiteral("ts_ms");
  w_.Int(now_ms);
  w_.KeyLiteral("transaction");
  w_.Null();
  w_.EndObject();
  result_.value = w_.Str();
  result_.outcome = Outcome::kEvent;
  return result_;
}

void ChangeTranslator::EndTransaction(int64_t ts_ms) {
  if (!tx_open_) return;
  std::vector<envelope::CollectionCount> counts;
  for (const auto& name : tx_.order) counts.push_back({name, tx_.per_collection[name]});
  envelope::JsonWriter end(256);
  envelope::WriteTransactionEnd(end, tx_.id, ts_ms, tx_.total, counts.data(), counts.size());
  result_.transaction_events.push_back(end.Str());
  tx_open_ = false;
}

std::vector<std::string> ChangeTranslator::TakeOpenTransactionEnd(int64_t ts_ms) {
  result_.transaction_events.clear();
  EndTransaction(ts_ms);
  return std::move(result_.transaction_events);
}

}  // namespace dbct::mongodb
