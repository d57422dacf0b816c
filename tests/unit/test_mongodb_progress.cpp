// dbct-mongodb's start decision, idle-position bookkeeping, heartbeats, snapshot message ids
// and lag source: plain values in, plain values out.
#include <gtest/gtest.h>

#include <bson/bson.h>

#include <string>

#include "change_translator.hpp"
#include "mongodb_position.hpp"
#include "offset_tracker.hpp"
#include "heartbeats.hpp"
#include "start_plan.hpp"

namespace dbct::mongodb {
namespace {

using sidecar::OffsetTracker;  // the sidecars' common offsets bookkeeping
using sidecar::Heartbeats;
using sidecar::HeartbeatMessage;

// Resume tokens as MongoDB 4.2+ writes them: "82", clusterTime t and i (8 hex digits each).
const char* kTokenA = R"({"_data": "8263515979000000012B022C0100296E5A1004"})";  // Timestamp(1666275705, 1)
const char* kTokenB = R"({"_data": "8263515979000000022B022C0100296E5A1004"})";  // Timestamp(1666275705, 2)
const char* kTokenC = R"({"_data": "826351597A000000012B022C0100296E5A1004"})";  // Timestamp(1666275706, 1)

MongoPosition Token(const char* json) { return *MongoPosition::Parse(json); }
MongoPosition Snap(const char* text) { return *MongoPosition::Parse(text); }

TEST(MongoDbResumeToken, ClusterTimeIsReadFromData) {
  auto at = ResumeTokenTime(kTokenA);
  ASSERT_TRUE(at);
  EXPECT_EQ(*at, (OperationTime{1666275705, 1}));
  EXPECT_EQ(*ResumeTokenTime(kTokenC), (OperationTime{1666275706, 1}));
  EXPECT_FALSE(ResumeTokenTime(R"({"_data": "01"})"));          // not a KeyString timestamp
  EXPECT_FALSE(ResumeTokenTime(R"({"_id": 1, "ts": 2})"));       // pre-4.2 token shape
  EXPECT_FALSE(ResumeTokenTime(R"({"_data": "82635159"})"));    // too short
}

TEST(MongoDbResumeToken, PositionsCompareInSourceOrder) {
  EXPECT_EQ(*ComparePositions(Token(kTokenA), Token(kTokenB)), -1);
  EXPECT_EQ(*ComparePositions(Token(kTokenC), Token(kTokenB)), 1);
  EXPECT_EQ(*ComparePositions(Token(kTokenB), Token(kTokenB)), 0);
  // A snapshot at T comes before the changes at or after T, after those before it.
  EXPECT_EQ(*ComparePositions(Token(kTokenA), Snap("snapshot-done:1666275705:1:9")), 1);
  EXPECT_EQ(*ComparePositions(Token(kTokenA), Snap("snapshot-done:1666275705:2:9")), -1);
  EXPECT_EQ(*ComparePositions(Snap("snapshot-done:1666275705:2:9"), Token(kTokenA)), 1);
  EXPECT_EQ(*ComparePositions(Snap("snapshot:1:2:3"), Snap("snapshot:1:2:4")), -1);
  EXPECT_EQ(*ComparePositions(Snap("snapshot-done:1:2:3"), Snap("snapshot:1:2:4")), 1);
  EXPECT_FALSE(ComparePositions(Token(R"({"_data": "01"})"), Token(kTokenA)));
}

TEST(MongoDbStartPlan, NothingStoredTakesTheInitialSnapshotOrStreamsFromNow) {
  StartPlan p = PlanStart(std::nullopt, std::nullopt, "initial");
  EXPECT_EQ(p.action, StartPlan::Action::kSnapshot);
  EXPECT_FALSE(p.snapshot_at);
  p = PlanStart(std::nullopt, std::nullopt, "no_data");
  EXPECT_EQ(p.action, StartPlan::Action::kStream);
  EXPECT_EQ(p.stream.kind, StreamStart::Kind::kNow);
  EXPECT_EQ(p.log, "snapshotMode no_data: streaming changes from now on");
}

TEST(MongoDbStartPlan, ResumesAfterTheStreamsLastToken) {
  StartPlan p = PlanStart(Token(kTokenB), std::nullopt, "initial");
  EXPECT_EQ(p.action, StartPlan::Action::kStream);
  EXPECT_EQ(p.stream.kind, StreamStart::Kind::kAfterToken);
  EXPECT_EQ(p.stream.resume_token, kTokenB);
  // An older offsets entry (it lags the stream by up to a second) changes nothing.
  p = PlanStart(Token(kTokenB), Token(kTokenA), "initial");
  EXPECT_EQ(p.stream.resume_token, kTokenB);
}

TEST(MongoDbStartPlan, ANewerIdleTokenInTheOffsetsEntryWins) {
  StartPlan p = PlanStart(Token(kTokenA), Token(kTokenC), "initial");
  EXPECT_EQ(p.action, StartPlan::Action::kStream);
  EXPECT_EQ(p.stream.resume_token, kTokenC);
  EXPECT_NE(p.log.find("from the offsets entry"), std::string::npos) << p.log;
  // After a finished snapshot too, and when heartbeats pushed every event out of the stream.
  p = PlanStart(Snap("snapshot-done:1666275705:1:9"), Token(kTokenC), "initial");
  EXPECT_EQ(p.stream.kind, StreamStart::Kind::kAfterToken);
  EXPECT_EQ(p.stream.resume_token, kTokenC);
  p = PlanStart(std::nullopt, Token(kTokenC), "initial");
  EXPECT_EQ(p.action, StartPlan::Action::kStream);
  EXPECT_EQ(p.stream.resume_token, kTokenC);
  // A token from before the snapshot (an older life of the tracking) is not followed.
  p = PlanStart(Snap("snapshot-done:1666275706:5:9"), Token(kTokenC), "initial");
  EXPECT_EQ(p.stream.kind, StreamStart::Kind::kAtOperationTime);
  EXPECT_EQ(p.stream.at, (OperationTime{1666275706, 5}));
}

TEST(MongoDbStartPlan, AnInterruptedSnapshotIsTakenAgainFromTheSameStartPoint) {
  for (const char* mode : {"initial", "always", "initial_only", "when_needed"}) {
    StartPlan p = PlanStart(Snap("snapshot:1700000000:12:41"), Snap("snapshot:1700000000:12:40"), mode);
    EXPECT_EQ(p.action, StartPlan::Action::kSnapshot) << mode;
    ASSERT_TRUE(p.snapshot_at) << mode;
    EXPECT_EQ(*p.snapshot_at, (OperationTime{1700000000, 12}));
    EXPECT_TRUE(p.warning);
    EXPECT_EQ(p.log,
              "the snapshot at operation time 1700000000,12 stopped after 41 documents: taking it again from the "
              "same start point (documents already published keep their message ids, so the duplicate window "
              "drops them)");
  }
}

TEST(MongoDbStartPlan, AlwaysSnapshotsOnEveryStartAndInitialOnlyNeverStreams) {
  StartPlan p = PlanStart(Token(kTokenB), std::nullopt, "always");
  EXPECT_EQ(p.action, StartPlan::Action::kSnapshot);
  EXPECT_FALSE(p.snapshot_at);
  p = PlanStart(Snap("snapshot-done:1:2:3"), std::nullopt, "initial_only");
  EXPECT_EQ(p.action, StartPlan::Action::kDone);
  p = PlanStart(Snap("snapshot-done:1:2:3"), std::nullopt, "initial");
  EXPECT_EQ(p.action, StartPlan::Action::kStream);
  EXPECT_EQ(p.stream.kind, StreamStart::Kind::kAtOperationTime);
  EXPECT_EQ(p.stream.at, (OperationTime{1, 2}));
}

TEST(SidecarOffsetTracker, StoresTheNewestAcknowledgedEvent) {
  OffsetTracker t;
  t.Sent(1, kTokenA);
  t.Sent(2, kTokenB);
  EXPECT_EQ(t.Acked(0), "");
  EXPECT_EQ(t.Acked(1), kTokenA);
  EXPECT_EQ(t.Acked(1), "");  // nothing new
  EXPECT_EQ(t.Acked(2), kTokenB);
  EXPECT_EQ(t.current(), kTokenB);
}

TEST(SidecarOffsetTracker, IdleTokenIsStoredOnlyAfterEverythingSentIsAcked) {
  OffsetTracker t;
  t.Sent(1, kTokenA);
  t.Idle(kTokenC);  // empty batch after event 1
  EXPECT_EQ(t.current(), kTokenC);
  EXPECT_EQ(t.Acked(0), "");  // event 1 not acknowledged: the idle token must wait
  EXPECT_EQ(t.Acked(1), kTokenC);
  EXPECT_EQ(t.Acked(1), "");
  // Without any event (stream just opened, captured collections idle).
  OffsetTracker idle;
  idle.Idle(kTokenA);
  EXPECT_EQ(idle.Acked(0), kTokenA);
  idle.Idle(kTokenA);
  EXPECT_EQ(idle.Acked(0), "");
  idle.Idle(kTokenC);
  EXPECT_EQ(idle.Acked(0), kTokenC);
}

TEST(SidecarOffsetTracker, AnEventAfterTheIdleTokenReplacesIt) {
  OffsetTracker t;
  t.Sent(1, kTokenA);
  t.Idle(kTokenB);
  t.Sent(2, kTokenC);
  EXPECT_EQ(t.Acked(1), kTokenA);  // not the idle token: event 2 is still in flight
  EXPECT_EQ(t.Acked(2), kTokenC);
}

TEST(SidecarOffsetTracker, ConfirmDelayKeepsTheEntryThatLongBehindTheAcknowledgements) {
  using Clock = OffsetTracker::Clock;
  const Clock::time_point t0{};
  OffsetTracker t(std::chrono::milliseconds(2000));
  t.Sent(1, kTokenA);
  EXPECT_EQ(t.Acked(1, t0), "");
  t.Sent(2, kTokenB);
  EXPECT_EQ(t.Acked(2, t0 + std::chrono::milliseconds(1000)), "");
  t.Idle(kTokenC);
  EXPECT_EQ(t.Acked(2, t0 + std::chrono::milliseconds(1500)), "");
  EXPECT_EQ(t.Acked(2, t0 + std::chrono::milliseconds(2000)), kTokenA);  // acked at t0
  EXPECT_EQ(t.Acked(2, t0 + std::chrono::milliseconds(3100)), kTokenB);
  EXPECT_EQ(t.Acked(2, t0 + std::chrono::milliseconds(3499)), "");
  EXPECT_EQ(t.Acked(2, t0 + std::chrono::milliseconds(3500)), kTokenC);
  EXPECT_EQ(t.Acked(2, t0 + std::chrono::milliseconds(9000)), "");
}

TEST(SidecarHeartbeats, DebeziumShapeEveryInterval) {
  using Clock = Heartbeats::Clock;
  const Clock::time_point t0{};
  Heartbeats off("orders", std::chrono::milliseconds(0), t0);
  EXPECT_FALSE(off.enabled());
  EXPECT_FALSE(off.Due(t0 + std::chrono::hours(1)));

  Heartbeats h("orders", std::chrono::milliseconds(1000), t0);
  EXPECT_TRUE(h.enabled());
  EXPECT_FALSE(h.Due(t0 + std::chrono::milliseconds(999)));
  EXPECT_TRUE(h.Due(t0 + std::chrono::milliseconds(1001)));
  const HeartbeatMessage& m = h.Message(1700000001001);
  EXPECT_EQ(m.subject, "dbchangetracking.orders.heartbeat");
  EXPECT_EQ(m.key, R"({"serverName":"orders"})");
  EXPECT_EQ(m.value, R"({"ts_ms":1700000001001})");
  EXPECT_EQ(m.msg_id, "orders:heartbeat:1700000001001");
  EXPECT_FALSE(h.Due(t0 + std::chrono::milliseconds(2000)));  // the interval starts again at 1001
  EXPECT_TRUE(h.Due(t0 + std::chrono::milliseconds(2001)));
}

class BsonDoc {
 public:
  explicit BsonDoc(const std::string& json) {
    bson_error_t error;
    const bool ok = bson_init_from_json(&doc_, json.data(), static_cast<ssize_t>(json.size()), &error);
    EXPECT_TRUE(ok) << error.message << " in " << json;
    if (!ok) bson_init(&doc_);
  }
  ~BsonDoc() { bson_destroy(&doc_); }
  const bson_t& get() const { return doc_; }

 private:
  bson_t doc_;
};

TranslatorSettings Settings() {
  TranslatorSettings s;
  s.server_name = "fulfillment";
  s.version = "9.9.9";
  return s;
}

TEST(MongoDbSnapshotMsgId, StartPointCollectionAndIdNotTheRowNumber) {
  MongoPosition p;
  p.kind = MongoPosition::Kind::kSnapshot;
  p.start_at = {1700000000, 12};
  p.row = 3;
  ChangeTranslator first(Settings());
  const std::string id =
      first.TranslateRead("inventory", "customers", BsonDoc(R"({"_id": {"$oid": "5d505646cf6d4fe581014ab2"}})").get(),
                          p, 1)
          .msg_id;
  EXPECT_EQ(id, R"(snapshot:1700000000:12:inventory.customers:{"$oid": "5d505646cf6d4fe581014ab2"})");
  // Taken again after a restart: another row number, the same message id.
  p.row = 1;
  ChangeTranslator again(Settings());
  EXPECT_EQ(again.TranslateRead("inventory", "customers",
                                BsonDoc(R"({"_id": {"$oid": "5d505646cf6d4fe581014ab2"}, "x": 2})").get(), p, 2)
                .msg_id,
            id);
  // Another snapshot (another start point) or collection: another id.
  p.start_at = {1700000100, 1};
  EXPECT_NE(again.TranslateRead("inventory", "customers",
                                BsonDoc(R"({"_id": {"$oid": "5d505646cf6d4fe581014ab2"}})").get(), p, 2)
                .msg_id,
            id);
  EXPECT_EQ(again.TranslateRead("inventory", "orders", BsonDoc(R"({"_id": 7})").get(), p, 2).msg_id,
            "snapshot:1700000100:1:inventory.orders:7");
  // The read that marks the snapshot done is never taken for a re-send.
  p.snapshot_done = true;
  EXPECT_EQ(again.TranslateRead("inventory", "orders", BsonDoc(R"({"_id": 7})").get(), p, 2).msg_id,
            "snapshot:1700000100:1:inventory.orders:7:done");
  p.snapshot_done = false;
  // A long _id is hashed, so the header stays short.
  const std::string long_id = R"({"_id": ")" + std::string(300, 'k') + R"("})";
  const std::string hashed = again.TranslateRead("inventory", "orders", BsonDoc(long_id).get(), p, 2).msg_id;
  EXPECT_EQ(hashed.rfind("snapshot:1700000100:1:inventory.orders:#", 0), 0u) << hashed;
  EXPECT_EQ(hashed.size(), std::string("snapshot:1700000100:1:inventory.orders:#").size() + 16);
}

TEST(MongoDbLag, SourceTimeIsWallTimeElseClusterTime) {
  ChangeTranslator t(Settings());
  const char* base = R"({"_id": {"_data": "01"}, "operationType": "insert", "ns": {"db": "d", "coll": "c"},
    "documentKey": {"_id": 1}, "fullDocument": {"_id": 1}, "clusterTime": {"$timestamp": {"t": 1700000000, "i": 3}})";
  EXPECT_EQ(t.Translate(BsonDoc(std::string(base) + "}").get(), 5).source_ts_ms, 1700000000000);
  EXPECT_EQ(t.Translate(BsonDoc(std::string(base) + R"(, "wallTime": {"$date": 1700000000456}})").get(), 5)
                .source_ts_ms,
            1700000000456);
  EXPECT_TRUE(t.Translate(BsonDoc(std::string(base) + "}").get(), 5).msg_id.empty());  // changes: the position
}

}  // namespace
}  // namespace dbct::mongodb
