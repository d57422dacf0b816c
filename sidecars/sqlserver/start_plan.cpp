#include "start_plan.hpp"

namespace dbct::sqlserver {

std::optional<Position> ChooseResume(const std::optional<std::string>& stream_last,
                                     const std::optional<std::string>& stored, std::string* problem) {
  if (!stream_last) return std::nullopt;
  std::optional<Position> resume = Position::Parse(*stream_last);
  if (!resume) {
    *problem = "the stream's last Dbct-Position \"" + *stream_last +
               "\" is not a SQL Server position: is another tracking writing to it?";
    return std::nullopt;
  }
  if (resume->snapshot || !stored) return resume;
  const std::optional<Position> at = Position::Parse(*stored);
  if (at && !at->snapshot && resume->Compare(*at) < 0) return at;
  return resume;
}

StartPlan PlanStart(const std::optional<Position>& resume, const std::string& snapshot_mode) {
  StartPlan plan;
  if (resume && !resume->snapshot) {
    plan.step = resume->mark == Position::Mark::kEnd ? StartPlan::Step::kStreamAfter : StartPlan::Step::kStreamAt;
    plan.lsn = resume->commit_lsn;
  } else if (resume && resume->snapshot_done) {
    plan.step = StartPlan::Step::kStreamAfter;
    plan.lsn = resume->commit_lsn;
  } else if (snapshot_mode == "initial" || snapshot_mode == "initial_only") {
    // No position, or a snapshot that did not finish: (re)take it; one taken again streams
    // after the first attempt's LSN (see RunSnapshot).
    plan.step = StartPlan::Step::kSnapshot;
    if (resume) plan.snapshot_stream_after = resume->commit_lsn;
  }
  return plan;
}

}  // namespace dbct::sqlserver
