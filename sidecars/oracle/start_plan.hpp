// Where dbct-oracle starts, decided from the stream's last Dbct-Position, the offsets bucket's
// acknowledged one and snapshotMode (kept apart from the connector so it is tested).
#ifndef DBCT_ORACLE_START_PLAN_HPP
#define DBCT_ORACLE_START_PLAN_HPP

#include <optional>
#include <string>

#include "oracle/change_emitter.hpp"

namespace dbct::oracle {

// The position a restart resumes after: the stream's last event's, or the stored one when it is
// further on (mining windows and heartbeats move it while the tracked tables are idle). An empty
// stream is a fresh start. Sets `problem` when the stream's position is not an Oracle one.
std::optional<Position> ChooseResume(const std::optional<std::string>& stream_last,
                                     const std::optional<std::string>& stored, std::string* problem);

struct StartPlan {
  enum class Step {
    kMine,           // mine from `scn` (a resume position's restart SCN), skipping what it covers
    kSnapshot,       // (re)take the snapshot; `snapshot_stream_after` when taken again
    kMineFromNow,    // no snapshot wanted: from the current SCN
  };
  Step step = Step::kMineFromNow;
  uint64_t scn = 0;
  std::optional<uint64_t> snapshot_stream_after;
};

StartPlan PlanStart(const std::optional<Position>& resume, const std::string& snapshot_mode);

}  // namespace dbct::oracle

#endif  // DBCT_ORACLE_START_PLAN_HPP
