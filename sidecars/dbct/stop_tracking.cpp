#include "stop_tracking.hpp"

#include <iostream>

#include "control_plane.hpp"
#include "postgres_tracking.hpp"

namespace dbct::cli {
namespace {

void Done(const GlobalOptions& options, const std::string& name, const std::string& action,
          const std::string& detail) {
  if (options.output == OutputFormat::kJson) {
    std::cout << nlohmann::json{{"name", name}, {"action", action}, {"detail", detail}}.dump()
              << std::endl;
  } else {
    std::cout << name << ": " << detail << std::endl;
  }
}

StopOutcome StopSidecarTracking(const GlobalOptions& options, const config::Resource& resource,
                                bool drop_stream) {
  GlobalOptions nats_options = options;
  nats_options.nats_url = resource.nats.url;
  if (!resource.nats.credentials.empty()) nats_options.credentials = resource.nats.credentials;
  CliConnection nats = ConnectToNats(nats_options);
  nats::KvStorePtr bucket = OpenStatusBucket(nats);
  if (std::optional<nlohmann::json> status = ReadStatus(nats, bucket.get(), resource.name)) {
    MarkStaleness(*status, NowMs());
    const std::string state = status->value("state", std::string());
    if (state != "stopped" && state != "failed" && state != kStateUnknown) {
      std::cerr << "dbct: resource \"" << resource.name << "\" is " << state << " as "
                << "dbct-" << config::SourceTypeName(resource.type) << " on host "
                << FieldText(*status, "host") << " (pid " << FieldText(*status, "pid")
                << "); stop that process (the dbct run or service running it), then delete "
                   "again"
                << std::endl;
      return StopOutcome::kFailed;
    }
  }
  const std::string stream = resource.StreamName();
  if (!drop_stream) {
    Done(options, resource.name, "none",
         "not running; its stream " + stream + " stays (--drop-stream deletes it)");
    return StopOutcome::kStopped;
  }
  if (DeleteStream(nats, stream)) {
    Done(options, resource.name, "stream-deleted", "stream " + stream + " deleted");
  } else {
    Done(options, resource.name, "none", "not running and has no stream " + stream);
  }
  return StopOutcome::kStopped;
}

}  // namespace

StopOutcome StopResourceTracking(const GlobalOptions& options, const config::Resource& resource,
                                 bool drop_stream) {
  try {
    if (resource.type != config::SourceType::kPostgres)
      return StopSidecarTracking(options, resource, drop_stream);
    const PgConnection pg = PgConnection::ForResource(resource);
    if (!Untrack(pg, resource.name, drop_stream)) {
      std::cerr << "dbct: no tracking named \"" << resource.name << "\" in " << pg.description()
                << std::endl;
      return StopOutcome::kNotFound;
    }
    Done(options, resource.name, "stopped",
         "tracking stopped in " + pg.description() +
             (drop_stream ? ", its stream deleted"
                          : ", its stream " + resource.StreamName() + " stays"));
    return StopOutcome::kStopped;
  } catch (const PostgresError& e) {
    std::cerr << "dbct: resource \"" << resource.name << "\": " << e.what() << std::endl;
  } catch (const CliError& e) {
    std::cerr << "dbct: resource \"" << resource.name << "\": " << e.what() << std::endl;
  }
  return StopOutcome::kFailed;
}

int StopExitCode(int failed, int not_found) {
  if (failed > 0) return kExitFailure;
  if (not_found > 0) return kExitBadInput;
  return kExitOk;
}

}  // namespace dbct::cli
