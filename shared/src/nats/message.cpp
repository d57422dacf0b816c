// message.cpp — see message.hpp.
#include "dbct/nats/message.hpp"

#include <cinttypes>
#include <cstdio>

#include "dbct/nats/stream.hpp"

// cnats' constructor of a message from wire bytes: declared in its private msg.h, exported
// by libnats, unchanged from 2.2 (when headers came) to 3.x. The unit tests read messages
// built with it back through the public API.
extern "C" natsStatus natsMsg_create(natsMsg** msg, const char* subject, int subject_len,
                                     const char* reply, int reply_len, const char* buf,
                                     int buf_len, int header_len);

namespace dbct::nats {

MessageBuilder::MessageBuilder() {
  SignalBlockGuard guard;  // nats_Open may start cnats threads
  CheckStatus(nats_Open(-1), "could not initialize the NATS library");
}

void MessageBuilder::AddHeader(const char* name, std::string_view value) {
  if (value.empty()) return;
  wire_.append(name).append(": ");
  const size_t at = wire_.size();
  wire_.append(value);
  for (size_t i = at; i < wire_.size(); i++) {
    if (wire_[i] == '\r' || wire_[i] == '\n') wire_[i] = ' ';
  }
  wire_.append("\r\n");
}

MsgPtr MessageBuilder::Build(std::string_view subject, std::string_view reply,
                             const EventHeaders& headers, int64_t expected_last_sequence,
                             std::string_view payload, std::string_view expected_last_msg_id) {
  wire_.assign("NATS/1.0\r\n");
  AddHeader(kHeaderMsgId, headers.msg_id);
  AddHeader(kHeaderPosition, headers.position);
  AddHeader(kHeaderOp, headers.op);
  AddHeader(kHeaderTable, headers.table);
  AddHeader(kHeaderKey, headers.key);
  if (expected_last_sequence >= 0) {
    char expected[24];
    int n = std::snprintf(expected, sizeof expected, "%" PRId64, expected_last_sequence);
    AddHeader(kHeaderExpectedLastSequence, std::string_view(expected, static_cast<size_t>(n)));
  }
  AddHeader(kHeaderExpectedLastMsgId, expected_last_msg_id);
  wire_.append("\r\n");
  header_len_ = static_cast<int>(wire_.size());
  wire_.append(payload);
  return Create(subject, reply);
}

MsgPtr MessageBuilder::Rebuild(std::string_view subject, std::string_view reply) {
  return Create(subject, reply);
}

MsgPtr MessageBuilder::Create(std::string_view subject, std::string_view reply) {
  natsMsg* raw = nullptr;
  natsStatus s = natsMsg_create(&raw, subject.data(), static_cast<int>(subject.size()),
                                reply.empty() ? nullptr : reply.data(),
                                static_cast<int>(reply.size()), wire_.data(),
                                static_cast<int>(wire_.size()), header_len_);
  MsgPtr msg(raw);
  if (s != NATS_OK) {
    throw NatsError(StatusMessage("could not build a message for subject \"" +
                                      std::string(subject) + "\"", s),
                    false);
  }
  return msg;
}

EventHeaders HeadersOf(natsMsg* msg) {
  auto get = [&](const char* name) -> std::string_view {
    const char* value = nullptr;
    if (msg == nullptr || natsMsgHeader_Get(msg, name, &value) != NATS_OK || value == nullptr)
      return {};
    return value;
  };
  EventHeaders h;
  h.msg_id = get(kHeaderMsgId);
  h.position = get(kHeaderPosition);
  h.op = get(kHeaderOp);
  h.table = get(kHeaderTable);
  h.key = get(kHeaderKey);
  return h;
}

}  // namespace dbct::nats
