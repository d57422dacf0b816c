// Where dbct-sqlserver starts after a restart: the stream's last position, the stored one when
// it is further on (idle polls, heartbeats), and the documented rule for a snapshot that did not
// finish (taken again, streaming after the first attempt's LSN).
#include <gtest/gtest.h>

#include "sqlserver/start_plan.hpp"

namespace dbct::sqlserver {
namespace {

std::optional<std::string> S(const char* s) { return std::string(s); }

TEST(SqlServerStartPlan, StoredPositionWinsOnlyWhenFurtherOn) {
  std::string problem;
  auto r = ChooseResume(S("00000027:00000758:0005/00000027:00000758:0003/1"), S("00000030:00000001:0001/end"), &problem);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->ToString(), "00000030:00000001:0001/end");
  // The stored position lags the stream (acknowledged later): the stream's wins.
  r = ChooseResume(S("00000027:00000758:0005/end"), S("00000027:00000758:0005/00000027:00000758:0003/1"), &problem);
  EXPECT_EQ(r->ToString(), "00000027:00000758:0005/end");
  // An empty stream is a fresh start, whatever is stored (the stream may have been deleted).
  EXPECT_FALSE(ChooseResume(std::nullopt, S("00000030:00000001:0001/end"), &problem).has_value());
  // A snapshot in progress is never overtaken by a stored position.
  r = ChooseResume(S("snapshot/00000025:00000d98:00a2/7"), S("00000030:00000001:0001/end"), &problem);
  EXPECT_TRUE(r->snapshot);
  EXPECT_TRUE(problem.empty());
  EXPECT_FALSE(ChooseResume(S("12345"), std::nullopt, &problem).has_value());
  EXPECT_EQ(problem, "the stream's last Dbct-Position \"12345\" is not a SQL Server position: is another tracking "
                     "writing to it?");
}

TEST(SqlServerStartPlan, EachStartingPoint) {
  auto plan = PlanStart(Position::Parse("00000027:00000758:0005/00000027:00000758:0003/1"), "initial");
  EXPECT_EQ(plan.step, StartPlan::Step::kStreamAt);  // the rest of that commit, skipping what is out
  EXPECT_EQ(plan.lsn.ToString(), "00000027:00000758:0005");
  plan = PlanStart(Position::Parse("00000030:00000001:0001/end"), "initial");
  EXPECT_EQ(plan.step, StartPlan::Step::kStreamAfter);
  plan = PlanStart(Position::Parse("snapshot/00000025:00000d98:00a2/9/done"), "initial");
  EXPECT_EQ(plan.step, StartPlan::Step::kStreamAfter);
  EXPECT_EQ(plan.lsn.ToString(), "00000025:00000d98:00a2");
  plan = PlanStart(std::nullopt, "initial");
  EXPECT_EQ(plan.step, StartPlan::Step::kSnapshot);
  EXPECT_FALSE(plan.snapshot_stream_after.has_value());
  // Stopped during the snapshot: taken again, streaming after the first attempt's LSN.
  plan = PlanStart(Position::Parse("snapshot/00000025:00000d98:00a2/7"), "initial");
  EXPECT_EQ(plan.step, StartPlan::Step::kSnapshot);
  ASSERT_TRUE(plan.snapshot_stream_after.has_value());
  EXPECT_EQ(plan.snapshot_stream_after->ToString(), "00000025:00000d98:00a2");
  EXPECT_EQ(PlanStart(std::nullopt, "no_data").step, StartPlan::Step::kStreamFromNow);
}

}  // namespace
}  // namespace dbct::sqlserver
