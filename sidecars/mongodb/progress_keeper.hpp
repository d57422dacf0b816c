// Keeping the position moving when no captured change comes, from plain values.
//
// (Which position the offsets bucket holds: sidecars/common/offset_tracker.hpp.)
//
// Heartbeats: Debezium's heartbeat message (key {"serverName": N}, value {"ts_ms": now}) on
// dbchangetracking.N.heartbeat every heartbeatIntervalMs, with the current position in
// Dbct-Position as Debezium keeps it in the heartbeat record's source offset.
#ifndef DBCT_MONGODB_PROGRESS_KEEPER_HPP
#define DBCT_MONGODB_PROGRESS_KEEPER_HPP

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <utility>

namespace dbct::mongodb {


struct HeartbeatMessage {
  std::string key;     // {"serverName":"N"}
  std::string value;   // {"ts_ms":...}
  std::string msg_id;  // N:heartbeat:<ts_ms>
};

class Heartbeats {
 public:
  using Clock = std::chrono::steady_clock;
  // interval 0: never.
  Heartbeats(std::string tracking, std::chrono::milliseconds interval, Clock::time_point start = Clock::now());
  // The heartbeat to publish now at wall-clock now_ms, or nullptr when none is due (off, too
  // early, or no position known yet).
  const HeartbeatMessage* Due(Clock::time_point now, int64_t now_ms, const std::string& position);

 private:
  const std::string tracking_;
  const std::chrono::milliseconds interval_;
  Clock::time_point last_;
  HeartbeatMessage message_;
};

}  // namespace dbct::mongodb

#endif  // DBCT_MONGODB_PROGRESS_KEEPER_HPP
