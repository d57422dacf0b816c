#include "xid_event.hpp"

#include "byte_reader.hpp"

namespace dbct::binlog {

XidEvent XidEvent::Parse(const RawEvent& ev) {
  ByteReader r(ev.body, "XID_EVENT");
  return XidEvent{r.U64()};
}

}  // namespace dbct::binlog
