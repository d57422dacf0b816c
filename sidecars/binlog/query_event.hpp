// QUERY_EVENT: a statement logged as text. In a ROW binlog these are transaction boundaries
// (BEGIN, COMMIT for non-transactional engines, ROLLBACK) and DDL.
#ifndef DBCT_BINLOG_QUERY_EVENT_HPP
#define DBCT_BINLOG_QUERY_EVENT_HPP

#include <cstdint>
#include <string_view>

#include "event_header.hpp"

namespace dbct::binlog {

class FormatDescriptionEvent;

enum class QueryKind { kBegin, kCommit, kRollback, kXa, kOther };

struct QueryEvent {
  uint32_t thread_id = 0;
  uint32_t exec_time = 0;
  uint16_t error_code = 0;
  std::string_view database;   // the default database (USE), may be empty
  std::string_view statement;  // view into the event's bytes
  std::string_view status_vars;

  QueryKind Kind() const;

  static QueryEvent Parse(const RawEvent& ev, const FormatDescriptionEvent& fd);
};

}  // namespace dbct::binlog

#endif  // DBCT_BINLOG_QUERY_EVENT_HPP
