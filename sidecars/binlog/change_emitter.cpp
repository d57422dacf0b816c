#include "change_emitter.hpp"

#include "dbct/nats/stream.hpp"

namespace dbct::binlog {

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

ChangeEmitter::ChangeEmitter(std::string tracking, sidecar::Runtime& runtime)
    : tracking_(std::move(tracking)), subject_(nats::TrackingSubject(tracking_)), runtime_(runtime) {}

void ChangeEmitter::Send(std::string_view payload, std::string_view position, char op,
                         std::string_view table, std::string_view key, int64_t source_ts_ms) {
  msg_id_.assign(tracking_).append(":").append(position);
  const char op_text[2] = {op, '\0'};
  sidecar::Event event;
  event.subject = subject_;
  event.payload = payload;
  event.msg_id = msg_id_;
  event.position = position;
  event.op = op_text;
  event.table = table;
  event.key = key;
  event.source_ts_ms = source_ts_ms;
  runtime_.Publish(event);
  last_.position.assign(position);
  last_.table.assign(table);
  last_.key.assign(key);
}

void ChangeEmitter::SendControl(std::string_view subject, std::string_view payload,
                                std::string_view msg_id, std::string_view position) {
  sidecar::Event event;
  event.subject = subject;
  event.payload = payload;
  event.msg_id = msg_id;
  event.position = position;
  runtime_.Publish(event);
  RememberPosition(position);
}

void ChangeEmitter::SendHeartbeat(const sidecar::HeartbeatMessage& heartbeat, std::string_view position) {
  runtime_.PublishHeartbeat(heartbeat, position);
  RememberPosition(position);
}

void ChangeEmitter::RememberPosition(std::string_view position) {
  if (position.empty()) return;
  last_.position.assign(position);
  last_.table.clear();
  last_.key.clear();
}

}  // namespace dbct::binlog
