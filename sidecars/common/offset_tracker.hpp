// What goes to the offsets bucket, from plain values: the position of the newest event JetStream
// acknowledged together with everything before it; or, once every event sent is acknowledged and
// the source has moved on without one (an idle poll, a change of a table that is not captured),
// that newer position. A restart after a long idle period then resumes from a position the
// source still has. With spec.nats.confirmDelay a position is stored only once it was
// acknowledged that long ago (SPEC §6): a NATS host crash losing acknowledged messages leaves
// the entry behind them.
#ifndef DBCT_SIDECAR_COMMON_OFFSET_TRACKER_HPP
#define DBCT_SIDECAR_COMMON_OFFSET_TRACKER_HPP

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <utility>

namespace dbct::sidecar {

class OffsetTracker {
 public:
  using Clock = std::chrono::steady_clock;
  explicit OffsetTracker(std::chrono::milliseconds confirm_delay = std::chrono::milliseconds(0))
      : confirm_delay_(confirm_delay) {}
  // An event with `position` handed to the publisher as publish `sequence`.
  void Sent(uint64_t sequence, const std::string& position);
  // The source is at `token` and gave no event since the last Sent.
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

}  // namespace dbct::sidecar

#endif  // DBCT_SIDECAR_COMMON_OFFSET_TRACKER_HPP
