// The sink that hands the ODBC emitters' events to the sidecars' common runtime (JetStream).
#ifndef DBCT_ODBC_RUNTIME_SINK_HPP
#define DBCT_ODBC_RUNTIME_SINK_HPP

#include "emitted_event.hpp"
#include "sidecar_runtime.hpp"

namespace dbct::odbc {

inline EventSink PublishTo(sidecar::Runtime& runtime) {
  return [&runtime](const EmittedEvent& e) {
    sidecar::Event event;
    event.payload = e.payload;
    event.msg_id = e.msg_id;
    event.position = e.position;
    event.op = e.op;
    event.table = e.table;
    event.key = e.key;
    runtime.Publish(event);
  };
}

}  // namespace dbct::odbc

#endif  // DBCT_ODBC_RUNTIME_SINK_HPP
