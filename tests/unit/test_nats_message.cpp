// MessageBuilder builds messages through cnats' private wire-bytes constructor: read them back
// through the public API, so a cnats whose constructor changed fails here.
#include <gtest/gtest.h>

#include <string>

#include "dbct/nats/message.hpp"
#include "dbct/nats/stream.hpp"

namespace dbct::nats {
namespace {

std::string Header(natsMsg* msg, const char* name) {
  const char* value = nullptr;
  if (natsMsgHeader_Get(msg, name, &value) != NATS_OK || value == nullptr) return "<absent>";
  return value;
}

TEST(NatsMessage, BuildsSubjectReplyHeadersAndPayload) {
  MessageBuilder builder;
  EventHeaders h{"t:0/1A", "0/1A", "c", "db.public.t", "{\"id\":1}"};
  std::string payload = "{\"payload\":{}}";
  MsgPtr msg = builder.Build("dbchangetracking.t", "_INBOX.x.1.7", h, 41, payload);
  ASSERT_NE(msg, nullptr);
  EXPECT_STREQ(natsMsg_GetSubject(msg.get()), "dbchangetracking.t");
  EXPECT_STREQ(natsMsg_GetReply(msg.get()), "_INBOX.x.1.7");
  EXPECT_EQ(std::string(natsMsg_GetData(msg.get()), natsMsg_GetDataLength(msg.get())), payload);
  EXPECT_EQ(Header(msg.get(), kHeaderMsgId), "t:0/1A");
  EXPECT_EQ(Header(msg.get(), kHeaderPosition), "0/1A");
  EXPECT_EQ(Header(msg.get(), kHeaderOp), "c");
  EXPECT_EQ(Header(msg.get(), kHeaderTable), "db.public.t");
  EXPECT_EQ(Header(msg.get(), kHeaderKey), "{\"id\":1}");
  EXPECT_EQ(Header(msg.get(), kHeaderExpectedLastSequence), "41");
  EventHeaders back = HeadersOf(msg.get());
  EXPECT_EQ(back.msg_id, "t:0/1A");
  EXPECT_EQ(back.key, "{\"id\":1}");
}

TEST(NatsMessage, RebuildGivesTheLastMessageAnotherReply) {
  MessageBuilder builder;
  EventHeaders h{"t:0/2B", "0/2B", "u", "db.public.t", "{\"id\":2}"};
  MsgPtr held = builder.Build("dbchangetracking.t", "", h, 7, "{\"v\":2}");
  EXPECT_EQ(natsMsg_GetReply(held.get()), nullptr);
  MsgPtr msg = builder.Rebuild("dbchangetracking.t", "_INBOX.y.1.8");
  ASSERT_NE(msg, nullptr);
  EXPECT_STREQ(natsMsg_GetSubject(msg.get()), "dbchangetracking.t");
  EXPECT_STREQ(natsMsg_GetReply(msg.get()), "_INBOX.y.1.8");
  EXPECT_EQ(std::string(natsMsg_GetData(msg.get()), natsMsg_GetDataLength(msg.get())), "{\"v\":2}");
  EXPECT_EQ(Header(msg.get(), kHeaderMsgId), "t:0/2B");
  EXPECT_EQ(Header(msg.get(), kHeaderKey), "{\"id\":2}");
  EXPECT_EQ(Header(msg.get(), kHeaderExpectedLastSequence), "7");
}

TEST(NatsMessage, OmitsEmptyHeadersAndReply) {
  MessageBuilder builder;
  EventHeaders h;
  h.msg_id = "t:heartbeat:1";
  MsgPtr msg = builder.Build("dbchangetracking.t.heartbeat", "", h, -1, "");
  ASSERT_NE(msg, nullptr);
  EXPECT_EQ(natsMsg_GetReply(msg.get()), nullptr);
  EXPECT_EQ(natsMsg_GetDataLength(msg.get()), 0);
  EXPECT_EQ(Header(msg.get(), kHeaderMsgId), "t:heartbeat:1");
  EXPECT_EQ(Header(msg.get(), kHeaderPosition), "<absent>");
  EXPECT_EQ(Header(msg.get(), kHeaderExpectedLastSequence), "<absent>");
}

TEST(NatsMessage, LineBreaksInValuesBecomeSpaces) {
  MessageBuilder builder;
  EventHeaders h{"id", "", "", "", "{\"k\":\"a\r\nb\"}"};
  MsgPtr first = builder.Build("s", "r", h, 0, "x");
  MsgPtr second = builder.Build("s2", "r2", EventHeaders{"id2", "", "", "", ""}, 1, "yy");  // builder reuse
  EXPECT_EQ(Header(first.get(), kHeaderKey), "{\"k\":\"a  b\"}");
  EXPECT_EQ(Header(first.get(), kHeaderExpectedLastSequence), "0");
  EXPECT_EQ(Header(second.get(), kHeaderMsgId), "id2");
  EXPECT_EQ(Header(second.get(), kHeaderKey), "<absent>");
  EXPECT_EQ(std::string(natsMsg_GetData(second.get()), natsMsg_GetDataLength(second.get())), "yy");
}

}  // namespace
}  // namespace dbct::nats
