// HEARTBEAT_LOG_EVENT: sent by the dump thread when the binlog is idle for
// @master_heartbeat_period. Its header's log_pos is the current position in `file`; it is
// never written to a binlog file.
#ifndef DBCT_BINLOG_HEARTBEAT_EVENT_HPP
#define DBCT_BINLOG_HEARTBEAT_EVENT_HPP

#include <cstdint>
#include <string>

#include "event_header.hpp"

namespace dbct::binlog {

struct HeartbeatEvent {
  std::string file;
  uint64_t position = 0;

  static HeartbeatEvent Parse(const RawEvent& ev);
};

}  // namespace dbct::binlog

#endif  // DBCT_BINLOG_HEARTBEAT_EVENT_HPP
