#include "stop_tracking.hpp"

#include <unistd.h>

#include <iostream>

#include "control_request.hpp"
#include "dbct/nats/stream.hpp"
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

std::string ThisHost() {
  char buffer[256] = {0};
  if (gethostname(buffer, sizeof buffer - 1) != 0) return "?";
  return buffer;
}

void Failed(const std::string& name, const std::string& message) {
  std::cerr << "dbct: resource \"" << name << "\" " << message << std::endl;
}

std::string Seconds(std::chrono::milliseconds ms) { return std::to_string(ms.count() / 1000) + " s"; }

}  // namespace

StopOutcome StopSidecarTracking(const GlobalOptions& options, CliConnection& nats,
                                const std::string& name, const std::string& type,
                                bool drop_stream, const std::string& command) {
  const std::string program = "dbct-" + type;
  const std::string stream = nats::TrackingStreamName(name);
  const sidecar::StopAnswer answer =
      sidecar::RequestStop(*nats, name, command + " on host " + ThisHost(), kStopAnswerTimeout,
                           kStopFinishTimeout);
  const std::string where = program + " on host " + (answer.host.empty() ? "?" : answer.host) +
                            " (pid " + std::to_string(answer.pid) + ")";
  std::string stopped;
  switch (answer.outcome) {
    case sidecar::StopOutcome::kStopped:
      stopped = where + " stopped" +
                (answer.position.empty() ? std::string() : " at " + answer.position);
      break;
    case sidecar::StopOutcome::kNoAnswer:
      Failed(name, "has a listener on " + sidecar::ControlSubject(name) +
                       " that did not answer the stop request within " +
                       Seconds(kStopAnswerTimeout) + "; run delete again");
      return StopOutcome::kFailed;
    case sidecar::StopOutcome::kNotFinished:
      Failed(name, "is stopping as " + where + " but did not finish within " +
                       Seconds(kStopFinishTimeout) + "; see dbct flows status " + name);
      return StopOutcome::kFailed;
    case sidecar::StopOutcome::kFailed:
      Failed(name, "did not stop cleanly as " + where + ": " + answer.error);
      return StopOutcome::kFailed;
    case sidecar::StopOutcome::kNoSidecar: {
      // No sidecar listens: one that predates stop requests, or one not connected to NATS
      // now. When its status says it still runs, say where.
      nats::KvStorePtr bucket = OpenStatusBucket(nats);
      if (std::optional<nlohmann::json> status = ReadStatus(nats, bucket.get(), name)) {
        MarkStaleness(*status, NowMs());
        const std::string state = status->value("state", std::string());
        if (state != "stopped" && state != "failed" && state != kStateUnknown) {
          Failed(name, "is " + state + " as " + program + " on host " + FieldText(*status, "host") +
                           " (pid " + FieldText(*status, "pid") + ") but did not answer a stop request on " +
                           sidecar::ControlSubject(name) +
                           "; stop that process (the dbct run or service running it), then run " +
                           command + " again");
          return StopOutcome::kFailed;
        }
      }
      break;
    }
  }
  if (!drop_stream) {
    if (stopped.empty()) {
      Done(options, name, "none", "not running; its stream " + stream + " stays (--drop-stream deletes it)");
    } else {
      Done(options, name, "stopped", stopped + "; its stream " + stream + " stays");
    }
    return StopOutcome::kStopped;
  }
  if (DeleteStream(nats, stream)) {
    Done(options, name, stopped.empty() ? "stream-deleted" : "stopped",
         (stopped.empty() ? std::string() : stopped + "; ") + "stream " + stream + " deleted");
  } else {
    Done(options, name, stopped.empty() ? "none" : "stopped",
         stopped.empty() ? "not running and has no stream " + stream : stopped + "; it has no stream " + stream);
  }
  return StopOutcome::kStopped;
}

StopOutcome StopResourceTracking(const GlobalOptions& options, const config::Resource& resource,
                                 bool drop_stream, const std::string& command) {
  try {
    if (resource.type != config::SourceType::kPostgres) {
      GlobalOptions nats_options = options;
      nats_options.nats_url = resource.nats.url;
      if (!resource.nats.credentials.empty()) nats_options.credentials = resource.nats.credentials;
      CliConnection nats = ConnectToNats(nats_options);
      return StopSidecarTracking(options, nats, resource.name,
                                 std::string(config::SourceTypeName(resource.type)), drop_stream, command);
    }
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
  } catch (const nats::NatsError& e) {
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
