// The statement text that produced the following rows events:
//   MariaDB ANNOTATE_ROWS_EVENT (160, with binlog_annotate_row_events, MariaDB's default ON)
//   MySQL ROWS_QUERY_LOG_EVENT (29, with binlog_rows_query_log_events)
// Feeds source.query.
#ifndef DBCT_BINLOG_ANNOTATE_ROWS_EVENT_HPP
#define DBCT_BINLOG_ANNOTATE_ROWS_EVENT_HPP

#include <string_view>

#include "event_header.hpp"

namespace dbct::binlog {

struct AnnotateRowsEvent {
  std::string_view statement;  // view into the event's bytes

  static AnnotateRowsEvent Parse(const RawEvent& ev);
};

}  // namespace dbct::binlog

#endif  // DBCT_BINLOG_ANNOTATE_ROWS_EVENT_HPP
