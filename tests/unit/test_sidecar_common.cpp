// The sidecars' common pieces that need no server: Telemetry's counters and status, the
// command line every sidecar shares, the control subject. Stop requests against a real
// nats-server are in tests/integration/test_sidecar_stop_request.py.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "control_request.hpp"
#include "sidecar_main.hpp"
#include "sidecar_runtime.hpp"
#include "telemetry.hpp"

namespace {

using dbct::nats::TrackingState;
using dbct::sidecar::CommandLine;
using dbct::sidecar::Telemetry;

std::string MetricLine(const std::string& text, const std::string& prefix) {
  size_t at = text.find("\n" + prefix);
  if (at == std::string::npos) return "";
  at += 1;
  return text.substr(at, text.find('\n', at) - at);
}

int Parse(CommandLine& cli, std::vector<std::string> args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  const auto code = cli.Parse(static_cast<int>(argv.size()), argv.data());
  return code ? *code : -1;
}

}  // namespace

TEST(SidecarTelemetry, CountsEventsAndKeepsTheLastError) {
  Telemetry t("shop", "mysql");
  t.SetState(TrackingState::kRetrying, "could not connect to MySQL");
  t.CountEvent();
  t.CountEvent(dbct::nats::NowMs() - 1500);
  t.SetPosition("mariadb-bin.000001:4:0");
  t.SetState(TrackingState::kStreaming);

  const auto s = t.Snapshot();
  EXPECT_EQ(s.name, "shop");
  EXPECT_EQ(s.type, "mysql");
  EXPECT_EQ(s.state, TrackingState::kStreaming);
  EXPECT_EQ(s.events_total, 2u);
  EXPECT_GE(s.lag_ms, 1500);
  EXPECT_GT(s.last_event_at_ms, 0);
  EXPECT_EQ(s.position, "mariadb-bin.000001:4:0");
  EXPECT_EQ(s.last_error, "could not connect to MySQL");  // stays until another one

  const std::string text = t.PrometheusText();
  EXPECT_EQ(MetricLine(text, "dbct_events_total{"), "dbct_events_total{tracking=\"shop\"} 2");
  EXPECT_EQ(MetricLine(text, "dbct_state{tracking=\"shop\",state=\"streaming\"}"),
            "dbct_state{tracking=\"shop\",state=\"streaming\"} 1");
}

TEST(SidecarTelemetry, SnapshotProgressEndsWithTheSnapshot) {
  Telemetry t("shop", "mysql");
  t.SetState(TrackingState::kSnapshotting);
  dbct::nats::SnapshotProgress p;
  p.current_table = "inventory.items";
  p.rows_done = 10;
  t.SetSnapshot(p);
  ASSERT_TRUE(t.Snapshot().snapshot.has_value());
  EXPECT_NE(t.PrometheusText().find("dbct_snapshot_rows_total{tracking=\"shop\"} 10"), std::string::npos);
  t.SetState(TrackingState::kStreaming);
  EXPECT_FALSE(t.Snapshot().snapshot.has_value());
}

TEST(SidecarTelemetry, CloseWithoutNatsIsHarmless) {
  Telemetry t("shop", "mongodb");
  t.Info("before NATS: a plain line on stderr");
  t.Close();
  t.Detach();
  EXPECT_EQ(t.State(), TrackingState::kStarting);
}

TEST(SidecarControl, SubjectPerTracking) {
  EXPECT_EQ(dbct::sidecar::ControlSubject("mysql-shop"), "dbchangetracking.control.mysql-shop");
}

TEST(SidecarCommandLine, ExitCodesOfParsing) {
  CommandLine help("dbct-mysql", dbct::config::SourceType::kMySql, "dbct-mysql: test");
  testing::internal::CaptureStdout();
  EXPECT_EQ(Parse(help, {"dbct-mysql", "--help"}), dbct::sidecar::kExitOk);
  const std::string text = testing::internal::GetCapturedStdout();
  EXPECT_NE(text.find("--metrics-addr"), std::string::npos);
  EXPECT_NE(text.find("type mysql"), std::string::npos);

  CommandLine bad("dbct-mysql", dbct::config::SourceType::kMySql, "dbct-mysql: test");
  testing::internal::CaptureStderr();
  EXPECT_EQ(Parse(bad, {"dbct-mysql", "--no-such-option"}), dbct::sidecar::kExitBadInput);
  testing::internal::GetCapturedStderr();

  CommandLine required("dbct-mysql", dbct::config::SourceType::kMySql, "dbct-mysql: test");
  required.RequireManifest();
  testing::internal::CaptureStderr();
  EXPECT_EQ(Parse(required, {"dbct-mysql"}), dbct::sidecar::kExitBadInput);
  testing::internal::GetCapturedStderr();

  CommandLine replay("dbct-oracle", dbct::config::SourceType::kOracle, "dbct-oracle: test");
  replay.AddReplayOptions({"rows", "--event-time", "replay"});
  EXPECT_EQ(Parse(replay, {"dbct-oracle", "--replay", "rows.jsonl", "--publish", "--event-time", "7",
                           "--metrics-addr", ":9100"}),
            -1);
  EXPECT_EQ(replay.options.replay, "rows.jsonl");
  EXPECT_TRUE(replay.options.publish);
  EXPECT_EQ(replay.options.event_time_ms, 7);
  EXPECT_EQ(replay.options.name, "replay");
  EXPECT_EQ(replay.options.metrics_addr, ":9100");
}

TEST(SidecarCommandLine, TheManifestMustHoldOneResourceOfTheType) {
  const std::string path = testing::TempDir() + "sidecar_common_two.yaml";
  {
    std::ofstream out(path);
    for (const char* name : {"shop-a", "shop-b"}) {
      out << "apiVersion: weik.io/v1alpha1\nkind: DatabaseChangeTracking\nmetadata:\n  name: " << name
          << "\nspec:\n  type: mysql\n  parameters:\n    databaseHostname: h\n    databaseUser: u\n"
             "    databasePassword: p\n    databaseServerName: "
          << name << "\n---\n";
    }
  }
  CommandLine cli("dbct-mysql", dbct::config::SourceType::kMySql, "dbct-mysql: test");
  ASSERT_EQ(Parse(cli, {"dbct-mysql", "-f", path}), -1);
  testing::internal::CaptureStderr();
  EXPECT_FALSE(cli.LoadResource().has_value());
  EXPECT_EQ(testing::internal::GetCapturedStderr(),
            "ERROR: " + path + " holds more than one mysql resource: dbct-mysql runs one; use dbct run for several\n");

  CommandLine other("dbct-oracle", dbct::config::SourceType::kOracle, "dbct-oracle: test");
  ASSERT_EQ(Parse(other, {"dbct-oracle", "-f", path}), -1);
  testing::internal::CaptureStderr();
  EXPECT_FALSE(other.LoadResource().has_value());
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "ERROR: " + path + " holds no resource of type oracle\n");
  std::remove(path.c_str());
}

TEST(SidecarRuntime, SettingsFromAResource) {
  dbct::config::Resource r;
  r.name = "shop";
  r.type = dbct::config::SourceType::kMySql;
  r.nats.url = "nats://nats:4222";
  r.nats.stream.max_messages = 1000;
  const auto s = dbct::sidecar::RuntimeSettingsFromResource(r, "dbct-mysql");
  EXPECT_EQ(s.tracking, "shop");
  EXPECT_EQ(s.type, "mysql");
  EXPECT_EQ(s.nats.urls, std::vector<std::string>{"nats://nats:4222"});
  EXPECT_EQ(s.nats.name, "dbct-mysql shop");
  EXPECT_EQ(s.stream.max_messages, 1000);
}
