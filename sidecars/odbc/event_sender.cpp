#include "event_sender.hpp"

#include "transaction_metadata.hpp"

namespace dbct::odbc {

void EventSender::SendBoundary(std::string_view payload, std::string position, std::string_view subject,
                               const EventSink& sink) {
  position_ = std::move(position);
  msg_id_ = tracking_ + ":" + position_;
  EmittedEvent event;
  event.payload = payload;
  event.position = position_;
  event.msg_id = msg_id_;
  event.subject = subject;
  sink(event);
}

void EventSender::SendChange(const ChangeEvent& change, std::string position, const EventSink& sink) {
  position_ = std::move(position);
  if (change.snapshot) {
    msg_id_ = SnapshotMessageId(tracking_, change.table, change.key, change.snapshot_row,
                                change.key.empty() ? change.snapshot_table_rows : 1);
  } else {
    msg_id_ = tracking_ + ":" + position_;
  }
  const char op_text[2] = {static_cast<char>(change.op), '\0'};
  EmittedEvent event;
  event.payload = change.payload;
  event.key = change.key;
  event.position = position_;
  event.msg_id = msg_id_;
  event.op = op_text;
  event.table = change.table;
  event.source_ts_ms = change.source_ts_ms;
  sink(event);
}

}  // namespace dbct::odbc
