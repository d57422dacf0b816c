#include "progress_keeper.hpp"

#include "dbct/envelope/json_writer.hpp"

namespace dbct::mongodb {


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
