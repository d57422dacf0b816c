// Stopping the tracking of one resource, shared by dbct delete and dbct untrack.
#ifndef DBCT_CLI_STOP_TRACKING_HPP
#define DBCT_CLI_STOP_TRACKING_HPP

#include <chrono>
#include <string>

#include "cli_context.hpp"
#include "control_plane.hpp"
#include "dbct/config/resource.hpp"

namespace dbct::cli {

enum class StopOutcome { kStopped, kNotFound, kFailed };

// How long a sidecar gets to say it is stopping, and then to finish (it flushes in-flight
// events for up to 30 s).
inline constexpr std::chrono::milliseconds kStopAnswerTimeout{5000};
inline constexpr std::chrono::milliseconds kStopFinishTimeout{45000};

// postgres: untrack() in the resource's database. Other types run as sidecar processes, on this
// machine or another: a stop request on dbchangetracking.control.NAME makes the running sidecar
// finish cleanly and exit 0. When none answers but the status bucket shows one still running,
// says where and fails. --drop-stream then deletes the stream. `command` ("dbct delete") is
// named in the sidecar's log. Prints one line per resource (stdout on success, stderr
// otherwise).
StopOutcome StopResourceTracking(const GlobalOptions& options, const config::Resource& resource,
                                 bool drop_stream, const std::string& command);

// The same for a sidecar tracking known by name only (dbct untrack NAME), over `nats`;
// `type` is the one its status reports ("mysql").
StopOutcome StopSidecarTracking(const GlobalOptions& options, CliConnection& nats,
                                const std::string& name, const std::string& type,
                                bool drop_stream, const std::string& command);

// The exit code for a set of outcomes: 1 when one failed, else 2 when one was not found, else 0.
int StopExitCode(int failed, int not_found);

}  // namespace dbct::cli

#endif  // DBCT_CLI_STOP_TRACKING_HPP
