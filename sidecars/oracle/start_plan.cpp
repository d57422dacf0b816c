#include "oracle/start_plan.hpp"

namespace dbct::oracle {

std::optional<Position> ChooseResume(const std::optional<std::string>& stream_last,
                                     const std::optional<std::string>& stored, std::string* problem) {
  if (!stream_last) return std::nullopt;
  std::optional<Position> resume = Position::Parse(*stream_last);
  if (!resume) {
    *problem = "the stream's last Dbct-Position \"" + *stream_last +
               "\" is not an Oracle position: is another tracking writing to it?";
    return std::nullopt;
  }
  if (resume->Snapshot() || !stored) return resume;
  const std::optional<Position> at = Position::Parse(*stored);
  if (at && !at->Snapshot() && resume->Compare(*at) < 0) return at;
  return resume;
}

StartPlan PlanStart(const std::optional<Position>& resume, const std::string& snapshot_mode) {
  StartPlan plan;
  if (resume && !resume->Snapshot()) {
    plan.step = StartPlan::Step::kMine;
    plan.scn = resume->restart_scn;
  } else if (snapshot_mode == "initial" || snapshot_mode == "initial_only") {
    // No position, or a snapshot that did not finish: (re)take it; one taken again mines after
    // the first attempt's SCN (see RunSnapshot).
    plan.step = StartPlan::Step::kSnapshot;
    if (resume) plan.snapshot_stream_after = resume->commit_scn;
  }
  return plan;
}

}  // namespace dbct::oracle
