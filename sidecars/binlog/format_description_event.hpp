// FORMAT_DESCRIPTION_EVENT: the first event of every binlog file. It says which server wrote
// the file (MySQL or MariaDB, and its version), how long each event type's post-header is, and
// which checksum the following events carry.
#ifndef DBCT_BINLOG_FORMAT_DESCRIPTION_EVENT_HPP
#define DBCT_BINLOG_FORMAT_DESCRIPTION_EVENT_HPP

#include <cstdint>
#include <string>
#include <vector>

#include "event_header.hpp"

namespace dbct::binlog {

class FormatDescriptionEvent {
 public:
  // A v4 description with the lengths MariaDB 10.x uses, for decoding before the server's
  // own description has arrived (the dump's first, artificial ROTATE).
  static FormatDescriptionEvent Default();
  static FormatDescriptionEvent Parse(const RawEvent& ev, ChecksumAlg alg);

  uint16_t binlog_version = 4;
  std::string server_version;  // "10.11.6-MariaDB-log", "8.0.36"
  uint32_t created = 0;
  uint8_t header_length = kEventHeaderLength;
  std::vector<uint8_t> post_header_lengths;  // index = event type - 1
  ChecksumAlg checksum = ChecksumAlg::kOff;

  bool IsMariaDb() const;
  // The post-header length of `type`; `fallback` when the description does not list it.
  uint8_t PostHeaderLength(EventType type, uint8_t fallback) const;
};

}  // namespace dbct::binlog

#endif  // DBCT_BINLOG_FORMAT_DESCRIPTION_EVENT_HPP
