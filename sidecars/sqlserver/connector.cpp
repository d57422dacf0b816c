#include "connector.hpp"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

#include "catalog.hpp"
#include "change_emitter.hpp"
#include "connection_string.hpp"
#include "replay_file.hpp"
#include "runtime_sink.hpp"
#include "session.hpp"
#include "snapshot_source.hpp"
#include "streaming_source.hpp"

#ifndef DBCT_VERSION
#define DBCT_VERSION "0.0.0"
#endif

namespace dbct::sqlserver {

namespace {

using std::chrono::milliseconds;

EmitterSettings MakeEmitterSettings(const Config& config) {
  EmitterSettings s;
  s.tracking = config.tracking;
  s.server_name = config.server_name;
  s.database = config.database;
  s.version = DBCT_VERSION;
  s.modes = config.modes;
  s.skipped_operations = config.skipped_operations;
  return s;
}

std::string Where(const Config& c) {
  return "SQL Server at " + c.host + ":" + std::to_string(c.port) + " (database \"" + c.database + "\", driver \"" +
         c.odbc_driver + "\")";
}

}  // namespace

int RunConnector(const Config& config, const sidecar::RuntimeSettings& runtime_settings, sidecar::Telemetry& telemetry,
                 std::atomic<bool>& stop) {
  odbc::Environment env;
  odbc::ConnectOptions options;
  options.login_timeout = std::chrono::seconds(15);
  options.query_timeout = std::chrono::seconds(300);
  odbc::Session session(env, BuildConnectionString(config), options);

  // Start: the first connection and the prerequisites decide alone; a failure here is reported
  // and ends the process (a supervisor restarts it), so a wrong setting is seen at once.
  std::vector<CaptureInstance> instances;
  try {
    PrerequisiteReport report = CheckPrerequisites(session.Get(), config, &instances);
    for (const auto& w : report.warnings) telemetry.Warn(w);
    if (!report.problems.empty()) {
      for (const auto& p : report.problems) telemetry.Error(p);
      return 1;
    }
  } catch (const odbc::OdbcError& e) {
    telemetry.Error(Where(config) + ": " + e.what());
    return 1;
  }

  try {
    sidecar::Runtime runtime(runtime_settings, telemetry, &stop);
    ChangeEmitter emitter(MakeEmitterSettings(config), instances);
    StreamingSource source(instances, emitter);
    const odbc::EventSink sink = odbc::PublishTo(runtime);

    std::optional<std::string> last;
    if (auto event = runtime.LastEvent()) last = event->position;
    std::optional<Position> resume;
    if (last) {
      resume = Position::Parse(*last);
      if (!resume) {
        telemetry.Error("the stream's last Dbct-Position \"" + *last +
                        "\" is not a SQL Server position: is another tracking writing to it?");
        runtime.Finish(milliseconds(5000), nats::TrackingState::kFailed);
        return 1;
      }
    }
    if (resume && !resume->snapshot) {
      telemetry.Info("resuming after " + resume->ToString());
      emitter.ResumeAfter(resume);
      source.StartAt(resume->commit_lsn);
    } else if (resume && resume->snapshot_done) {
      telemetry.Info("snapshot done at " + resume->commit_lsn.ToString() + "; streaming after it");
      source.StartAfter(resume->commit_lsn);
    } else if (config.snapshot_mode == "initial" || config.snapshot_mode == "initial_only") {
      // No position, or a snapshot that did not finish: (re)take it.
      telemetry.SetState(nats::TrackingState::kSnapshotting);
      Lsn at;
      if (!session.Run([&](odbc::Connection& c) { at = RunSnapshot(c, instances, emitter, sink); }, stop)) {
        runtime.Finish(milliseconds(30000), nats::TrackingState::kStopped);
        return 0;
      }
      telemetry.Info("snapshot done at " + at.ToString() + ": " +
                     std::to_string(emitter.EventsEmitted()) + " rows");
      if (config.snapshot_mode == "initial_only") {
        runtime.Finish(milliseconds(30000), nats::TrackingState::kStopped);
        return 0;
      }
      source.StartAfter(at);
    } else {
      telemetry.Info("streaming from the current max LSN (snapshotMode " + config.snapshot_mode + ")");
    }

    telemetry.SetState(nats::TrackingState::kStreaming);
    bool retrying = false;
    while (!stop.load()) {
      const bool ran = session.Run(
          [&](odbc::Connection& c) {
            source.Poll(c, sink);
            if (retrying) {
              telemetry.SetState(nats::TrackingState::kStreaming);
              retrying = false;
            }
          },
          stop,
          [&](const odbc::OdbcError& e, milliseconds delay) {
            source.Restart();
            retrying = true;
            telemetry.SetState(nats::TrackingState::kRetrying, e.what());
            telemetry.Warn(std::string(e.what()) + "; reconnecting in " + std::to_string(delay.count()) + " ms");
          });
      if (!ran) break;
      for (auto waited = milliseconds(0); waited < config.poll_interval && !stop.load(); waited += milliseconds(100)) {
        runtime.Tick(std::min(milliseconds(100), config.poll_interval));
      }
    }
    runtime.Finish(milliseconds(30000), nats::TrackingState::kStopped);
    return 0;
  } catch (const nats::NatsError& e) {
    telemetry.Error(e.what());
  } catch (const odbc::OdbcError& e) {
    telemetry.Error(Where(config) + ": " + e.what());
  } catch (const LostPositionError& e) {
    telemetry.Error(e.what());
  } catch (const ChangeError& e) {
    telemetry.Error(e.what());
  } catch (const values::ValueError& e) {
    telemetry.Error(e.what());
  }
  return 1;
}

int RunReplay(const Config& config, const sidecar::RuntimeSettings& runtime_settings, sidecar::Telemetry& telemetry,
              const ReplayOptions& options) {
  ReplayInput input;
  {
    std::ifstream in(options.file);
    if (!in) {
      telemetry.Error("could not open replay file \"" + options.file + "\"");
      return 2;
    }
    try {
      input = ReadReplay(in, options.file);
    } catch (const ReplayError& e) {
      telemetry.Error(e.what());
      return 2;
    }
  }
  AssignStopLsns(input.instances);
  SortRows(input.rows);
  EmitterSettings settings = MakeEmitterSettings(config);
  if (options.event_time_ms) {
    const int64_t ms = *options.event_time_ms;
    settings.now = [ms] { return envelope::EventTime::FromMillis(ms); };
  }
  ChangeEmitter emitter(settings, input.instances);
  try {
    if (!options.publish) {
      std::string line;
      for (const ChangeRow& row : input.rows) {
        emitter.Add(row, [&](const odbc::EmittedEvent& e) {
          line.assign(e.payload);
          line.push_back('\n');
          std::fwrite(line.data(), 1, line.size(), stdout);
        });
      }
      emitter.Finish();
      std::fflush(stdout);
      return 0;
    }
    sidecar::Runtime runtime(runtime_settings, telemetry, nullptr);
    const odbc::EventSink sink = odbc::PublishTo(runtime);
    for (const ChangeRow& row : input.rows) emitter.Add(row, sink);
    emitter.Finish();
    const bool flushed = runtime.Finish(milliseconds(30000), nats::TrackingState::kStopped);
    std::fprintf(stderr, "INFO: published %llu events to stream \"%s\"\n",
                 static_cast<unsigned long long>(runtime.EventsPublished()),
                 nats::TrackingStreamName(runtime_settings.tracking).c_str());
    return flushed ? 0 : 1;
  } catch (const ChangeError& e) {
    telemetry.Error(options.file + ": " + e.what());
    return 2;
  } catch (const values::ValueError& e) {
    telemetry.Error(options.file + ": " + e.what());
    return 2;
  } catch (const nats::NatsError& e) {
    telemetry.Error(e.what());
    return 1;
  }
}

}  // namespace dbct::sqlserver
