#include "start_plan.hpp"

namespace dbct::mongodb {

namespace {

std::string TimeText(const OperationTime& at) { return std::to_string(at.t) + "," + std::to_string(at.i); }

}  // namespace

StartPlan PlanStart(const std::optional<MongoPosition>& stream_last, const std::optional<MongoPosition>& offsets,
                    const std::string& snapshot_mode) {
  StartPlan plan;
  std::optional<MongoPosition> resume = stream_last;
  std::string from = "the stream's last event";
  if (offsets && offsets->kind == MongoPosition::Kind::kResumeToken) {
    const std::optional<int> order = stream_last ? ComparePositions(*offsets, *stream_last) : std::optional<int>(1);
    if (order && *order > 0) {
      resume = offsets;
      from = "the offsets entry (the change stream moved on without captured changes)";
    }
  }

  if (snapshot_mode == "always" &&
      !(resume && resume->kind == MongoPosition::Kind::kSnapshot && !resume->snapshot_done)) {
    plan.action = StartPlan::Action::kSnapshot;
    plan.log = "snapshotMode always: taking a new snapshot";
    return plan;
  }
  if (!resume) {
    if (snapshot_mode == "no_data" || snapshot_mode == "never") {
      plan.action = StartPlan::Action::kStream;
      plan.log = "snapshotMode " + snapshot_mode + ": streaming changes from now on";
    } else {
      plan.action = StartPlan::Action::kSnapshot;
      plan.log = "no position yet: taking the initial snapshot";
    }
    return plan;
  }
  if (resume->kind == MongoPosition::Kind::kSnapshot && !resume->snapshot_done) {
    plan.action = StartPlan::Action::kSnapshot;
    plan.snapshot_at = resume->start_at;
    plan.warning = true;
    plan.log = "the snapshot at operation time " + TimeText(resume->start_at) + " stopped after " +
               std::to_string(resume->row) +
               " documents: taking it again from the same start point (documents already published "
               "keep their message ids, so the duplicate window drops them)";
    return plan;
  }
  if (snapshot_mode == "initial_only") {
    plan.action = StartPlan::Action::kDone;
    plan.log = "snapshotMode initial_only: the snapshot was taken already, not streaming";
    return plan;
  }
  plan.action = StartPlan::Action::kStream;
  if (resume->kind == MongoPosition::Kind::kResumeToken) {
    plan.stream.kind = StreamStart::Kind::kAfterToken;
    plan.stream.resume_token = resume->resume_token;
    plan.log = "resuming after resume token " + resume->resume_token + " from " + from;
  } else {
    plan.stream.kind = StreamStart::Kind::kAtOperationTime;
    plan.stream.at = resume->start_at;
    plan.log = "snapshot complete; streaming from its operation time " + TimeText(resume->start_at);
  }
  return plan;
}

}  // namespace dbct::mongodb
