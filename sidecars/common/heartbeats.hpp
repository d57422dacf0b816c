// Debezium's heartbeat, the same for every sidecar: key {"serverName": N}, value {"ts_ms": now}
// on dbchangetracking.N.heartbeat every heartbeatIntervalMs, with the position the source has
// been read through in Dbct-Position (Debezium keeps it in the heartbeat record's offset). A
// restart after a long stretch without captured changes then starts from there.
#ifndef DBCT_SIDECAR_COMMON_HEARTBEATS_HPP
#define DBCT_SIDECAR_COMMON_HEARTBEATS_HPP

#include <chrono>
#include <cstdint>
#include <string>

namespace dbct::sidecar {

struct HeartbeatMessage {
  std::string subject;  // dbchangetracking.N.heartbeat
  std::string key;      // {"serverName":"N"}
  std::string value;    // {"ts_ms":...}
  std::string msg_id;   // N:heartbeat:<ts_ms>
};

class Heartbeats {
 public:
  using Clock = std::chrono::steady_clock;
  // interval 0: never.
  Heartbeats(const std::string& tracking, std::chrono::milliseconds interval, Clock::time_point start = Clock::now());

  bool enabled() const { return interval_.count() > 0; }
  // Whether one is due at `now`; when it is, the next one is due an interval later. Cheap
  // enough to ask between every two source events.
  bool Due(Clock::time_point now = Clock::now());
  // The heartbeat at wall-clock `now_ms`; valid until the next call.
  const HeartbeatMessage& Message(int64_t now_ms);

 private:
  const std::string tracking_;
  const std::chrono::milliseconds interval_;
  Clock::time_point last_;
  HeartbeatMessage message_;
};

}  // namespace dbct::sidecar

#endif  // DBCT_SIDECAR_COMMON_HEARTBEATS_HPP
