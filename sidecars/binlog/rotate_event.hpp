// ROTATE_EVENT: the next events come from another binlog file (real at the end of a file, or
// artificial at the start of a dump, telling the replica which file it is reading).
#ifndef DBCT_BINLOG_ROTATE_EVENT_HPP
#define DBCT_BINLOG_ROTATE_EVENT_HPP

#include <cstdint>
#include <string>

#include "event_header.hpp"

namespace dbct::binlog {

struct RotateEvent {
  uint64_t position = 0;  // where to start in the new file
  std::string next_file;

  static RotateEvent Parse(const RawEvent& ev);
};

}  // namespace dbct::binlog

#endif  // DBCT_BINLOG_ROTATE_EVENT_HPP
