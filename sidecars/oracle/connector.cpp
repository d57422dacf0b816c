#include "oracle/connector.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "oracle/catalog.hpp"
#include "oracle/change_emitter.hpp"
#include "oracle/logminer_source.hpp"
#include "oracle/replay_file.hpp"
#include "oracle/snapshot_source.hpp"
#include "oracle/start_plan.hpp"
#include "runtime_sink.hpp"
#include "session.hpp"
#include "transaction_metadata.hpp"
#include "dbct/nats/stream.hpp"

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
  s.provide_transaction_metadata = config.provide_transaction_metadata;
  s.transaction_subject = nats::TransactionSubject(config.tracking);
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
    LogMinerSource source(tables, emitter, config.buffer_memory_limit);
    const odbc::EventSink sink = odbc::PublishTo(runtime);

    std::string problem;
    const std::optional<Position> resume = ChooseResume(odbc::LastStreamPosition(runtime), runtime.StoredPosition(), &problem);
    if (!problem.empty()) {
      telemetry.Error(problem);
      runtime.Finish(milliseconds(5000), nats::TrackingState::kFailed);
      return 1;
    }
    const StartPlan plan = PlanStart(resume, config.snapshot_mode);
    if (plan.step == StartPlan::Step::kMine) {
      telemetry.Info("resuming after " + resume->ToString());
      emitter.ResumeAfter(resume);
      source.StartAt(plan.scn);
    } else if (plan.step == StartPlan::Step::kSnapshot) {
      if (plan.snapshot_stream_after) {
        telemetry.Info("the snapshot stopped after row " + std::to_string(resume->tx_seq) +
                                               ": taking it again; mining will start after SCN " +
                                               std::to_string(*plan.snapshot_stream_after));
      }
      telemetry.SetState(nats::TrackingState::kSnapshotting);
      uint64_t scn = 0;
      if (!session.Run([&](odbc::Connection& c) { scn = RunSnapshot(c, tables, emitter, sink, plan.snapshot_stream_after); },
                       stop)) {
        runtime.Finish(milliseconds(30000), nats::TrackingState::kStopped);
        return 0;
      }
      telemetry.Info("snapshot done: " + std::to_string(emitter.EventsEmitted()) +
                                             " rows; mining after SCN " + std::to_string(scn));
      if (config.snapshot_mode == "initial_only") {
        runtime.Finish(milliseconds(30000), nats::TrackingState::kStopped);
        return 0;
      }
      Position done;
      done.commit_scn = scn;
      done.xid = "snapshot-done";
      done.restart_scn = scn;
      emitter.ResumeAfter(done);
      source.StartAt(scn + 1);
    }

    // While the tracked tables are idle the SCN still moves: each window stores how far it read
    // and heartbeats carry it, so a restart never mines from a log that is gone.
    sidecar::Heartbeats heartbeats(config.tracking, config.heartbeat_interval);
    std::string through_text;
    auto heartbeat = [&]() { odbc::SendHeartbeatIfDue(heartbeats, through_text, sink); };

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
      if (const std::optional<Position> through = source.ReadThrough()) {
        std::string text = through->ToString();
        if (text != through_text) {
          through_text = std::move(text);
          runtime.NotePosition(through_text);
        }
      }
      heartbeat();
      for (auto waited = milliseconds(0); waited < config.poll_interval && !stop.load(); waited += milliseconds(100)) {
        runtime.Tick(milliseconds(100));
        heartbeat();
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
  } catch (const SpillError& e) {
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
  TransactionBuffer buffer(config.buffer_memory_limit);
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
    uint64_t last_scn = 0;
    for (LogMinerRow& row : input.rows) {
      const uint64_t scn = row.scn;
      last_scn = std::max(last_scn, scn);
      if (auto tx = buffer.Add(std::move(row))) emitter.EmitTransaction(*tx, buffer.OldestOpenScn(scn), sink);
    }
    if (buffer.OpenTransactions() > 0) {
      telemetry.Warn(std::to_string(buffer.OpenTransactions()) +
                     " transaction(s) of " + options.file + " have no COMMIT or ROLLBACK: not emitted");
    }
    std::fflush(stdout);
    if (runtime) {
      // The file's rows are read through its last SCN: stored as a live mining window stores it
      // (restarting at the oldest transaction left open).
      if (!input.rows.empty()) {
        Position through;
        through.commit_scn = last_scn;
        through.xid = "idle";
        through.restart_scn = buffer.OldestOpenScn(last_scn + 1);
        runtime->NotePosition(through.ToString());
      }
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
  } catch (const SpillError& e) {
    telemetry.Error(e.what());
    return 1;
  } catch (const nats::NatsError& e) {
    telemetry.Error(e.what());
    return 1;
  }
}

}  // namespace dbct::oracle
