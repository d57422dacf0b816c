#include "connector.hpp"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

#include "dbct/nats/stream.hpp"

#include "catalog.hpp"
#include "change_emitter.hpp"
#include "connection_string.hpp"
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

using std::chrono::milliseconds;

EmitterSettings MakeEmitterSettings(const Config& config) {
  EmitterSettings s;
  s.tracking = config.tracking;
  s.server_name = config.server_name;
  s.database = config.database;
  s.version = DBCT_VERSION;
  s.modes = config.modes;
  s.skipped_operations = config.skipped_operations;
  s.provide_transaction_metadata = config.provide_transaction_metadata;
  s.transaction_subject = nats::TransactionSubject(config.tracking);
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
    StreamingSource source(instances, emitter, config.fetch_size);
    const odbc::EventSink sink = odbc::PublishTo(runtime);

    std::string problem;
    const std::optional<Position> resume = ChooseResume(odbc::LastStreamPosition(runtime), runtime.StoredPosition(), &problem);
    if (!problem.empty()) {
      telemetry.Error(problem);
      runtime.Finish(milliseconds(5000), nats::TrackingState::kFailed);
      return 1;
    }
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
        telemetry.SetState(nats::TrackingState::kSnapshotting);
        Lsn at;
        if (!session.Run(
                [&](odbc::Connection& c) { at = RunSnapshot(c, instances, emitter, sink, plan.snapshot_stream_after); },
                stop)) {
          runtime.Finish(milliseconds(30000), nats::TrackingState::kStopped);
          return 0;
        }
        telemetry.Info("snapshot done: " + std::to_string(emitter.EventsEmitted()) +
                                               " rows; streaming after " + at.ToString());
        if (config.snapshot_mode == "initial_only") {
          runtime.Finish(milliseconds(30000), nats::TrackingState::kStopped);
          return 0;
        }
        source.StartAfter(at);
        break;
      }
      case StartPlan::Step::kStreamFromNow:
        telemetry.Info("streaming from the current max LSN (snapshotMode " + config.snapshot_mode + ")");
        break;
    }

    // While the tracked tables are idle the max LSN still moves: each poll stores how far it
    // read (Position::End), and heartbeats carry it, so a restart never resumes from a position
    // the CDC cleanup job has since removed.
    sidecar::Heartbeats heartbeats(config.tracking, config.heartbeat_interval);
    std::string through_text;
    auto heartbeat = [&]() { odbc::SendHeartbeatIfDue(heartbeats, through_text, sink); };

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
      if (const std::optional<Lsn> through = source.ReadThrough()) {
        std::string text = Position::End(*through).ToString();
        if (text != through_text) {
          through_text = std::move(text);
          runtime.NotePosition(through_text);
        }
      }
      heartbeat();
      for (auto waited = milliseconds(0); waited < config.poll_interval && !stop.load(); waited += milliseconds(100)) {
        runtime.Tick(std::min(milliseconds(100), config.poll_interval));
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
      const odbc::EventSink print = [&](const odbc::EmittedEvent& e) {
        line.assign(e.payload);
        line.push_back('\n');
        std::fwrite(line.data(), 1, line.size(), stdout);
      };
      for (const ChangeRow& row : input.rows) emitter.Add(row, print);
      emitter.Finish(print);
      std::fflush(stdout);
      return 0;
    }
    sidecar::Runtime runtime(runtime_settings, telemetry, nullptr);
    const odbc::EventSink publish = odbc::PublishTo(runtime);
    for (const ChangeRow& row : input.rows) emitter.Add(row, publish);
    emitter.Finish(publish);
    // The file's rows are read through its last commit LSN: stored as live polling stores it.
    if (!input.rows.empty()) runtime.NotePosition(Position::End(input.rows.back().start_lsn).ToString());
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
