#include "mongo_source.hpp"

#include <mongoc/mongoc.h>

#include <mutex>

#include "ext_json.hpp"

namespace dbct::mongodb {

namespace {

// libmongoc error codes and server codes we decide on.
constexpr uint32_t kUnauthorized = 13;
constexpr uint32_t kChangeStreamFatalError = 280;
constexpr uint32_t kChangeStreamHistoryLost = 286;

struct ClientDeleter {
  void operator()(mongoc_client_t* c) const { mongoc_client_destroy(c); }
};
struct UriDeleter {
  void operator()(mongoc_uri_t* u) const { mongoc_uri_destroy(u); }
};
struct StreamDeleter {
  void operator()(mongoc_change_stream_t* s) const { mongoc_change_stream_destroy(s); }
};
struct CollectionDeleter {
  void operator()(mongoc_collection_t* c) const { mongoc_collection_destroy(c); }
};
struct DatabaseDeleter {
  void operator()(mongoc_database_t* d) const { mongoc_database_destroy(d); }
};
struct CursorDeleter {
  void operator()(mongoc_cursor_t* c) const { mongoc_cursor_destroy(c); }
};
struct StrvDeleter {
  void operator()(char** v) const { bson_strfreev(v); }
};

// A bson_t owned on the stack.
class Bson {
 public:
  Bson() { bson_init(&doc_); }
  ~Bson() { bson_destroy(&doc_); }
  Bson(const Bson&) = delete;
  Bson& operator=(const Bson&) = delete;
  bson_t* get() { return &doc_; }

 private:
  bson_t doc_;
};

void InitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { mongoc_init(); });
}

// The one place that turns a libmongoc error into a SourceError: network and server
// selection failures are retriable; a lost resume point and refused privileges are not.
SourceError ToSourceError(const std::string& what, const bson_error_t& error) {
  const bool history_lost = error.code == kChangeStreamHistoryLost ||
                            (error.code == kChangeStreamFatalError &&
                             std::string(error.message).find("oplog") != std::string::npos);
  if (history_lost) {
    return SourceError(what + ": the resume point is no longer in the oplog (" + error.message + ")", false, true);
  }
  if (error.code == kUnauthorized) {
    return SourceError(what + ": not authorized (" + std::string(error.message) +
                           "): grant the user the find and changeStream actions on the captured "
                           "databases (role read)",
                       false);
  }
  const bool retriable = error.domain == MONGOC_ERROR_SERVER_SELECTION || error.domain == MONGOC_ERROR_STREAM ||
                         error.domain == MONGOC_ERROR_CLIENT;
  return SourceError(what + ": " + error.message, retriable);
}

class LibmongocStream : public ChangeStream {
 public:
  explicit LibmongocStream(mongoc_change_stream_t* stream) : stream_(stream) {}
  const bson_t* Next() override {
    const bson_t* doc = nullptr;
    if (mongoc_change_stream_next(stream_.get(), &doc)) return doc;
    bson_error_t error;
    const bson_t* reply = nullptr;
    if (mongoc_change_stream_error_document(stream_.get(), &error, &reply)) {
      throw ToSourceError("change stream failed", error);
    }
    return nullptr;
  }
  std::string ResumeToken() override {
    const bson_t* token = mongoc_change_stream_get_resume_token(stream_.get());
    std::string out;
    if (token != nullptr) AppendDocumentJson(token, JsonStyle{JsonMode::kRelaxed, JsonLayout::kCompact}, &out);
    return out;
  }

 private:
  std::unique_ptr<mongoc_change_stream_t, StreamDeleter> stream_;
};

class LibmongocSource : public MongoSource {
 public:
  explicit LibmongocSource(const SourceSettings& settings) {
    InitOnce();
    bson_error_t error;
    uri_.reset(mongoc_uri_new_with_error(settings.connection_string.c_str(), &error));
    if (!uri_) {
      throw SourceError("mongodbConnectionString is not a valid MongoDB connection string: " +
                            std::string(error.message),
                        false);
    }
    if (!mongoc_uri_has_option(uri_.get(), MONGOC_URI_SERVERSELECTIONTIMEOUTMS)) {
      mongoc_uri_set_option_as_int32(uri_.get(), MONGOC_URI_SERVERSELECTIONTIMEOUTMS,
                                     static_cast<int32_t>(settings.server_selection_timeout.count()));
    }
    if (!mongoc_uri_has_option(uri_.get(), MONGOC_URI_APPNAME)) {
      mongoc_uri_set_appname(uri_.get(), settings.app_name.c_str());
    }
    client_.reset(mongoc_client_new_from_uri_with_error(uri_.get(), &error));
    if (!client_) {
      throw SourceError("could not create a MongoDB client: " + std::string(error.message), false);
    }
    mongoc_client_set_error_api(client_.get(), MONGOC_ERROR_API_VERSION_2);
    const mongoc_host_list_t* hosts = mongoc_uri_get_hosts(uri_.get());
    hosts_ = hosts ? hosts->host_and_port : "the given hosts";
    if (hosts && hosts->next) hosts_ += ",...";
  }

  std::vector<std::string> CheckPrerequisites() override {
    Bson reply;
    Hello(reply.get());
    std::vector<std::string> problems;
    bson_iter_t it;
    const bool replica_set = bson_iter_init_find(&it, reply.get(), "setName");
    const bool mongos = bson_iter_init_find(&it, reply.get(), "msg") && BSON_ITER_HOLDS_UTF8(&it) &&
                        std::string(bson_iter_utf8(&it, nullptr)) == "isdbgrid";
    if (!replica_set && !mongos) {
      problems.push_back("MongoDB at " + hosts_ +
                         " is a standalone server: change streams need a replica set or a sharded "
                         "cluster (start mongod with --replSet and run rs.initiate())");
    }
    if (bson_iter_init_find(&it, reply.get(), "maxWireVersion") && BSON_ITER_HOLDS_INT32(&it) &&
        bson_iter_int32(&it) < 8) {
      problems.push_back("MongoDB at " + hosts_ + " is older than 4.2: dbct-mongodb needs MongoDB 4.2 or later");
    }
    return problems;
  }

  OperationTime CurrentOperationTime() override {
    Bson reply;
    Hello(reply.get());
    bson_iter_t it;
    OperationTime at;
    if (bson_iter_init_find(&it, reply.get(), "operationTime") && BSON_ITER_HOLDS_TIMESTAMP(&it)) {
      bson_iter_timestamp(&it, &at.t, &at.i);
      return at;
    }
    if (bson_iter_init(&it, reply.get()) && bson_iter_find_descendant(&it, "lastWrite.opTime.ts", &it) &&
        BSON_ITER_HOLDS_TIMESTAMP(&it)) {
      bson_iter_timestamp(&it, &at.t, &at.i);
      return at;
    }
    throw SourceError("MongoDB at " + hosts_ + " did not report its operation time", true);
  }

  std::vector<std::pair<std::string, std::string>> ListCollections() override {
    bson_error_t error;
    std::unique_ptr<char*, StrvDeleter> dbs(mongoc_client_get_database_names_with_opts(client_.get(), nullptr, &error));
    if (!dbs) throw ToSourceError("could not list the databases", error);
    std::vector<std::pair<std::string, std::string>> out;
    for (char** db = dbs.get(); *db != nullptr; ++db) {
      const std::string name = *db;
      if (name == "admin" || name == "config" || name == "local") continue;
      std::unique_ptr<mongoc_database_t, DatabaseDeleter> database(mongoc_client_get_database(client_.get(), *db));
      Bson opts;
      BCON_APPEND(opts.get(), "filter", "{", "type", BCON_UTF8("collection"), "}");
      std::unique_ptr<char*, StrvDeleter> colls(
          mongoc_database_get_collection_names_with_opts(database.get(), opts.get(), &error));
      if (!colls) throw ToSourceError("could not list the collections of database \"" + name + "\"", error);
      for (char** c = colls.get(); *c != nullptr; ++c) {
        if (std::string(*c).rfind("system.", 0) == 0) continue;
        out.emplace_back(name, *c);
      }
    }
    return out;
  }

  void ReadCollection(const std::string& db, const std::string& collection,
                      DocumentVisitor& visitor) override {
    std::unique_ptr<mongoc_collection_t, CollectionDeleter> coll(
        mongoc_client_get_collection(client_.get(), db.c_str(), collection.c_str()));
    Bson filter;
    std::unique_ptr<mongoc_cursor_t, CursorDeleter> cursor(
        mongoc_collection_find_with_opts(coll.get(), filter.get(), nullptr, nullptr));
    const bson_t* doc = nullptr;
    while (mongoc_cursor_next(cursor.get(), &doc)) {
      if (!visitor.OnDocument(doc)) return;
    }
    bson_error_t error;
    if (mongoc_cursor_error(cursor.get(), &error)) {
      throw ToSourceError("could not read collection " + db + "." + collection, error);
    }
  }

  std::unique_ptr<ChangeStream> Watch(const WatchOptions& options, const StreamStart& start) override {
    Bson pipeline;
    bson_t stage, match, op, in;
    BSON_APPEND_ARRAY_BEGIN(pipeline.get(), "pipeline", &stage);
    BSON_APPEND_DOCUMENT_BEGIN(&stage, "0", &match);
    bson_t match_body;
    BSON_APPEND_DOCUMENT_BEGIN(&match, "$match", &match_body);
    BSON_APPEND_DOCUMENT_BEGIN(&match_body, "operationType", &op);
    BSON_APPEND_ARRAY_BEGIN(&op, "$in", &in);
    int n = 0;
    auto add = [&](const char* type) {
      const std::string key = std::to_string(n++);
      BSON_APPEND_UTF8(&in, key.c_str(), type);
    };
    if (options.operation_types.find('c') != std::string::npos) add("insert");
    if (options.operation_types.find('u') != std::string::npos) {
      add("update");
      add("replace");
    }
    if (options.operation_types.find('d') != std::string::npos) add("delete");
    add("invalidate");
    bson_append_array_end(&op, &in);
    bson_append_document_end(&match_body, &op);
    bson_append_document_end(&match, &match_body);
    bson_append_document_end(&stage, &match);
    bson_append_array_end(pipeline.get(), &stage);

    Bson opts;
    BSON_APPEND_UTF8(opts.get(), "fullDocument", options.update_lookup ? "updateLookup" : "default");
    if (options.pre_images) BSON_APPEND_UTF8(opts.get(), "fullDocumentBeforeChange", "whenAvailable");
    BSON_APPEND_INT64(opts.get(), "maxAwaitTimeMS", 1000);
    if (start.kind == StreamStart::Kind::kAfterToken) {
      bson_t token;
      if (!ResumeTokenToBson(start.resume_token, &token)) {
        throw SourceError("resume token " + start.resume_token + " is not valid JSON", false);
      }
      BSON_APPEND_DOCUMENT(opts.get(), "startAfter", &token);
      bson_destroy(&token);
    } else if (start.kind == StreamStart::Kind::kAtOperationTime) {
      BSON_APPEND_TIMESTAMP(opts.get(), "startAtOperationTime", start.at.t, start.at.i);
    }
    mongoc_change_stream_t* stream = mongoc_client_watch(client_.get(), pipeline.get(), opts.get());
    bson_error_t error;
    const bson_t* reply = nullptr;
    if (mongoc_change_stream_error_document(stream, &error, &reply)) {
      mongoc_change_stream_destroy(stream);
      throw ToSourceError("could not open a change stream on MongoDB at " + hosts_, error);
    }
    return std::make_unique<LibmongocStream>(stream);
  }

 private:
  void Hello(bson_t* reply) {
    Bson command;
    BSON_APPEND_INT32(command.get(), "hello", 1);
    bson_error_t error;
    bson_destroy(reply);
    if (!mongoc_client_command_simple(client_.get(), "admin", command.get(), nullptr, reply, &error)) {
      SourceError e = ToSourceError("could not reach MongoDB at " + hosts_, error);
      if (!e.retriable()) throw e;
      throw SourceError(std::string(e.what()) + "; check that MongoDB runs there and that mongodbConnectionString names it",
                        true);
    }
  }

  std::unique_ptr<mongoc_uri_t, UriDeleter> uri_;
  std::unique_ptr<mongoc_client_t, ClientDeleter> client_;
  std::string hosts_;
};

}  // namespace

std::unique_ptr<MongoSource> ConnectMongo(const SourceSettings& settings) {
  return std::make_unique<LibmongocSource>(settings);
}

}  // namespace dbct::mongodb
