// Stopping the tracking of one resource, shared by dbct delete and dbct untrack.
#ifndef DBCT_CLI_STOP_TRACKING_HPP
#define DBCT_CLI_STOP_TRACKING_HPP

#include <string>

#include "cli_context.hpp"
#include "dbct/config/resource.hpp"

namespace dbct::cli {

enum class StopOutcome { kStopped, kNotFound, kFailed };

// postgres: untrack() in the resource's database. Other types run as sidecar processes that
// dbct cannot reach from here: when the status bucket shows one still running, says where and
// fails; otherwise only --drop-stream has something to do. Prints one line per resource (stdout
// on success, stderr otherwise).
StopOutcome StopResourceTracking(const GlobalOptions& options, const config::Resource& resource,
                                 bool drop_stream);

// The exit code for a set of outcomes: 1 when one failed, else 2 when one was not found, else 0.
int StopExitCode(int failed, int not_found);

}  // namespace dbct::cli

#endif  // DBCT_CLI_STOP_TRACKING_HPP
