#include "schema_history_store.hpp"

#include <chrono>

#include "dbct/nats/message.hpp"
#include "dbct/nats/stream.hpp"

namespace dbct::binlog {

namespace {

constexpr std::chrono::seconds kReadTimeout{10};  // per message while reading the history back

nats::NatsError Failure(const std::string& what, natsStatus status, jsErrCode code) {
  std::string message = nats::StatusMessage(what, status);
  if (code != 0) message += " (JetStream error " + std::to_string(static_cast<int>(code)) + ")";
  // 10008: JetStream temporarily unavailable (e.g. still recovering after a restart).
  return nats::NatsError(message,
                         nats::IsRetriableStatus(status) || static_cast<int>(code) == 10008);
}

struct PubAckDeleter {
  void operator()(jsPubAck* a) const { jsPubAck_Destroy(a); }
};
struct MetaDeleter {
  void operator()(jsMsgMetaData* m) const { jsMsgMetaData_Destroy(m); }
};

}  // namespace

std::string SchemaHistorySubject(std::string_view tracking) {
  return "dbchangetrackingschemahistory." + std::string(tracking);
}

SchemaHistoryStore::SchemaHistoryStore(nats::Connection& connection, std::string tracking)
    : connection_(connection),
      tracking_(std::move(tracking)),
      subject_(SchemaHistorySubject(tracking_)) {
  nats::ValidateTrackingName(tracking_);
  nats::StreamSpec spec;
  spec.name = kSchemaHistoryStream;
  spec.subjects = {"dbchangetrackingschemahistory.*"};
  nats::EnsureStream(connection_, spec);
}

std::vector<HistoryEntry> SchemaHistoryStore::Read() {
  nats::SignalBlockGuard guard;
  const std::string what = "could not read the schema history of tracking \"" + tracking_ +
                           "\" (stream \"" + kSchemaHistoryStream + "\")";
  // The subject's last message says how far to read; none: no history yet.
  natsMsg* raw = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s =
      js_GetLastMsg(&raw, connection_.js(), kSchemaHistoryStream, subject_.c_str(), nullptr, &code);
  nats::MsgPtr last(raw);
  if (s == NATS_NOT_FOUND || code == JSNoMessageFoundErr) return {};
  if (s != NATS_OK) throw Failure(what, s, code);
  const uint64_t last_sequence = natsMsg_GetSequence(last.get());

  // An ordered consumer of the subject from its first message (no acks, no state left behind).
  jsSubOptions options;
  jsSubOptions_Init(&options);
  options.Stream = kSchemaHistoryStream;
  options.Ordered = true;
  options.Config.DeliverPolicy = js_DeliverAll;
  natsSubscription* raw_sub = nullptr;
  code = static_cast<jsErrCode>(0);
  s = js_SubscribeSync(&raw_sub, connection_.js(), subject_.c_str(), nullptr, &options, &code);
  nats::SubscriptionPtr sub(raw_sub);
  if (s != NATS_OK) throw Failure(what, s, code);

  std::vector<HistoryEntry> entries;
  for (;;) {
    natsMsg* raw_msg = nullptr;
    s = natsSubscription_NextMsg(&raw_msg, sub.get(),
                                 std::chrono::milliseconds(kReadTimeout).count());
    nats::MsgPtr msg(raw_msg);
    if (s != NATS_OK) throw Failure(what, s, static_cast<jsErrCode>(0));
    jsMsgMetaData* raw_meta = nullptr;
    s = natsMsg_GetMetaData(&raw_meta, msg.get());
    std::unique_ptr<jsMsgMetaData, MetaDeleter> meta(raw_meta);
    if (s != NATS_OK) throw Failure(what, s, static_cast<jsErrCode>(0));
    const char* data = natsMsg_GetData(msg.get());
    entries.push_back(HistoryEntryFromJson(
        std::string_view(data == nullptr ? "" : data,
                         static_cast<size_t>(natsMsg_GetDataLength(msg.get())))));
    if (meta->Sequence.Stream >= last_sequence) break;
  }
  return entries;
}

void SchemaHistoryStore::Append(const HistoryEntry& entry) {
  nats::SignalBlockGuard guard;
  const std::string position = entry.Position();
  std::string msg_id = tracking_ + ":" + HistoryEntryKindName(entry.kind) + ":" + position;
  if (entry.parts > 1) msg_id += ":" + std::to_string(entry.part);
  nats::EventHeaders headers;
  headers.msg_id = msg_id;
  headers.position = position;
  nats::MessageBuilder builder;
  nats::MsgPtr msg = builder.Build(subject_, "", headers, -1, HistoryEntryToJson(entry));
  jsPubOptions options;
  jsPubOptions_Init(&options);
  options.MaxWait = connection_.settings().request_timeout.count();
  jsPubAck* raw_ack = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_PublishMsg(&raw_ack, connection_.js(), msg.get(), &options, &code);
  std::unique_ptr<jsPubAck, PubAckDeleter> ack(raw_ack);
  if (s != NATS_OK) {
    throw Failure("could not store the schema history entry of tracking \"" + tracking_ +
                      "\" at " + position,
                  s, code);
  }
}

void SchemaHistoryStore::Clear() {
  nats::SignalBlockGuard guard;
  jsOptions options;
  jsOptions_Init(&options);
  options.Stream.Purge.Subject = subject_.c_str();
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_PurgeStream(connection_.js(), kSchemaHistoryStream, &options, &code);
  if (s != NATS_OK) {
    throw Failure("could not clear the schema history of tracking \"" + tracking_ + "\"", s, code);
  }
}

}  // namespace dbct::binlog
