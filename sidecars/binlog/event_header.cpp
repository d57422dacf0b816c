#include "event_header.hpp"

#include <cstdio>
#include <string>

#include "byte_reader.hpp"
#include "crc32.hpp"

namespace dbct::binlog {

namespace {

// FORMAT_DESCRIPTION body: binlog version (2), server version (50), created (4), header length (1),
// then one post-header length per event type, then the checksum algorithm (1) + checksum (4).
constexpr size_t kFdeFixedPart = 2 + 50 + 4 + 1;

}  // namespace

EventHeader ParseEventHeader(std::string_view bytes) {
  ByteReader r(bytes, "event header");
  EventHeader h;
  h.timestamp = r.U32();
  h.type = static_cast<EventType>(r.U8());
  h.server_id = r.U32();
  h.event_length = r.U32();
  h.log_pos = r.U32();
  h.flags = r.U16();
  return h;
}

ChecksumAlg FormatDescriptionChecksumAlg(std::string_view event_bytes) {
  // Servers that know checksums (MySQL 5.6.1+, MariaDB 5.3+) always end the FDE with the
  // algorithm byte and four checksum bytes; older ones have no room for them.
  if (event_bytes.size() < kEventHeaderLength + kFdeFixedPart + 5) return ChecksumAlg::kUndefined;
  const auto alg = static_cast<uint8_t>(event_bytes[event_bytes.size() - 5]);
  if (alg == 0) return ChecksumAlg::kOff;
  if (alg == 1) return ChecksumAlg::kCrc32;
  return ChecksumAlg::kUndefined;
}

RawEvent FrameEvent(std::string_view bytes, ChecksumAlg alg, size_t header_length) {
  RawEvent ev;
  ev.header = ParseEventHeader(bytes);
  if (ev.header.event_length != bytes.size()) {
    throw DecodeError("corrupt " + EventTypeName(ev.header.type) + ": header says " +
                      std::to_string(ev.header.event_length) + " bytes, packet has " +
                      std::to_string(bytes.size()));
  }
  if (ev.header.type == EventType::kFormatDescription) {
    alg = FormatDescriptionChecksumAlg(bytes);
    header_length = kEventHeaderLength;
  }
  size_t end = bytes.size();
  if (alg == ChecksumAlg::kCrc32) {
    if (end < header_length + kChecksumLength) {
      throw DecodeError("corrupt " + EventTypeName(ev.header.type) + ": too short for its checksum");
    }
    end -= kChecksumLength;
    const uint32_t stored = static_cast<uint32_t>(
        ReadLittleEndian(reinterpret_cast<const uint8_t*>(bytes.data()) + end, kChecksumLength));
    const uint32_t computed = Crc32(bytes.substr(0, end));
    if (stored != computed) {
      char buf[96];
      std::snprintf(buf, sizeof buf, "checksum mismatch (stored %08x, computed %08x)", stored,
                    computed);
      throw DecodeError(EventTypeName(ev.header.type) + " at position " +
                        std::to_string(ev.header.StartPosition()) + ": " + buf);
    }
  } else if (ev.header.type == EventType::kFormatDescription && alg == ChecksumAlg::kOff) {
    end -= kChecksumLength;  // the FDE keeps the four bytes even when checksums are off
  }
  if (end < header_length) {
    throw DecodeError("corrupt " + EventTypeName(ev.header.type) + ": shorter than its header");
  }
  ev.body = bytes.substr(header_length, end - header_length);
  return ev;
}

}  // namespace dbct::binlog
