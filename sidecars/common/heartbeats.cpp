#include "heartbeats.hpp"

#include "dbct/envelope/json_writer.hpp"
#include "dbct/nats/stream.hpp"

namespace dbct::sidecar {

Heartbeats::Heartbeats(const std::string& tracking, std::chrono::milliseconds interval, Clock::time_point start)
    : tracking_(tracking), interval_(interval), last_(start) {
  message_.subject = nats::HeartbeatSubject(tracking_);
  envelope::JsonWriter key(64);
  key.BeginObject();
  key.KeyLiteral("serverName");
  key.String(tracking_);
  key.EndObject();
  message_.key = key.Str();
}

bool Heartbeats::Due(Clock::time_point now) {
  if (interval_.count() <= 0 || now - last_ < interval_) return false;
  last_ = now;
  return true;
}

const HeartbeatMessage& Heartbeats::Message(int64_t now_ms) {
  message_.value = "{\"ts_ms\":" + std::to_string(now_ms) + "}";
  message_.msg_id = tracking_ + ":heartbeat:" + std::to_string(now_ms);
  return message_;
}

}  // namespace dbct::sidecar
