// The sink that hands the ODBC emitters' events to the sidecars' common runtime (JetStream).
#ifndef DBCT_ODBC_RUNTIME_SINK_HPP
#define DBCT_ODBC_RUNTIME_SINK_HPP

#include <optional>
#include <string>

#include "emitted_event.hpp"
#include "sidecar_runtime.hpp"

namespace dbct::odbc {

inline EventSink PublishTo(sidecar::Runtime& runtime) {
  return [&runtime](const EmittedEvent& e) {
    sidecar::Event event;
    event.subject = e.subject;
    event.source_ts_ms = e.source_ts_ms;
    event.payload = e.payload;
    event.msg_id = e.msg_id;
    event.position = e.position;
    event.op = e.subject.empty() ? e.op : std::string_view();  // only change events count
    event.table = e.table;
    event.key = e.key;
    runtime.Publish(event);
  };
}

// The Dbct-Position of the stream's last event: where a restart resumes.
inline std::optional<std::string> LastStreamPosition(sidecar::Runtime& runtime) {
  if (auto last = runtime.LastEvent()) return last->position;
  return std::nullopt;
}

}  // namespace dbct::odbc

#endif  // DBCT_ODBC_RUNTIME_SINK_HPP
