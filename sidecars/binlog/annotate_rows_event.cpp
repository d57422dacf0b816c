#include "annotate_rows_event.hpp"

#include "byte_reader.hpp"

namespace dbct::binlog {

AnnotateRowsEvent AnnotateRowsEvent::Parse(const RawEvent& ev) {
  ByteReader r(ev.body, EventTypeName(ev.header.type).c_str());
  if (ev.header.type == EventType::kRowsQuery) {
    // MySQL: one length byte (kept for compatibility, wrong above 255), then the text.
    r.U8();
  }
  return AnnotateRowsEvent{r.Rest()};
}

}  // namespace dbct::binlog
