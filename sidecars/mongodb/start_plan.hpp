// Where dbct-mongodb starts, decided from plain values: the stream's last Dbct-Position, the
// offsets bucket's entry and snapshotMode. No I/O, so every case is unit-tested.
//
// Rules (Debezium's MongoDB connector, with the stream as the source of truth):
//   - the offsets entry wins over the stream's last position only when it is a resume token
//     after it (the change stream moved on while the captured collections were idle, or
//     heartbeats pushed every change out of a bounded stream);
//   - after a resume token: stream after it; after a finished snapshot: stream from its
//     operation time;
//   - after an unfinished snapshot: take it again from the same start point, so its reads get
//     the same Nats-Msg-Ids and the duplicate window drops those already published (Debezium
//     also redoes an interrupted snapshot);
//   - nothing yet: snapshot, unless snapshotMode is no_data (stream from now);
//   - always: a new snapshot on every start; initial_only: never streams.
#ifndef DBCT_MONGODB_START_PLAN_HPP
#define DBCT_MONGODB_START_PLAN_HPP

#include <optional>
#include <string>

#include "mongo_source.hpp"
#include "mongodb_position.hpp"

namespace dbct::mongodb {

struct StartPlan {
  enum class Action { kSnapshot, kStream, kDone };
  Action action = Action::kSnapshot;
  std::optional<OperationTime> snapshot_at;  // kSnapshot: redo at this start point; nullopt: now
  StreamStart stream;                        // kStream
  std::string log;                           // what and why, one line
  bool warning = false;                      // log as a warning
};

StartPlan PlanStart(const std::optional<MongoPosition>& stream_last, const std::optional<MongoPosition>& offsets,
                    const std::string& snapshot_mode);

}  // namespace dbct::mongodb

#endif  // DBCT_MONGODB_START_PLAN_HPP
