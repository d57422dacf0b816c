// The thin source layer: every libmongoc call of dbct-mongodb is behind this interface.
// Everything else (translation, positions, publishing) takes and returns plain values.
#ifndef DBCT_MONGODB_MONGO_SOURCE_HPP
#define DBCT_MONGODB_MONGO_SOURCE_HPP

#include <bson/bson.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "mongodb_position.hpp"

namespace dbct::mongodb {

// Ends the current attempt. retriable(): MongoDB unreachable or a network error, try again
// later; history_lost(): the resume point is no longer in the oplog.
class SourceError : public std::runtime_error {
 public:
  SourceError(const std::string& message, bool retriable, bool history_lost = false)
      : std::runtime_error(message), retriable_(retriable), history_lost_(history_lost) {}
  bool retriable() const { return retriable_; }
  bool history_lost() const { return history_lost_; }

 private:
  bool retriable_;
  bool history_lost_;
};

struct SourceSettings {
  std::string connection_string;  // mongodb:// or mongodb+srv://, TLS and auth options included
  std::chrono::milliseconds server_selection_timeout{10000};  // unless the string sets one
  std::string app_name = "dbct-mongodb";
};

// Where a change stream starts: now, after a resume token, or at an operation time.
struct StreamStart {
  enum class Kind { kNow, kAfterToken, kAtOperationTime };
  Kind kind = Kind::kNow;
  std::string resume_token;  // relaxed Extended JSON of the token
  OperationTime at;
};

struct WatchOptions {
  bool update_lookup = true;   // fullDocument: updateLookup
  bool pre_images = false;     // fullDocumentBeforeChange: whenAvailable
  std::string operation_types; // letters c, u, d captured (server-side $match)
};

class ChangeStream {
 public:
  virtual ~ChangeStream() = default;
  // The next change document (valid until the next call), or nullptr when none came within
  // the server's await time. Throws SourceError.
  virtual const bson_t* Next() = 0;
  // Where the stream is now, as relaxed Extended JSON ("" when not known yet): the last
  // document's _id, or after an empty batch the server's postBatchResumeToken.
  virtual std::string ResumeToken() = 0;
};

class MongoSource {
 public:
  virtual ~MongoSource() = default;
  // Problems that stop capture (standalone server, ...), each one line; empty when fine.
  // Throws SourceError when MongoDB cannot be reached.
  virtual std::vector<std::string> CheckPrerequisites() = 0;
  // The deployment's current operation time: where a stream opened after a snapshot starts.
  virtual OperationTime CurrentOperationTime() = 0;
  // Every user collection (db, collection) of the deployment.
  virtual std::vector<std::pair<std::string, std::string>> ListCollections() = 0;
  // Hands each document of db.collection to the visitor until it returns false.
  struct DocumentVisitor {
    virtual bool OnDocument(const bson_t* document) = 0;
  };
  virtual void ReadCollection(const std::string& db, const std::string& collection, DocumentVisitor& visitor) = 0;
  virtual std::unique_ptr<ChangeStream> Watch(const WatchOptions& options, const StreamStart& start) = 0;
};

// The libmongoc implementation. Throws SourceError (not retriable) on a bad connection string.
std::unique_ptr<MongoSource> ConnectMongo(const SourceSettings& settings);

}  // namespace dbct::mongodb

#endif  // DBCT_MONGODB_MONGO_SOURCE_HPP
