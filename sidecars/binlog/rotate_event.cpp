#include "rotate_event.hpp"

#include "byte_reader.hpp"

namespace dbct::binlog {

RotateEvent RotateEvent::Parse(const RawEvent& ev) {
  ByteReader r(ev.body, "ROTATE_EVENT");
  RotateEvent rotate;
  rotate.position = r.U64();
  std::string_view name = r.Rest();
  if (name.empty()) r.Fail("empty file name");
  rotate.next_file.assign(name.data(), name.size());
  return rotate;
}

}  // namespace dbct::binlog
