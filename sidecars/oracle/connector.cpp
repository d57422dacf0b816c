#include "oracle/connector.hpp"

#include <algorithm>
#include <cstdio>
#include <memory>

#include "oracle/catalog.hpp"
#include "oracle/change_emitter.hpp"
#include "oracle/logminer_source.hpp"
#include "oracle/replay_file.hpp"
#include "oracle/snapshot_source.hpp"
#include "oracle/start_plan.hpp"
#include "connector_steps.hpp"
#include "runtime_sink.hpp"
#include "session.hpp"
#include "transaction_metadata.hpp"
#include "dbct/nats/stream.hpp"

#ifndef DBCT_VERSION
#define DBCT_VERSION "0.0.0"
#endif

namespace dbct::oracle {

namespace {

EmitterSettings MakeEmitterSettings(const Config& config) {
  EmitterSettings s;
  odbc::FillEmitterSettings(config, DBCT_VERSION, &s);
  s.database = config.SourceDb();
  s.values = config.values;
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
  const int checked = odbc::ReportingErrors<>(telemetry, Where(config), [&] {
    odbc::Connection& c = session.Get();
    SetSessionFormats(c);
    return odbc::ReportPrerequisites(CheckPrerequisites(c, config, &tables), telemetry) ? 0 : 1;
  });
  if (checked != 0) return checked;

  return odbc::ReportingErrors<LostPositionError, RedoParseError, SpillError>(telemetry, Where(config), [&] {
    sidecar::Runtime runtime(runtime_settings, telemetry, &stop);
    ChangeEmitter emitter(MakeEmitterSettings(config), tables);
    LogMinerSource source(tables, emitter, config.buffer_memory_limit);
    const odbc::EventSink sink = odbc::PublishTo(runtime);

    std::optional<Position> resume;
    if (!odbc::ChooseResumeOrFail(runtime, telemetry, ChooseResume, &resume)) return 1;
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
      uint64_t scn = 0;
      if (!odbc::RunSnapshotStep(session, runtime, telemetry, stop, [&](odbc::Connection& c) {
            scn = RunSnapshot(c, tables, emitter, sink, plan.snapshot_stream_after);
          })) {
        return 0;
      }
      telemetry.Info("snapshot done: " + std::to_string(emitter.EventsEmitted()) +
                                             " rows; mining after SCN " + std::to_string(scn));
      if (config.snapshot_mode == "initial_only") return odbc::FinishStopped(runtime);
      Position done;
      done.commit_scn = scn;
      done.xid = "snapshot-done";
      done.restart_scn = scn;
      emitter.ResumeAfter(done);
      source.StartAt(scn + 1);
    }

    // Each mining window stores how far it read (the SCN moves while the tables are idle), so a
    // restart never mines from a log that is gone.
    sidecar::Heartbeats heartbeats(config.tracking, config.heartbeat_interval);
    odbc::StreamingSteps steps;
    steps.read = [&](odbc::Connection& c) {
      SetSessionFormats(c);
      source.Mine(c, sink);
    };
    steps.restart = [&] { source.Restart(); };
    steps.read_through = [&]() -> std::optional<std::string> {
      if (const std::optional<Position> through = source.ReadThrough()) return through->ToString();
      return std::nullopt;
    };
    return odbc::StreamUntilStopped(session, runtime, telemetry, stop, heartbeats, config.poll_interval, steps);
  });
}

int RunReplay(const Config& config, const sidecar::RuntimeSettings& runtime_settings, sidecar::Telemetry& telemetry,
              const ReplayOptions& options) {
  std::optional<ReplayInput> input = odbc::ReadReplayFile<ReplayInput, ReplayError>(options.file, telemetry, ReadReplay);
  if (!input) return 2;
  EmitterSettings settings = MakeEmitterSettings(config);
  odbc::FixEventTime(settings.now, options.event_time_ms);
  ChangeEmitter emitter(settings, input->tables);
  TransactionBuffer buffer(config.buffer_memory_limit);
  std::unique_ptr<sidecar::Runtime> runtime;
  std::string line;
  odbc::EventSink sink = odbc::PrintTo(line);
  return odbc::ReportingReplayErrors<RedoParseError, SpillError>(telemetry, options.file, [&] {
    if (options.publish) {
      runtime = std::make_unique<sidecar::Runtime>(runtime_settings, telemetry, nullptr);
      sink = odbc::PublishTo(*runtime);
    }
    uint64_t last_scn = 0;
    for (LogMinerRow& row : input->rows) {
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
      if (!input->rows.empty()) {
        Position through;
        through.commit_scn = last_scn;
        through.xid = "idle";
        through.restart_scn = buffer.OldestOpenScn(last_scn + 1);
        runtime->NotePosition(through.ToString());
      }
      return odbc::FinishReplayPublish(*runtime, runtime_settings.tracking);
    }
    return 0;
  });
}

}  // namespace dbct::oracle
