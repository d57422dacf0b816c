// Where dbct-sqlserver starts, decided from the stream's last Dbct-Position, the offsets
// bucket's acknowledged one and snapshotMode (kept apart from the connector so it is tested).
#ifndef DBCT_SQLSERVER_START_PLAN_HPP
#define DBCT_SQLSERVER_START_PLAN_HPP

#include <optional>
#include <string>

#include "lsn.hpp"

namespace dbct::sqlserver {

// The position a restart resumes after: the stream's last event's, or the stored one when it is
// further on (polls and heartbeats move it past the last event while the tracked tables are
// idle). An empty stream is a fresh start, whatever is stored. Sets `problem` when the stream's
// position is not a SQL Server one.
std::optional<Position> ChooseResume(const std::optional<std::string>& stream_last,
                                     const std::optional<std::string>& stored, std::string* problem);

struct StartPlan {
  enum class Step {
    kStreamAt,       // resume: read from `lsn` inclusive, skipping what `resume` covers
    kStreamAfter,    // read after `lsn` (a finished snapshot, an idle position)
    kSnapshot,       // (re)take the snapshot; `snapshot_stream_after` when taken again
    kStreamFromNow,  // no snapshot wanted: from the current max LSN
  };
  Step step = Step::kStreamFromNow;
  Lsn lsn;
  std::optional<Lsn> snapshot_stream_after;
};

StartPlan PlanStart(const std::optional<Position>& resume, const std::string& snapshot_mode);

}  // namespace dbct::sqlserver

#endif  // DBCT_SQLSERVER_START_PLAN_HPP
