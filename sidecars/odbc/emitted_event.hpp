// One finished event (a change, a transaction boundary or a heartbeat), as the ODBC sidecars'
// emitters hand it to stdout (replay) or to the JetStream publisher. Views stay valid only during the sink call.
#ifndef DBCT_ODBC_EMITTED_EVENT_HPP
#define DBCT_ODBC_EMITTED_EVENT_HPP

#include <cstdint>
#include <functional>
#include <string_view>

#include "dbct/nats/control.hpp"
#include "heartbeats.hpp"

namespace dbct::odbc {

struct EmittedEvent {
  std::string_view payload;   // the Debezium JSON event
  std::string_view key;       // primary key as a JSON object; empty when the table has none
  std::string_view position;  // Dbct-Position
  std::string_view msg_id;    // Nats-Msg-Id
  std::string_view op;        // "c", "u", "d", "r"
  std::string_view table;     // Dbct-Table
  // Where it goes: empty for the change subject dbchangetracking.N; transaction BEGIN/END
  // and heartbeats name their own subject (they count as no change event).
  std::string_view subject;
  int64_t source_ts_ms = 0;   // commit time at the source (lag); 0 when unknown
};

using EventSink = std::function<void(const EmittedEvent&)>;

// Sends the heartbeat (heartbeatIntervalMs) through `sink` when one is due and the source has
// been read through `position` (not empty).
inline void SendHeartbeatIfDue(sidecar::Heartbeats& heartbeats, std::string_view position, const EventSink& sink) {
  if (position.empty() || !heartbeats.enabled() || !heartbeats.Due()) return;
  const sidecar::HeartbeatMessage& h = heartbeats.Message(nats::NowMs());
  EmittedEvent e;
  e.subject = h.subject;
  e.key = h.key;
  e.payload = h.value;
  e.msg_id = h.msg_id;
  e.position = position;
  sink(e);
}

}  // namespace dbct::odbc

#endif  // DBCT_ODBC_EMITTED_EVENT_HPP
