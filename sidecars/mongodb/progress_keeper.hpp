// Keeping the position moving when no captured change comes, from plain values.
//
// OffsetTracker decides what goes to the offsets bucket: the position of the newest event
// JetStream acknowledged together with everything before it; or, once every event sent is
// acknowledged and the change stream has moved on without one (an empty batch's
// postBatchResumeToken, or a change of a collection that is not captured), that newer
// token. A restart after a long idle period then resumes from a token still in the oplog.
// With spec.nats.confirmDelay a position is stored only once it was acknowledged that long
// ago (SPEC §6): a NATS host crash losing acknowledged messages leaves the entry behind them.
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

class OffsetTracker {
 public:
  using Clock = std::chrono::steady_clock;
  explicit OffsetTracker(std::chrono::milliseconds confirm_delay = std::chrono::milliseconds(0))
      : confirm_delay_(confirm_delay) {}
  // An event with `position` handed to the publisher as publish `sequence`.
  void Sent(uint64_t sequence, const std::string& position);
  // The change stream is at `token` and gave no event since the last Sent.
  void Idle(const std::string& token);
  // JetStream acknowledged every publish up to `watermark`: the position to store at `now`,
  // or "" when there is nothing new to store.
  std::string Acked(uint64_t watermark, Clock::time_point now = Clock::now());
  // The newest position known (sent or idle); "" before the first.
  const std::string& current() const { return current_; }

 private:
  const std::chrono::milliseconds confirm_delay_;
  std::deque<std::pair<uint64_t, std::string>> in_flight_;
  std::deque<std::pair<Clock::time_point, std::string>> confirming_;  // acked, waiting confirmDelay
  std::string idle_token_;  // "" once an event was sent after it
  std::string queued_;      // newest put into confirming_
  std::string stored_;      // last returned by Acked
  std::string current_;
};

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
