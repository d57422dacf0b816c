#include "connector.hpp"

#include <cstdio>

#include "dbct/nats/stream.hpp"

#include "catalog.hpp"
#include "change_emitter.hpp"
#include "connection_string.hpp"
#include "connector_steps.hpp"
#include "replay_file.hpp"
#include "runtime_sink.hpp"
#include "session.hpp"
#include "snapshot_source.hpp"
#include "start_plan.hpp"
#include "streaming_source.hpp"
#include "transaction_metadata.hpp"

#ifndef DBCT_VERSION
#define DBCT_VERSION "0.0.0"
#endif

namespace dbct::sqlserver {

namespace {

EmitterSettings MakeEmitterSettings(const Config& config) {
  EmitterSettings s;
  odbc::FillEmitterSettings(config, DBCT_VERSION, &s);
  s.database = config.database;
  s.modes = config.modes;
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
  const int checked = odbc::ReportingErrors<>(telemetry, Where(config), [&] {
    return odbc::ReportPrerequisites(CheckPrerequisites(session.Get(), config, &instances), telemetry) ? 0 : 1;
  });
  if (checked != 0) return checked;

  return odbc::ReportingErrors<LostPositionError, ChangeError>(telemetry, Where(config), [&] {
    sidecar::Runtime runtime(runtime_settings, telemetry, &stop);
    ChangeEmitter emitter(MakeEmitterSettings(config), instances);
    StreamingSource source(instances, emitter, config.fetch_size);
    const odbc::EventSink sink = odbc::PublishTo(runtime);

    std::optional<Position> resume;
    if (!odbc::ChooseResumeOrFail(runtime, telemetry, ChooseResume, &resume)) return 1;
    const StartPlan plan = PlanStart(resume, config.snapshot_mode);
    switch (plan.step) {
      case StartPlan::Step::kStreamAt:
      case StartPlan::Step::kStreamAfter:
        telemetry.Info("resuming after " + resume->ToString());
        if (!resume->snapshot) emitter.ResumeAfter(resume);
        if (plan.step == StartPlan::Step::kStreamAt) {
          source.StartAt(plan.lsn);
        } else {
          source.StartAfter(plan.lsn);
        }
        break;
      case StartPlan::Step::kSnapshot: {
        if (plan.snapshot_stream_after) {
          telemetry.Info("the snapshot stopped after row " + std::to_string(resume->serial) +
                                                 ": taking it again; streaming will start after " +
                                                 plan.snapshot_stream_after->ToString());
        }
        Lsn at;
        if (!odbc::RunSnapshotStep(session, runtime, telemetry, stop, [&](odbc::Connection& c) {
              at = RunSnapshot(c, instances, emitter, sink, plan.snapshot_stream_after);
            })) {
          return 0;
        }
        telemetry.Info("snapshot done: " + std::to_string(emitter.EventsEmitted()) +
                                               " rows; streaming after " + at.ToString());
        if (config.snapshot_mode == "initial_only") return odbc::FinishStopped(runtime);
        source.StartAfter(at);
        break;
      }
      case StartPlan::Step::kStreamFromNow:
        telemetry.Info("streaming from the current max LSN (snapshotMode " + config.snapshot_mode + ")");
        break;
    }

    // Each poll stores how far it read (Position::End; the max LSN moves while the tables are
    // idle), so a restart never resumes from a position the CDC cleanup job has since removed.
    sidecar::Heartbeats heartbeats(config.tracking, config.heartbeat_interval);
    odbc::StreamingSteps steps;
    steps.read = [&](odbc::Connection& c) { source.Poll(c, sink); };
    steps.restart = [&] { source.Restart(); };
    steps.read_through = [&]() -> std::optional<std::string> {
      if (const std::optional<Lsn> through = source.ReadThrough()) return Position::End(*through).ToString();
      return std::nullopt;
    };
    return odbc::StreamUntilStopped(session, runtime, telemetry, stop, heartbeats, config.poll_interval, steps);
  });
}

int RunReplay(const Config& config, const sidecar::RuntimeSettings& runtime_settings, sidecar::Telemetry& telemetry,
              const ReplayOptions& options) {
  std::optional<ReplayInput> input = odbc::ReadReplayFile<ReplayInput, ReplayError>(options.file, telemetry, ReadReplay);
  if (!input) return 2;
  AssignStopLsns(input->instances);
  SortRows(input->rows);
  EmitterSettings settings = MakeEmitterSettings(config);
  odbc::FixEventTime(settings.now, options.event_time_ms);
  ChangeEmitter emitter(settings, input->instances);
  return odbc::ReportingReplayErrors<ChangeError>(telemetry, options.file, [&] {
    if (!options.publish) {
      std::string line;
      const odbc::EventSink print = odbc::PrintTo(line);
      for (const ChangeRow& row : input->rows) emitter.Add(row, print);
      emitter.Finish(print);
      std::fflush(stdout);
      return 0;
    }
    sidecar::Runtime runtime(runtime_settings, telemetry, nullptr);
    const odbc::EventSink publish = odbc::PublishTo(runtime);
    for (const ChangeRow& row : input->rows) emitter.Add(row, publish);
    emitter.Finish(publish);
    // The file's rows are read through its last commit LSN: stored as live polling stores it.
    if (!input->rows.empty()) runtime.NotePosition(Position::End(input->rows.back().start_lsn).ToString());
    return odbc::FinishReplayPublish(runtime, runtime_settings.tracking);
  });
}

}  // namespace dbct::sqlserver
