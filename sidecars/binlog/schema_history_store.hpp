// The durable schema history of dbct-mysql (SchemaHistory's entries, see schema_history.hpp):
// JetStream stream `dbchangetracking-schemahistory`, one subject per tracking,
// `dbchangetrackingschemahistory.N` (outside `dbchangetracking.>`, so no tracking's stream
// subjects can overlap it). One message per entry, JSON, with Nats-Msg-Id
// `N:<kind>:<file>:<pos>` (a re-sent entry is dropped as a duplicate) and Dbct-Position
// `<file>:<pos>`. File storage, kept without limits: entries are few (one per DDL statement
// touching a tracked table, one per table read from the catalog) and the history is needed as
// far back as a restart may resume.
#ifndef DBCT_BINLOG_SCHEMA_HISTORY_STORE_HPP
#define DBCT_BINLOG_SCHEMA_HISTORY_STORE_HPP

#include <string>
#include <string_view>
#include <vector>

#include "dbct/nats/connection.hpp"
#include "schema_history.hpp"

namespace dbct::binlog {

inline constexpr const char* kSchemaHistoryStream = "dbchangetracking-schemahistory";
std::string SchemaHistorySubject(std::string_view tracking);  // dbchangetrackingschemahistory.N

class SchemaHistoryStore {
 public:
  // Ensures the stream. Throws nats::NatsError.
  SchemaHistoryStore(nats::Connection& connection, std::string tracking);

  // Every stored entry of the tracking, in the order written. Throws nats::NatsError, or
  // SourceError for an entry that is not one.
  std::vector<HistoryEntry> Read();
  // Stores one entry and waits for JetStream's acknowledgement. Throws nats::NatsError.
  void Append(const HistoryEntry& entry);
  // Forgets the tracking's history (its change stream starts afresh).
  void Clear();

 private:
  nats::Connection& connection_;
  std::string tracking_;
  std::string subject_;
};

}  // namespace dbct::binlog

#endif  // DBCT_BINLOG_SCHEMA_HISTORY_STORE_HPP
