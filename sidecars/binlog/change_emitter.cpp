#include "change_emitter.hpp"

#include "dbct/nats/stream.hpp"

namespace dbct::binlog {

using Clock = std::chrono::steady_clock;

void MysqlSourceFields::operator()(envelope::JsonWriter& w) const {
  w.KeyLiteral("table");
  w.String(table);
  w.KeyLiteral("server_id");
  w.Int(server_id);
  w.KeyLiteral("gtid");
  if (gtid.empty()) {
    w.Null();
  } else {
    w.String(gtid);
  }
  w.KeyLiteral("file");
  w.String(file);
  w.KeyLiteral("pos");
  w.Int(pos);
  w.KeyLiteral("row");
  w.Int(row);
  w.KeyLiteral("thread");
  if (thread >= 0) {
    w.Int(thread);
  } else {
    w.Null();
  }
  w.KeyLiteral("query");
  w.Null();
}

ChangeEmitter::ChangeEmitter(std::string tracking, nats::Publisher& publisher,
                             nats::OffsetStore& offsets, Telemetry& telemetry)
    : tracking_(std::move(tracking)),
      subject_(nats::TrackingSubject(tracking_)),
      publisher_(publisher),
      offsets_(offsets),
      telemetry_(telemetry) {}

void ChangeEmitter::Send(std::string_view payload, std::string_view position, char op,
                         std::string_view table, std::string_view key, int64_t source_ts_ms) {
  msg_id_.assign(tracking_).append(":").append(position);
  const char op_text[2] = {op, '\0'};
  nats::OutgoingMessage message;
  message.sequence = ++sequence_;
  message.subject = subject_;
  message.payload = payload;
  message.msg_id = msg_id_;
  message.position = position;
  message.op = op_text;
  message.table = table;
  message.key = key;
  publisher_.Publish(message);
  in_flight_positions_.emplace_back(sequence_, std::string(position));
  last_.position.assign(position);
  last_.table.assign(table);
  last_.key.assign(key);
  telemetry_.CountEvent(source_ts_ms);
}

void ChangeEmitter::SendControl(std::string_view subject, std::string_view payload,
                                std::string_view msg_id, std::string_view position) {
  nats::OutgoingMessage message;
  message.sequence = ++sequence_;
  message.subject = subject;
  message.payload = payload;
  message.msg_id = msg_id;
  message.position = position;
  publisher_.Publish(message);
  if (position.empty()) return;
  in_flight_positions_.emplace_back(sequence_, std::string(position));
  last_.position.assign(position);
  last_.table.clear();
  last_.key.clear();
}

void ChangeEmitter::CommitOffsets(bool force) {
  const auto now = Clock::now();
  if (!force && now - last_offset_commit_ < std::chrono::milliseconds(1000)) return;
  last_offset_commit_ = now;
  const uint64_t watermark = publisher_.Poll();
  std::string acked;
  while (!in_flight_positions_.empty() && in_flight_positions_.front().first <= watermark) {
    acked = std::move(in_flight_positions_.front().second);
    in_flight_positions_.pop_front();
  }
  telemetry_.SetInFlight(publisher_.InFlight());
  if (acked.empty()) return;
  telemetry_.SetPosition(acked);
  try {
    offsets_.Put(tracking_, acked);
  } catch (const nats::NatsError& e) {
    // The stream's last Dbct-Position is the source of truth; the bucket is for people.
    telemetry_.Warn(e.what());
  }
}

void ChangeEmitter::Finish(std::chrono::milliseconds timeout) {
  publisher_.Flush(timeout);
  CommitOffsets(true);
}

}  // namespace dbct::binlog
