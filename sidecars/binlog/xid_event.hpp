// XID_EVENT: the commit of a transaction on a transactional engine (InnoDB).
#ifndef DBCT_BINLOG_XID_EVENT_HPP
#define DBCT_BINLOG_XID_EVENT_HPP

#include <cstdint>

#include "event_header.hpp"

namespace dbct::binlog {

struct XidEvent {
  uint64_t xid = 0;

  static XidEvent Parse(const RawEvent& ev);
};

}  // namespace dbct::binlog

#endif  // DBCT_BINLOG_XID_EVENT_HPP
