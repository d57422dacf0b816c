// Errors raised while reading the binary log.
//
// DecodeError: the bytes are not what the format says (truncated event, bad checksum, a length
// past the end). UnsupportedError: the bytes are well-formed but describe something we refuse to
// guess about (compressed rows, partial row images, an event type we do not know). Both end the
// current attempt; neither is retriable against the same position, so the sidecar stops with the
// message rather than looping.
#ifndef DBCT_BINLOG_BINLOG_ERROR_HPP
#define DBCT_BINLOG_BINLOG_ERROR_HPP

#include <stdexcept>
#include <string>

namespace dbct::binlog {

class BinlogError : public std::runtime_error {
 public:
  explicit BinlogError(const std::string& message) : std::runtime_error(message) {}
};

class DecodeError : public BinlogError {
 public:
  explicit DecodeError(const std::string& message) : BinlogError(message) {}
};

class UnsupportedError : public BinlogError {
 public:
  explicit UnsupportedError(const std::string& message) : BinlogError(message) {}
};

}  // namespace dbct::binlog

#endif  // DBCT_BINLOG_BINLOG_ERROR_HPP
