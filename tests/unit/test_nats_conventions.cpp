// Names and status JSON of the NATS conventions (SPEC §4); no server needed.
#include <gtest/gtest.h>

#include "dbct/nats/control.hpp"
#include "dbct/nats/stream.hpp"

using namespace dbct::nats;

TEST(NatsConventions, TrackingStreamSpecFollowsSpec) {
  StreamSpec spec = TrackingStreamSpec("postgres-orders", StreamSettings{});
  EXPECT_EQ(spec.name, "dbchangetracking-postgres-orders-stream");
  EXPECT_EQ(spec.subjects, (std::vector<std::string>{"dbchangetracking.postgres-orders",
                                                     "dbchangetracking.postgres-orders.>"}));
  EXPECT_EQ(spec.storage, StorageType::kFile);
  EXPECT_EQ(spec.max_messages, 512);
  EXPECT_EQ(spec.max_bytes, -1);
  EXPECT_EQ(spec.max_age.count(), 0);
  EXPECT_EQ(spec.replicas, 1);
  EXPECT_EQ(spec.duplicate_window, std::chrono::minutes(2));
  EXPECT_EQ(spec.republish_source, "dbchangetracking.postgres-orders");
  EXPECT_EQ(spec.republish_destination, "dbchangetrackingprocessing.postgres-orders");
  EXPECT_EQ(TransactionSubject("a"), "dbchangetracking.a.transaction");
  EXPECT_EQ(HeartbeatSubject("a"), "dbchangetracking.a.heartbeat");
  EXPECT_EQ(LogicalMessageSubject("a"), "dbchangetracking.a.message");
}

TEST(NatsConventions, TrackingNamesAreChecked) {
  EXPECT_NO_THROW(ValidateTrackingName("a"));
  EXPECT_NO_THROW(ValidateTrackingName("orders-2"));
  EXPECT_NO_THROW(ValidateTrackingName(std::string(63, 'a')));
  for (const char* bad : {"", "-a", "a-", "A", "a.b", "a b", "a_b", "a>"}) {
    EXPECT_THROW(ValidateTrackingName(bad), NatsError) << bad;
  }
  EXPECT_THROW(ValidateTrackingName(std::string(64, 'a')), NatsError);
  try {
    ValidateTrackingName("logs");
    FAIL() << "logs accepted";
  } catch (const NatsError& e) {
    EXPECT_FALSE(e.retriable());
    EXPECT_NE(std::string(e.what()).find("reserved"), std::string::npos);
  }
}

TEST(NatsConventions, StatusJsonHasEveryField) {
  TrackingStatus status;
  status.name = "orders";
  status.type = "mysql";
  status.state = TrackingState::kRetrying;
  status.last_error = "nats down";
  status.updated_at_ms = 1735689600123;
  auto j = StatusToJson(status);
  for (const char* field : {"name", "type", "state", "host", "pid", "version", "position",
                            "events_total", "events_per_sec", "lag_ms", "last_event_at",
                            "last_error", "snapshot", "updated_at"}) {
    EXPECT_TRUE(j.contains(field)) << field;
  }
  EXPECT_EQ(j["state"], "retrying");
  EXPECT_EQ(j["updated_at"], "2025-01-01T00:00:00.123Z");
  EXPECT_TRUE(j["last_event_at"].is_null());
  EXPECT_TRUE(j["lag_ms"].is_null());
  EXPECT_EQ(j["last_error"], "nats down");
  EXPECT_GT(j["pid"].get<int64_t>(), 0);
}

TEST(NatsConventions, StatusJsonAddsExtraFieldsWithoutReplacingCommonOnes) {
  TrackingStatus status;
  status.name = "orders";
  status.type = "postgres";
  status.state = TrackingState::kStopped;
  status.last_event_at_ms = 1735689600000;
  status.extra = {{"confirmed_lsn", "0/16B3748"}, {"retained_wal_bytes", 4096}, {"name", "x"}};
  SnapshotProgress progress;
  progress.current_table = "public.orders";
  progress.rows_done = 7;
  status.snapshot = progress;
  auto j = StatusToJson(status);
  EXPECT_EQ(j["state"], "stopped");
  EXPECT_EQ(j["name"], "orders");
  EXPECT_EQ(j["confirmed_lsn"], "0/16B3748");
  EXPECT_EQ(j["retained_wal_bytes"], 4096);
  EXPECT_EQ(j["last_event_at"], "2025-01-01T00:00:00.000Z");
  EXPECT_EQ(j["snapshot"]["current_table"], "public.orders");
  EXPECT_EQ(j["snapshot"]["rows_done"], 7);
  EXPECT_TRUE(j["snapshot"]["rows_total"].is_null());
}

TEST(NatsConventions, LogLevelsParse) {
  EXPECT_EQ(ParseLogLevel("warn"), LogLevel::kWarning);
  EXPECT_EQ(ParseLogLevel("warning"), LogLevel::kWarning);
  EXPECT_EQ(ParseLogLevel("error"), LogLevel::kError);
  EXPECT_FALSE(ParseLogLevel("loud").has_value());
}

TEST(NatsConventions, StatusMessageNamesTheThing) {
  std::string message = StatusMessage("could not reach stream \"s\"", NATS_TIMEOUT);
  EXPECT_EQ(message.rfind("could not reach stream \"s\": ", 0), 0u);
  EXPECT_TRUE(IsRetriableStatus(NATS_TIMEOUT));
  EXPECT_FALSE(IsRetriableStatus(NATS_INVALID_ARG));
}
