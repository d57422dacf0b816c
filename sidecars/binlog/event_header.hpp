// The common header of every binlog event (v4, 19 bytes) and the framing of one event:
// checksum verification and the split into header and body.
#ifndef DBCT_BINLOG_EVENT_HEADER_HPP
#define DBCT_BINLOG_EVENT_HEADER_HPP

#include <cstdint>
#include <string_view>

#include "event_type.hpp"

namespace dbct::binlog {

constexpr size_t kEventHeaderLength = 19;
constexpr size_t kChecksumLength = 4;

// binlog_checksum as the format description event states it.
enum class ChecksumAlg : uint8_t { kOff = 0, kCrc32 = 1, kUndefined = 255 };

// Event header flags we look at.
constexpr uint16_t kFlagArtificial = 0x0020;  // LOG_EVENT_ARTIFICIAL_F: made up by the dump thread
constexpr uint16_t kFlagIgnorable = 0x0080;   // LOG_EVENT_IGNORABLE_F: a reader may skip it

struct EventHeader {
  uint32_t timestamp = 0;  // seconds since the epoch, when the statement started
  EventType type = EventType::kUnknown;
  uint32_t server_id = 0;
  uint32_t event_length = 0;  // header + body + checksum
  uint32_t log_pos = 0;       // position of the next event in the file (0 for some artificial events)
  uint16_t flags = 0;

  // Where this event starts in its binlog file, or 0 when the server did not say.
  uint64_t StartPosition() const {
    return log_pos >= event_length ? uint64_t{log_pos} - event_length : 0;
  }
};

// One event's bytes split into its parts. Views into the caller's buffer.
struct RawEvent {
  EventHeader header;
  std::string_view body;  // after the common header, without the checksum
};

EventHeader ParseEventHeader(std::string_view bytes);

// Splits one complete event (header first; `bytes.size()` must equal the header's event_length)
// and verifies its CRC32 when `alg` is kCrc32. A format description event carries its own
// algorithm and is verified by that. Throws DecodeError on a length or checksum mismatch.
RawEvent FrameEvent(std::string_view bytes, ChecksumAlg alg,
                    size_t header_length = kEventHeaderLength);

// The checksum algorithm stated inside a format description event (the byte before the last
// four). kUndefined when the event is too old to carry one.
ChecksumAlg FormatDescriptionChecksumAlg(std::string_view event_bytes);

}  // namespace dbct::binlog

#endif  // DBCT_BINLOG_EVENT_HEADER_HPP
