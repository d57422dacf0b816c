// How the ODBC sidecars' emitters send an event through the sink: the Dbct-Position and
// Nats-Msg-Id texts live here, since the EmittedEvent only views them, and the message id is
// chosen one way for both (snapshot rows by content, the rest by position).
#ifndef DBCT_ODBC_EVENT_SENDER_HPP
#define DBCT_ODBC_EVENT_SENDER_HPP

#include <cstdint>
#include <string>
#include <string_view>

#include "dbct/envelope/envelope_writer.hpp"
#include "emitted_event.hpp"

namespace dbct::odbc {

// The source block's fields every ODBC event shares; `Settings` is the sidecar's EmitterSettings.
template <typename Settings>
envelope::SourceCommon CommonSource(const Settings& settings, std::string_view connector, envelope::EventTime ts,
                                    std::string_view snapshot) {
  envelope::SourceCommon common;
  common.version = settings.version;
  common.connector = connector;
  common.name = settings.server_name;
  common.ts = ts;
  common.snapshot = snapshot;
  common.db = settings.database;
  return common;
}

struct ChangeEvent {
  envelope::Op op = envelope::Op::kCreate;
  std::string_view payload;  // the Debezium JSON
  std::string_view key;      // primary key JSON; empty when the table has none
  std::string_view table;    // "db.schema.table"
  int64_t source_ts_ms = 0;  // 0 when unknown (snapshot rows)
  // A snapshot row is sent under SnapshotMessageId: its "after" JSON, and how many rows of its
  // table have been read so far (tells apart equal rows of a table without a key).
  bool snapshot = false;
  std::string_view snapshot_row;
  uint64_t snapshot_table_rows = 0;
};

class EventSender {
 public:
  explicit EventSender(std::string tracking) : tracking_(std::move(tracking)) {}

  // A transaction BEGIN or END (`payload`) on `subject`, under Nats-Msg-Id "<tracking>:<position>".
  void SendBoundary(std::string_view payload, std::string position, std::string_view subject, const EventSink& sink);

  // A change event at `position`, under Nats-Msg-Id "<tracking>:<position>" unless it is a
  // snapshot row.
  void SendChange(const ChangeEvent& change, std::string position, const EventSink& sink);

 private:
  std::string tracking_;
  std::string position_;
  std::string msg_id_;
};

}  // namespace dbct::odbc

#endif  // DBCT_ODBC_EVENT_SENDER_HPP
