#include "offset_tracker.hpp"

namespace dbct::sidecar {

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

}  // namespace dbct::sidecar
