// Requests to a running sidecar over NATS, so that dbct can stop a tracking whatever machine it
// runs on (dbct delete, dbct untrack).
//
// Subject dbchangetracking.control.N (N: the tracking's name); request body JSON
//   {"request": "stop", "from": "dbct untrack on host H"}
// The sidecar running N answers on the request's reply subject twice:
//   {"name": N, "state": "stopping", "host": H, "pid": P}      at once;
//   {"name": N, "state": "stopped", "position": "...", "events_total": E, "host": H, "pid": P}
//       once it has flushed its in-flight events, stored the acknowledged position in the
//       offsets bucket and its final status; it then exits 0 and `dbct run` does not start it
//       again. "state" is "failed" (with "error") when it could not finish cleanly.
// An unknown request gets {"name": N, "error": "..."}. A tracking whose sidecar is not running
// (or not connected to NATS) has no responder.
#ifndef DBCT_SIDECAR_COMMON_CONTROL_REQUEST_HPP
#define DBCT_SIDECAR_COMMON_CONTROL_REQUEST_HPP

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "dbct/nats/connection.hpp"

namespace dbct::sidecar {

inline constexpr const char* kControlSubjectPrefix = "dbchangetracking.control.";
inline constexpr const char* kStopRequest = "stop";

std::string ControlSubject(std::string_view tracking);  // dbchangetracking.control.N

enum class StopOutcome {
  kStopped,      // the sidecar finished cleanly (state stopped)
  kNoSidecar,    // nobody listens on the control subject
  kNoAnswer,     // a listener, but no first answer within the timeout
  kNotFinished,  // it is stopping, but did not say it finished within the timeout
  kFailed,       // it answered with an error, or finished in state failed
};

struct StopAnswer {
  StopOutcome outcome = StopOutcome::kNoSidecar;
  std::string host;      // where it ran, when it answered
  int64_t pid = 0;
  std::string position;  // its last acknowledged position, when stopped
  uint64_t events_total = 0;
  std::string error;     // kFailed: why
};

// Asks the sidecar of `tracking` to stop and waits for its answers: up to `answer_timeout` for
// the first, then up to `finish_timeout` for the second. `from` says who asks (for its log).
// Throws NatsError when the request cannot be sent.
StopAnswer RequestStop(nats::Connection& connection, const std::string& tracking,
                       const std::string& from, std::chrono::milliseconds answer_timeout,
                       std::chrono::milliseconds finish_timeout);

}  // namespace dbct::sidecar

#endif  // DBCT_SIDECAR_COMMON_CONTROL_REQUEST_HPP
