// dbct delete -f PATH [--drop-stream]: stops the trackings of the resources in PATH.
#include "commands.hpp"
#include "resource_files.hpp"
#include "stop_tracking.hpp"

namespace dbct::cli {

int RunDelete(const GlobalOptions& options, const DeleteOptions& remove) {
  int failed = 0, not_found = 0;
  for (const config::Resource& resource : LoadResourcesOrThrow(options, remove.paths)) {
    switch (StopResourceTracking(options, resource, remove.drop_stream, "dbct delete")) {
      case StopOutcome::kStopped:
        break;
      case StopOutcome::kNotFound:
        not_found++;
        break;
      case StopOutcome::kFailed:
        failed++;
        break;
    }
  }
  return StopExitCode(failed, not_found);
}

}  // namespace dbct::cli
