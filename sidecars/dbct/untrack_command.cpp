// dbct untrack NAME [--drop-stream] [-d CONNINFO | -f PATH]: stops one tracking by name.
#include <iostream>

#include "commands.hpp"
#include "control_plane.hpp"
#include "postgres_tracking.hpp"
#include "resource_files.hpp"
#include "stop_tracking.hpp"

namespace dbct::cli {

int RunUntrack(const GlobalOptions& options, const UntrackOptions& untrack) {
  CheckTrackingName(untrack.name);
  if (!untrack.paths.empty()) {
    if (!untrack.conninfo.empty())
      throw BadInput("give either -f (the resource's file) or -d (a database), not both");
    for (const config::Resource& resource : LoadResourcesOrThrow(options, untrack.paths)) {
      if (resource.name != untrack.name) continue;
      const StopOutcome outcome = StopResourceTracking(options, resource, untrack.drop_stream);
      return StopExitCode(outcome == StopOutcome::kFailed, outcome == StopOutcome::kNotFound);
    }
    std::string joined;
    for (const std::string& path : untrack.paths) joined += (joined.empty() ? "" : ", ") + path;
    throw BadInput("no resource named \"" + untrack.name + "\" in " + joined);
  }
  try {
    const PgConnection pg = PgConnection::ForConninfo(untrack.conninfo);
    if (!Untrack(pg, untrack.name, untrack.drop_stream))
      throw BadInput("no tracking named \"" + untrack.name + "\" in " + pg.description());
    const std::string detail =
        "tracking stopped in " + pg.description() +
        (untrack.drop_stream ? ", its stream deleted" : ", its stream stays");
    if (options.output == OutputFormat::kJson) {
      std::cout << nlohmann::json{{"name", untrack.name}, {"action", "stopped"}, {"detail", detail}}
                       .dump()
                << std::endl;
    } else {
      std::cout << untrack.name << ": " << detail << std::endl;
    }
    return kExitOk;
  } catch (const PostgresError& e) {
    throw WorkFailed(e.what());
  }
}

}  // namespace dbct::cli
