#include "oracle/connector.hpp"

#include <cstdio>
#include <fstream>

#include "oracle/catalog.hpp"
#include "oracle/change_emitter.hpp"
#include "oracle/logminer_source.hpp"
#include "oracle/replay_file.hpp"
#include "oracle/snapshot_source.hpp"
#include "runtime_sink.hpp"
#include "session.hpp"

#ifndef DBCT_VERSION
#define DBCT_VERSION "0.0.0"
#endif

namespace dbct::oracle {

namespace {

using std::chrono::milliseconds;

EmitterSettings MakeEmitterSettings(const Config& config) {
  EmitterSettings s;
  s.tracking = config.tracking;
  s.server_name = config.server_name;
  s.database = config.SourceDb();
  s.version = DBCT_VERSION;
  s.values = config.values;
  s.skipped_operations = config.skipped_operations;
  return s;
}

std::string Where(const Config& c) {
  return "Oracle at " + c.host + ":" + std::to_string(c.port) + " (service \"" +
         (c.pdb.empty() ? c.database : c.pdb) + "\", driver \"" + c.odbc_driver + "\")";
}

}  // namespace

int RunConnector(const Config& config, const sidecar::RuntimeSettings& runtime_settings, sidecar::Telemetry& telemetry,
                 std::atomic<bool>& stop) {
  odbc::Environment env;
  odbc::ConnectOptions options;
  options.login_timeout = std::chrono::seconds(15);
  odbc::Session session(env, BuildConnectionString(config), options);

  std::map<std::string, OracleTable> tables;
  try {
    odbc::Connection& c = session.Get();
    SetSessionFormats(c);
    PrerequisiteReport report = CheckPrerequisites(c, config, &tables);
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
    ChangeEmitter emitter(MakeEmitterSettings(config), tables);
    LogMinerSource source(tables, emitter);
    const odbc::EventSink sink = odbc::PublishTo(runtime);

    std::optional<Position> resume;
    if (auto last = runtime.LastEvent()) {
      resume = Position::Parse(last->position);
      if (!resume) {
        telemetry.Error("the stream's last Dbct-Position \"" + last->position +
                        "\" is not an Oracle position: is another tracking writing to it?");
        return 1;
      }
    }
    if (resume && resume->xid != "snapshot") {
      telemetry.Info("resuming after " + resume->ToString());
      emitter.ResumeAfter(resume);
      source.StartAt(resume->restart_scn);
    } else if (config.snapshot_mode == "initial" || config.snapshot_mode == "initial_only") {
      telemetry.SetState(nats::TrackingState::kSnapshotting);
      uint64_t scn = 0;
      if (!session.Run([&](odbc::Connection& c) { scn = RunSnapshot(c, tables, emitter, sink); }, stop)) {
        runtime.Finish(milliseconds(30000), nats::TrackingState::kStopped);
        return 0;
      }
      telemetry.Info("snapshot done at SCN " + std::to_string(scn));
      if (config.snapshot_mode == "initial_only") {
        runtime.Finish(milliseconds(30000), nats::TrackingState::kStopped);
        return 0;
      }
      Position done;
      done.commit_scn = scn;
      done.xid = "snapshot-done";
      emitter.ResumeAfter(done);
      source.StartAt(scn + 1);
    }

    telemetry.SetState(nats::TrackingState::kStreaming);
    while (!stop.load()) {
      const bool ran = session.Run(
          [&](odbc::Connection& c) {
            SetSessionFormats(c);
            source.Mine(c, sink);
          },
          stop,
          [&](const odbc::OdbcError& e, milliseconds delay) {
            source.Restart();
            telemetry.SetState(nats::TrackingState::kRetrying, e.what());
            telemetry.Warn(std::string(e.what()) + "; reconnecting in " + std::to_string(delay.count()) + " ms");
          });
      if (!ran) break;
      telemetry.SetState(nats::TrackingState::kStreaming);
      for (auto waited = milliseconds(0); waited < config.poll_interval && !stop.load(); waited += milliseconds(100)) {
        runtime.Tick(milliseconds(100));
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
  } catch (const RedoParseError& e) {
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
  EmitterSettings settings = MakeEmitterSettings(config);
  if (options.event_time_ms) {
    const int64_t ms = *options.event_time_ms;
    settings.now = [ms] { return envelope::EventTime::FromMillis(ms); };
  }
  ChangeEmitter emitter(settings, input.tables);
  TransactionBuffer buffer;
  std::unique_ptr<sidecar::Runtime> runtime;
  std::string line;
  odbc::EventSink sink = [&](const odbc::EmittedEvent& e) {
    line.assign(e.payload);
    line.push_back('\n');
    std::fwrite(line.data(), 1, line.size(), stdout);
  };
  try {
    if (options.publish) {
      runtime = std::make_unique<sidecar::Runtime>(runtime_settings, telemetry, nullptr);
      sink = odbc::PublishTo(*runtime);
    }
    for (LogMinerRow& row : input.rows) {
      const uint64_t scn = row.scn;
      if (auto tx = buffer.Add(std::move(row))) emitter.EmitTransaction(*tx, buffer.OldestOpenScn(scn), sink);
    }
    if (buffer.OpenTransactions() > 0) {
      telemetry.Warn(std::to_string(buffer.OpenTransactions()) +
                     " transaction(s) of " + options.file + " have no COMMIT or ROLLBACK: not emitted");
    }
    std::fflush(stdout);
    if (runtime) {
      const bool flushed = runtime->Finish(milliseconds(30000), nats::TrackingState::kStopped);
      std::fprintf(stderr, "INFO: published %llu events to stream \"%s\"\n",
                   static_cast<unsigned long long>(runtime->EventsPublished()),
                   nats::TrackingStreamName(runtime_settings.tracking).c_str());
      return flushed ? 0 : 1;
    }
    return 0;
  } catch (const RedoParseError& e) {
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

}  // namespace dbct::oracle
