#include "heartbeat_event.hpp"

namespace dbct::binlog {

HeartbeatEvent HeartbeatEvent::Parse(const RawEvent& ev) {
  HeartbeatEvent h;
  h.file.assign(ev.body.data(), ev.body.size());
  h.position = ev.header.log_pos;
  return h;
}

}  // namespace dbct::binlog
