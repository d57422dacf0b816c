#include "progress_keeper.hpp"

#include "dbct/envelope/json_writer.hpp"

namespace dbct::mongodb {

void OffsetTracker::Sent(uint64_t sequence, const std::string& position) {
  in_flight_.emplace_back(sequence, position);
  idle_token_.clear();
  current_ = position;
}

void OffsetTracker::Idle(const std::string& token) {
  if (token.empty() || token == current_) return;
  idle_token_ = token;
  current_ = token;
}

std::string OffsetTracker::Acked(uint64_t watermark, Clock::time_point now) {
  std::string acked;
  while (!in_flight_.empty() && in_flight_.front().first <= watermark) {
    acked = std::move(in_flight_.front().second);
    in_flight_.pop_front();
  }
  // The idle token is only after what was sent before it; it is safe once all that is acked.
  if (in_flight_.empty() && !idle_token_.empty()) acked = idle_token_;
  if (!acked.empty() && acked != queued_) {
    queued_ = acked;
    confirming_.emplace_back(now, std::move(acked));
  }
  std::string newest;
  while (!confirming_.empty() && now - confirming_.front().first >= confirm_delay_) {
    newest = std::move(confirming_.front().second);
    confirming_.pop_front();
  }
  if (newest.empty() || newest == stored_) return {};
  stored_ = newest;
  return stored_;
}

Heartbeats::Heartbeats(std::string tracking, std::chrono::milliseconds interval, Clock::time_point start)
    : tracking_(std::move(tracking)), interval_(interval), last_(start) {
  envelope::JsonWriter key(64);
  key.BeginObject();
  key.KeyLiteral("serverName");
  key.String(tracking_);
  key.EndObject();
  message_.key = key.Str();
}

const HeartbeatMessage* Heartbeats::Due(Clock::time_point now, int64_t now_ms, const std::string& position) {
  if (interval_.count() <= 0 || position.empty() || now - last_ < interval_) return nullptr;
  last_ = now;
  message_.value = "{\"ts_ms\":" + std::to_string(now_ms) + "}";
  message_.msg_id = tracking_ + ":heartbeat:" + std::to_string(now_ms);
  return &message_;
}

}  // namespace dbct::mongodb
