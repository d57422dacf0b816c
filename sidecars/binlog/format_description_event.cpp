#include "format_description_event.hpp"

#include "byte_reader.hpp"

namespace dbct::binlog {

FormatDescriptionEvent FormatDescriptionEvent::Default() {
  FormatDescriptionEvent fd;
  fd.server_version = "unknown";
  return fd;
}

FormatDescriptionEvent FormatDescriptionEvent::Parse(const RawEvent& ev, ChecksumAlg alg) {
  ByteReader r(ev.body, "FORMAT_DESCRIPTION_EVENT");
  FormatDescriptionEvent fd;
  fd.binlog_version = r.U16();
  if (fd.binlog_version != 4) {
    throw UnsupportedError("binlog format version " + std::to_string(fd.binlog_version) +
                           " is not supported (only version 4, MySQL 5.0 and later)");
  }
  std::string_view version = r.Bytes(50);
  fd.server_version.assign(version.data(), version.find('\0') == std::string_view::npos
                                               ? version.size()
                                               : version.find('\0'));
  fd.created = r.U32();
  fd.header_length = r.U8();
  if (fd.header_length < kEventHeaderLength) {
    r.Fail("event header length " + std::to_string(fd.header_length) + " below 19");
  }
  // The checksum algorithm byte stays at the end of the body when the server knows checksums.
  size_t count = r.Remaining();
  if (alg != ChecksumAlg::kUndefined && count > 0) --count;
  std::string_view lengths = r.Bytes(count);
  fd.post_header_lengths.assign(lengths.begin(), lengths.end());
  fd.checksum = alg == ChecksumAlg::kUndefined ? ChecksumAlg::kOff : alg;
  return fd;
}

bool FormatDescriptionEvent::IsMariaDb() const {
  return server_version.find("MariaDB") != std::string::npos;
}

uint8_t FormatDescriptionEvent::PostHeaderLength(EventType type, uint8_t fallback) const {
  const size_t index = static_cast<size_t>(type) - 1;
  if (static_cast<size_t>(type) == 0 || index >= post_header_lengths.size()) return fallback;
  return post_header_lengths[index];
}

}  // namespace dbct::binlog
