// dbct untrack NAME [--drop-stream] [-d CONNINFO | -f PATH]: stops one tracking by name.
// Without -d or -f, a tracking whose status (on NATS) says it runs as a sidecar is stopped with
// a stop request; any other goes to the database of the PG* environment variables.
#include <iostream>
#include <optional>

#include "commands.hpp"
#include "control_plane.hpp"
#include "postgres_tracking.hpp"
#include "resource_files.hpp"
#include "stop_tracking.hpp"

namespace dbct::cli {
namespace {

// A connection to NATS and the type of tracking `name` when its status says it is a sidecar's;
// nullopt when it has no status, is a postgres tracking, or NATS cannot be reached (then the
// database decides).
struct SidecarTracking {
  CliConnection nats;
  std::string type;
};
std::optional<SidecarTracking> FindSidecarTracking(const GlobalOptions& options, const std::string& name) {
  try {
    CliConnection nats = ConnectToNats(options);
    nats::KvStorePtr bucket = OpenStatusBucket(nats);
    const std::optional<nlohmann::json> status = ReadStatus(nats, bucket.get(), name);
    if (!status) return std::nullopt;
    std::string type = status->value("type", std::string());
    if (type.empty() || type == "postgres") return std::nullopt;
    return SidecarTracking{std::move(nats), std::move(type)};
  } catch (const CliError&) {
    return std::nullopt;
  } catch (const nats::NatsError&) {
    return std::nullopt;
  }
}

}  // namespace

int RunUntrack(const GlobalOptions& options, const UntrackOptions& untrack) {
  CheckTrackingName(untrack.name);
  if (!untrack.paths.empty()) {
    if (!untrack.conninfo.empty())
      throw BadInput("give either -f (the resource's file) or -d (a database), not both");
    for (const config::Resource& resource : LoadResourcesOrThrow(options, untrack.paths)) {
      if (resource.name != untrack.name) continue;
      const StopOutcome outcome = StopResourceTracking(options, resource, untrack.drop_stream, "dbct untrack");
      return StopExitCode(outcome == StopOutcome::kFailed, outcome == StopOutcome::kNotFound);
    }
    std::string joined;
    for (const std::string& path : untrack.paths) joined += (joined.empty() ? "" : ", ") + path;
    throw BadInput("no resource named \"" + untrack.name + "\" in " + joined);
  }
  if (untrack.conninfo.empty()) {
    if (auto sidecar = FindSidecarTracking(options, untrack.name)) {
      const StopOutcome outcome = StopSidecarTracking(options, sidecar->nats, untrack.name, sidecar->type,
                                                      untrack.drop_stream, "dbct untrack");
      return StopExitCode(outcome == StopOutcome::kFailed, outcome == StopOutcome::kNotFound);
    }
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
