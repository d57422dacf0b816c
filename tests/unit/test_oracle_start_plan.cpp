// Where dbct-oracle starts after a restart (see test_sqlserver_start_plan.cpp for the rules).
#include <gtest/gtest.h>

#include "oracle/start_plan.hpp"

namespace dbct::oracle {
namespace {

std::optional<std::string> S(const char* s) { return std::string(s); }

TEST(OracleStartPlan, StoredPositionWinsOnlyWhenFurtherOn) {
  std::string problem;
  auto r = ChooseResume(S("2122402/0d000e0014050000/1@2122401"), S("2200000/idle/0@2122401"), &problem);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->ToString(), "2200000/idle/0@2122401");
  r = ChooseResume(S("2122402/0d000e0014050000/end@2122401"), S("2122402/0d000e0014050000/1@2122401"), &problem);
  EXPECT_EQ(r->ToString(), "2122402/0d000e0014050000/end@2122401");
  EXPECT_FALSE(ChooseResume(std::nullopt, S("2200000/idle/0@2122401"), &problem).has_value());
  r = ChooseResume(S("1000/snapshot/7@1000"), S("2200000/idle/0@2122401"), &problem);
  EXPECT_TRUE(r->Snapshot());
  EXPECT_TRUE(problem.empty());
  EXPECT_FALSE(ChooseResume(S("00000027:00000758:0005/end"), std::nullopt, &problem).has_value());
  EXPECT_NE(problem.find("is not an Oracle position"), std::string::npos);
}

TEST(OracleStartPlan, EachStartingPoint) {
  auto plan = PlanStart(Position::Parse("2200000/idle/0@2122401"), "initial");
  EXPECT_EQ(plan.step, StartPlan::Step::kMine);
  EXPECT_EQ(plan.scn, 2122401u);  // the oldest transaction still open then
  plan = PlanStart(Position::Parse("1000/snapshot-done/9@1000"), "initial");
  EXPECT_EQ(plan.step, StartPlan::Step::kMine);
  plan = PlanStart(Position::Parse("1000/snapshot/7@1000"), "initial");
  EXPECT_EQ(plan.step, StartPlan::Step::kSnapshot);
  ASSERT_TRUE(plan.snapshot_stream_after.has_value());
  EXPECT_EQ(*plan.snapshot_stream_after, 1000u);
  EXPECT_EQ(PlanStart(std::nullopt, "initial").step, StartPlan::Step::kSnapshot);
  EXPECT_EQ(PlanStart(std::nullopt, "never").step, StartPlan::Step::kMineFromNow);
}

}  // namespace
}  // namespace dbct::oracle
