// message.hpp — builds the natsMsg of one change event in a single allocation.
//
// natsMsgHeader_Set keeps headers in a hash map: about 20 allocations for our six headers,
// freed later on cnats' garbage-collector thread, whose frees contend with our mallocs for
// the same arena. That cost more than everything else the publisher does per event. Instead
// the header block is encoded here ("NATS/1.0\r\nName: value\r\n...\r\n") and handed to
// cnats' constructor from wire bytes, which copies subject, reply, headers and payload into
// one block; cnats sends such a block as is and parses it only if headers are read back.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "dbct/nats/connection.hpp"

namespace dbct::nats {

// Headers of one event; empty ones are omitted.
struct EventHeaders {
  std::string_view msg_id;    // Nats-Msg-Id
  std::string_view position;  // Dbct-Position
  std::string_view op;        // Dbct-Op
  std::string_view table;     // Dbct-Table
  std::string_view key;       // Dbct-Key
};

// The Nats-Msg-Id the stream's last message must have for this one to be stored.
inline constexpr const char* kHeaderExpectedLastMsgId = "Nats-Expected-Last-Msg-Id";

class MessageBuilder {
 public:
  MessageBuilder();  // opens the cnats library (idempotent): destroying messages needs it

  // The message to publish; expected_last_sequence < 0 omits Nats-Expected-Last-Sequence, an
  // empty expected_last_msg_id omits Nats-Expected-Last-Msg-Id.
  // CR and LF inside header values become spaces (as natsMsgHeader_Set's encoding does).
  // Throws NatsError when cnats cannot allocate it.
  MsgPtr Build(std::string_view subject, std::string_view reply, const EventHeaders& headers,
               int64_t expected_last_sequence, std::string_view payload,
               std::string_view expected_last_msg_id = {});
  // The message of the last Build again, with another reply subject (no header parsing).
  MsgPtr Rebuild(std::string_view subject, std::string_view reply);

 private:
  void AddHeader(const char* name, std::string_view value);

  MsgPtr Create(std::string_view subject, std::string_view reply);

  std::string wire_;  // header block + payload of the last Build, reused
  int header_len_ = 0;
};

// The event headers of a built (or received) message; views into msg, valid while it lives.
EventHeaders HeadersOf(natsMsg* msg);

}  // namespace dbct::nats
