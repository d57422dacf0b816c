// The one writer of a tracking's stream subjects: takes rendered change events (from the
// snapshot and from the binlog), hands them to the sidecars' common runtime (ordered publisher,
// offsets bucket, status) with Nats-Msg-Id = "<tracking>:<position>", and remembers what it
// handed over last (where a retry resumes).
#ifndef DBCT_BINLOG_CHANGE_EMITTER_HPP
#define DBCT_BINLOG_CHANGE_EMITTER_HPP

#include <cstdint>
#include <string>
#include <string_view>

#include "dbct/envelope/json_writer.hpp"
#include "sidecar_runtime.hpp"

namespace dbct::binlog {

// The newest event handed to the publisher (or read back from the stream at start).
struct LastEvent {
  std::string position;  // Dbct-Position
  std::string table;     // Dbct-Table
  std::string key;       // Dbct-Key
};

// The MySQL connector's own source fields (MySqlSourceInfoStructMaker): table, server_id,
// gtid, file, pos, row, thread, query.
struct MysqlSourceFields {
  std::string_view table;
  int64_t server_id = 0;
  std::string_view gtid;  // "" -> null
  std::string_view file;
  int64_t pos = 0;
  int32_t row = 0;
  int64_t thread = -1;  // -1 -> null

  void operator()(envelope::JsonWriter& w) const;
};

class ChangeEmitter {
 public:
  ChangeEmitter(std::string tracking, sidecar::Runtime& runtime);

  // Publishes one change event. `source_ts_ms` (the change's commit time) feeds lag_ms.
  void Send(std::string_view payload, std::string_view position, char op, std::string_view table,
            std::string_view key, int64_t source_ts_ms);
  // Publishes a transaction boundary on `subject` (not counted as a change). A non-empty
  // `position` is its Dbct-Position, a restart resumes after it.
  void SendControl(std::string_view subject, std::string_view payload, std::string_view msg_id,
                   std::string_view position);
  // Publishes a heartbeat: the binlog was read through `position`.
  void SendHeartbeat(const sidecar::HeartbeatMessage& heartbeat, std::string_view position);

  // Polls for acknowledgements; at most once a second the runtime stores the newest
  // acknowledged position in the offsets bucket.
  void CommitOffsets() { runtime_.Tick(); }

  const LastEvent& Last() const { return last_; }
  void SetLast(LastEvent last) { last_ = std::move(last); }

 private:
  void RememberPosition(std::string_view position);
  const std::string tracking_;
  const std::string subject_;
  sidecar::Runtime& runtime_;
  std::string msg_id_;
  LastEvent last_;
};

}  // namespace dbct::binlog

#endif  // DBCT_BINLOG_CHANGE_EMITTER_HPP
