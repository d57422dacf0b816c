// The steps dbct-sqlserver and dbct-oracle take the same way around their own source: reporting
// the prerequisites, choosing where to resume, the streaming loop, the errors that end a run,
// and the replay's input and output. Each sidecar keeps what differs (its start plan, its
// source, its error types).
#ifndef DBCT_ODBC_CONNECTOR_STEPS_HPP
#define DBCT_ODBC_CONNECTOR_STEPS_HPP

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "dbct/envelope/envelope_writer.hpp"
#include "dbct/nats/connection.hpp"
#include "dbct/nats/stream.hpp"
#include "dbct/values/modes.hpp"
#include "emitted_event.hpp"
#include "heartbeats.hpp"
#include "odbc_error.hpp"
#include "runtime_sink.hpp"
#include "session.hpp"
#include "sidecar_runtime.hpp"
#include "telemetry.hpp"

namespace dbct::odbc {

// Warnings are logged as warnings, problems as errors; true when there is no problem.
template <typename Report>
bool ReportPrerequisites(const Report& report, sidecar::Telemetry& telemetry) {
  for (const auto& w : report.warnings) telemetry.Warn(w);
  for (const auto& p : report.problems) telemetry.Error(p);
  return report.problems.empty();
}

// Where a restart resumes: `choose` (the sidecar's ChooseResume) weighs the stream's last event
// against the stored position. False when they disagree: reported, and the runtime finished as
// failed.
template <typename Position, typename Choose>
bool ChooseResumeOrFail(sidecar::Runtime& runtime, sidecar::Telemetry& telemetry, Choose choose,
                        std::optional<Position>* resume) {
  std::string problem;
  *resume = choose(LastStreamPosition(runtime), runtime.StoredPosition(), &problem);
  if (problem.empty()) return true;
  telemetry.Error(problem);
  runtime.Finish(std::chrono::milliseconds(5000), nats::TrackingState::kFailed);
  return false;
}

// A stop (or snapshotMode initial_only) ends the run cleanly: exit code 0.
inline int FinishStopped(sidecar::Runtime& runtime) {
  runtime.Finish(std::chrono::milliseconds(30000), nats::TrackingState::kStopped);
  return 0;
}

// Runs the snapshot through the session; false when a stop came first (the runtime is then
// finished).
inline bool RunSnapshotStep(Session& session, sidecar::Runtime& runtime, sidecar::Telemetry& telemetry,
                            const std::atomic<bool>& stop, const std::function<void(Connection&)>& snapshot) {
  telemetry.SetState(nats::TrackingState::kSnapshotting);
  if (session.Run(snapshot, stop)) return true;
  FinishStopped(runtime);
  return false;
}

// What the streaming loop asks of a sidecar's source.
struct StreamingSteps {
  std::function<void(Connection&)> read;  // one poll or mining window
  std::function<void()> restart;          // after a lost connection, before the next read
  // How far the source has been read (its Dbct-Position text); nullopt when not yet known.
  std::function<std::optional<std::string>()> read_through;
};

// Streams until a stop: each round reads once through the session (reconnecting with backoff),
// stores how far it read and sends due heartbeats while it waits for the next poll. While the
// tracked tables are idle the source's position still moves: storing it and carrying it in
// heartbeats keeps a restart off positions the source has since removed. Exit code 0.
inline int StreamUntilStopped(Session& session, sidecar::Runtime& runtime, sidecar::Telemetry& telemetry,
                              std::atomic<bool>& stop, sidecar::Heartbeats& heartbeats,
                              std::chrono::milliseconds poll_interval, const StreamingSteps& steps) {
  using std::chrono::milliseconds;
  std::string through_text;
  const EventSink sink = PublishTo(runtime);
  auto heartbeat = [&]() { SendHeartbeatIfDue(heartbeats, through_text, sink); };

  telemetry.SetState(nats::TrackingState::kStreaming);
  bool retrying = false;
  while (!stop.load()) {
    const bool ran = session.Run(
        [&](Connection& c) {
          steps.read(c);
          if (retrying) {
            telemetry.SetState(nats::TrackingState::kStreaming);
            retrying = false;
          }
        },
        stop,
        [&](const OdbcError& e, milliseconds delay) {
          steps.restart();
          retrying = true;
          telemetry.SetState(nats::TrackingState::kRetrying, e.what());
          telemetry.Warn(std::string(e.what()) + "; reconnecting in " + std::to_string(delay.count()) + " ms");
        });
    if (!ran) break;
    if (std::optional<std::string> text = steps.read_through()) {
      if (*text != through_text) {
        through_text = std::move(*text);
        runtime.NotePosition(through_text);
      }
    }
    heartbeat();
    for (auto waited = milliseconds(0); waited < poll_interval && !stop.load(); waited += milliseconds(100)) {
      runtime.Tick(std::min(milliseconds(100), poll_interval));
      heartbeat();
    }
  }
  return FinishStopped(runtime);
}

namespace detail {

template <typename Body>
int Reporting(sidecar::Telemetry&, const std::string&, int, Body& body) {
  return body();
}

// Runs `body`; an error of one of the (unrelated) types is logged with `prefix` in front and
// gives exit code `code`.
template <typename Error, typename... More, typename Body>
int Reporting(sidecar::Telemetry& telemetry, const std::string& prefix, int code, Body& body) {
  try {
    return Reporting<More...>(telemetry, prefix, code, body);
  } catch (const Error& e) {
    telemetry.Error(prefix + e.what());
    return code;
  }
}

}  // namespace detail

// Runs `body` (returning the exit code); an error that ends the run is logged and gives exit
// code 1: an ODBC error with `where` (which server, which driver) in front, NATS and value
// errors and the sidecar's own `SourceErrors` (unrelated types) as they are.
template <typename... SourceErrors, typename Body>
int ReportingErrors(sidecar::Telemetry& telemetry, const std::string& where, Body body) {
  auto others = [&] { return detail::Reporting<nats::NatsError, values::ValueError, SourceErrors...>(telemetry, "", 1, body); };
  return detail::Reporting<OdbcError>(telemetry, where + ": ", 1, others);
}

// Runs a replay's `body` (returning the exit code): an error in the file's content
// (`InputError`, a value error) is logged after the file's name with exit code 2; a NATS error or
// one of `OtherErrors` is logged as it is with exit code 1.
template <typename InputError, typename... OtherErrors, typename Body>
int ReportingReplayErrors(sidecar::Telemetry& telemetry, const std::string& file, Body body) {
  auto input = [&] { return detail::Reporting<InputError, values::ValueError>(telemetry, file + ": ", 2, body); };
  return detail::Reporting<nats::NatsError, OtherErrors...>(telemetry, "", 1, input);
}

// The emitter settings both sidecars take alike from their Config.
template <typename Settings, typename Config>
void FillEmitterSettings(const Config& c, std::string_view version, Settings* s) {
  s->tracking = c.tracking;
  s->server_name = c.server_name;
  s->version = std::string(version);
  s->skipped_operations = c.skipped_operations;
  s->provide_transaction_metadata = c.provide_transaction_metadata;
  s->transaction_subject = nats::TransactionSubject(c.tracking);
}

// A sink printing each event's JSON as one line on stdout (replay without --publish); `line`
// is its buffer.
inline EventSink PrintTo(std::string& line) {
  return [&line](const EmittedEvent& e) {
    line.assign(e.payload);
    line.push_back('\n');
    std::fwrite(line.data(), 1, line.size(), stdout);
  };
}

// --event-time-ms: every event's ts_ms is that time, so a replay's output compares byte for byte.
inline void FixEventTime(std::function<envelope::EventTime()>& now, const std::optional<int64_t>& event_time_ms) {
  if (!event_time_ms) return;
  const int64_t ms = *event_time_ms;
  now = [ms] { return envelope::EventTime::FromMillis(ms); };
}

// Reads the replay file with `read` (the sidecar's ReadReplay); nullopt when it cannot be opened
// or read (reported: exit code 2).
template <typename Input, typename ReplayError, typename Read>
std::optional<Input> ReadReplayFile(const std::string& file, sidecar::Telemetry& telemetry, Read read) {
  std::ifstream in(file);
  if (!in) {
    telemetry.Error("could not open replay file \"" + file + "\"");
    return std::nullopt;
  }
  try {
    return read(in, file);
  } catch (const ReplayError& e) {
    telemetry.Error(e.what());
    return std::nullopt;
  }
}

// Ends a replay with --publish: waits for the acknowledgements and says how many events went to
// the stream. Exit code 0, or 1 when not all were acknowledged.
inline int FinishReplayPublish(sidecar::Runtime& runtime, const std::string& tracking) {
  const bool flushed = runtime.Finish(std::chrono::milliseconds(30000), nats::TrackingState::kStopped);
  std::fprintf(stderr, "INFO: published %llu events to stream \"%s\"\n",
               static_cast<unsigned long long>(runtime.EventsPublished()), nats::TrackingStreamName(tracking).c_str());
  return flushed ? 0 : 1;
}

}  // namespace dbct::odbc

#endif  // DBCT_ODBC_CONNECTOR_STEPS_HPP
