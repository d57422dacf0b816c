// Helpers of the resource parser: name filters, durations, secrets, suggestions.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "dbct/config/duration.hpp"
#include "dbct/config/name_filter.hpp"
#include "dbct/config/parameter_catalog.hpp"
#include "dbct/config/secrets.hpp"
#include "dbct/config/suggest.hpp"

namespace dbct::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(NameFilter, SplitsTrimmedItems) {
  EXPECT_THAT(SplitList(" public.orders ,public.items,, "),
              ElementsAre("public.orders", "public.items"));
  EXPECT_THAT(SplitList("a{1,3},[x,y]z,b\\,c"), ElementsAre("a{1,3}", "[x,y]z", "b,c"));
  EXPECT_TRUE(SplitList("").empty());
}

TEST(NameFilter, IncludeListWins) {
  std::string error;
  auto filter = NameFilter::Create("public.orders, inventory\\..*", "public.orders", &error);
  ASSERT_TRUE(filter) << error;
  EXPECT_TRUE(filter->Matches("public.orders"));
  EXPECT_TRUE(filter->Matches("inventory.stock"));
  EXPECT_FALSE(filter->Matches("public.customers"));
  // The whole identifier must match, not a part of it.
  EXPECT_FALSE(filter->Matches("public.orders_archive"));
  EXPECT_FALSE(filter->Matches("x.public.orders"));
  // Case-insensitive, as in Debezium.
  EXPECT_TRUE(filter->Matches("PUBLIC.Orders"));
}

TEST(NameFilter, ExcludeListAlone) {
  std::string error;
  auto filter = NameFilter::Create("", "public\\.audit_.*, public.tmp", &error);
  ASSERT_TRUE(filter) << error;
  EXPECT_TRUE(filter->Matches("public.orders"));
  EXPECT_FALSE(filter->Matches("public.audit_2024"));
  EXPECT_FALSE(filter->Matches("public.tmp"));
  EXPECT_FALSE(filter->MatchesEverything());
  EXPECT_TRUE(NameFilter().Matches("anything.at.all"));
  EXPECT_TRUE(NameFilter().MatchesEverything());
}

TEST(NameFilter, UnmatchedIncludeItemsAreTheEntriesNamingNothing) {
  std::string error;
  auto filter = NameFilter::Create("shop\\.orders, shop.nosuch, other\\..*, SHOP.ITEMS", "", &error);
  ASSERT_TRUE(filter) << error;
  const std::vector<std::string> tables = {"shop.orders", "shop.items", "shop.nosuch_archive"};
  // In list order, as written; case-insensitive and whole-name as Matches().
  EXPECT_THAT(filter->UnmatchedIncludeItems(tables), ElementsAre("shop.nosuch", "other\\..*"));
  EXPECT_THAT(filter->UnmatchedIncludeItems({}),
              ElementsAre("shop\\.orders", "shop.nosuch", "other\\..*", "SHOP.ITEMS"));
  EXPECT_TRUE(NameFilter().UnmatchedIncludeItems({}).empty());
}

TEST(NameFilter, BadRegexIsNamed) {
  std::string error;
  EXPECT_FALSE(NameFilter::Create("public.orders, public.(items", "", &error));
  EXPECT_EQ(error, "entry \"public.(items\" is not a valid regular expression");
  EXPECT_FALSE(NameFilter::Create("", "[abc", &error));
  EXPECT_THAT(error, HasSubstr("\"[abc\""));
}

TEST(Duration, ParsesGoStyle) {
  using namespace std::chrono;
  EXPECT_EQ(ParseDuration("0"), nanoseconds(0));
  EXPECT_EQ(ParseDuration("2m"), minutes(2));
  EXPECT_EQ(ParseDuration("1h30m"), minutes(90));
  EXPECT_EQ(ParseDuration("500ms"), milliseconds(500));
  EXPECT_EQ(ParseDuration("7d"), hours(168));
  EXPECT_EQ(ParseDuration(" 45s "), seconds(45));
  EXPECT_EQ(ParseDuration("10us"), microseconds(10));
  EXPECT_FALSE(ParseDuration("10"));  // a unit is needed
  EXPECT_FALSE(ParseDuration(""));
  EXPECT_FALSE(ParseDuration("2 minutes"));
  EXPECT_FALSE(ParseDuration("-1s"));
  EXPECT_FALSE(ParseDuration("1.5s"));
  EXPECT_FALSE(ParseDuration("99999999999999999999h"));
  EXPECT_EQ(FormatDuration(minutes(90)), "1h30m");
  EXPECT_EQ(FormatDuration(nanoseconds(0)), "0");
  EXPECT_EQ(FormatDuration(milliseconds(1500)), "1s500ms");
}

TEST(Secrets, NamesThatHoldSecrets) {
  for (const char* name : {"databasePassword", "databaseSslpassword", "nats.password", "token",
                           "apiSecret", "mongodbConnectionString", "awsCredentials", "PASSWORD"}) {
    EXPECT_TRUE(IsSecretName(name)) << name;
  }
  for (const char* name : {"databaseHostname", "databaseUser", "tableIncludeList"}) {
    EXPECT_FALSE(IsSecretName(name)) << name;
  }
  EXPECT_EQ(DisplayValue("databasePassword", "hunter2"), "******");
  EXPECT_EQ(DisplayValue("databasePassword", ""), "");
  EXPECT_EQ(DisplayValue("databaseUser", "app"), "app");
}

TEST(Secrets, UrlPasswordsAreMasked) {
  EXPECT_EQ(MaskUrlCredentials("nats://me:pw@host:4222"), "nats://me:******@host:4222");
  EXPECT_EQ(MaskUrlCredentials("nats://TOKEN@host:4222"), "nats://******@host:4222");
  EXPECT_EQ(MaskUrlCredentials("nats://host:4222"), "nats://host:4222");
  EXPECT_EQ(MaskUrlCredentials("nats://a:b@h1:4222,nats://h2:4222"),
            "nats://a:******@h1:4222,nats://h2:4222");
  EXPECT_EQ(MaskUrlCredentials("mongodb://u:p@h/db?x=y@z"), "mongodb://u:******@h/db?x=y@z");
}

TEST(Suggest, EditDistanceIgnoresCase) {
  EXPECT_EQ(EditDistance("tableIncludelist", "tableIncludeList"), 0u);
  EXPECT_EQ(EditDistance("tabelIncludeList", "tableIncludeList"), 1u);  // a swap
  EXPECT_EQ(EditDistance("abc", ""), 3u);
  EXPECT_EQ(ClosestMatch("snapshotMod", {"snapshotMode", "slotName"}), "snapshotMode");
  EXPECT_FALSE(ClosestMatch("completelyDifferent", {"snapshotMode", "slotName"}));
}

TEST(ParameterCatalog, SpecTableIsImplemented) {
  // SPEC §2's table, type by type: every listed parameter is accepted.
  const std::map<SourceType, std::vector<std::string>> table = {
      {SourceType::kPostgres,
       {"databaseHostname",
        "databaseDbname",
        "databaseUser",
        "databasePort",
        "databasePassword",
        "schemaIncludeList",
        "schemaExcludeList",
        "tableIncludeList",
        "tableExcludeList",
        "columnIncludeList",
        "columnExcludeList",
        "snapshotMode",
        "slotName",
        "pluginName",
        "heartbeatIntervalMs",
        "provideTransactionMetadata",
        "skippedOperations",
        "decimalHandlingMode",
        "timePrecisionMode",
        "binaryHandlingMode",
        "intervalHandlingMode",
        "unavailableValuePlaceholder",
        "databaseSslmode",
        "databaseSslrootcert"}},
      {SourceType::kMySql,
       {"databaseHostname",
        "databaseUser",
        "databaseServerName",
        "databasePort",
        "databasePassword",
        "databaseServerId",
        "databaseIncludeList",
        "databaseExcludeList",
        "tableIncludeList",
        "tableExcludeList",
        "columnIncludeList",
        "columnExcludeList",
        "snapshotMode",
        "heartbeatIntervalMs",
        "provideTransactionMetadata",
        "skippedOperations",
        "decimalHandlingMode",
        "timePrecisionMode",
        "binaryHandlingMode",
        "bigintUnsignedHandlingMode",
        "databaseSslMode"}},
      {SourceType::kSqlServer,
       {"databaseHostname", "databaseUser", "databaseDbname", "databaseNames", "databasePort",
        "databasePassword", "tableIncludeList", "tableExcludeList", "snapshotMode",
        "pollIntervalMs", "databaseEncrypt", "odbcDriver"}},
      {SourceType::kOracle,
       {"databaseHostname", "databaseUser", "databaseDbname", "databasePort", "databasePassword",
        "databasePdbName", "schemaIncludeList", "tableIncludeList", "tableExcludeList",
        "snapshotMode", "logMiningStrategy", "odbcDriver"}},
      {SourceType::kMongoDb,
       {"mongodbConnectionString", "collectionIncludeList", "collectionExcludeList",
        "databaseIncludeList", "databaseExcludeList", "captureMode", "snapshotMode"}},
  };
  for (const auto& [type, names] : table) {
    for (const std::string& name : names) {
      EXPECT_NE(FindParameter(type, name), nullptr) << SourceTypeName(type) << " " << name;
    }
  }
  const std::map<SourceType, std::vector<std::string>> required = {
      {SourceType::kPostgres, {"databaseHostname", "databaseUser", "databaseDbname"}},
      {SourceType::kMySql, {"databaseHostname", "databaseUser", "databaseServerName"}},
      {SourceType::kSqlServer, {"databaseHostname", "databaseUser"}},
      {SourceType::kOracle, {"databaseHostname", "databaseUser", "databaseDbname"}},
      {SourceType::kMongoDb, {"mongodbConnectionString"}},
  };
  for (auto [type, names] : required) {
    std::vector<std::string> actual;
    for (const ParameterSpec& spec : ParametersFor(type)) {
      if (spec.required) actual.push_back(spec.name);
    }
    std::sort(actual.begin(), actual.end());
    std::sort(names.begin(), names.end());
    EXPECT_EQ(actual, names) << SourceTypeName(type);
  }
}

TEST(ParameterCatalog, SnapshotModesPerConnector) {
  auto check = [](SourceType type, std::string value) {
    std::string v = std::move(value);
    return CheckParameterValue(*FindParameter(type, "snapshotMode"), &v) ? "error" : v;
  };
  EXPECT_EQ(check(SourceType::kPostgres, "never"), "no_data");
  EXPECT_EQ(check(SourceType::kMySql, "schema_only"), "no_data");
  EXPECT_EQ(check(SourceType::kSqlServer, "never"), "error");
  EXPECT_EQ(check(SourceType::kOracle, "recovery"), "error");
  EXPECT_EQ(check(SourceType::kMongoDb, "when_needed"), "when_needed");
  EXPECT_EQ(check(SourceType::kMongoDb, "Initial_Only"), "initial_only");
}

TEST(ParameterCatalog, SecretValuesStayOutOfMessages) {
  ParameterSpec spec;
  spec.name = "databasePassword";
  spec.kind = ParameterKind::kInteger;
  spec.min = 0;
  spec.max = 10;
  std::string value = "hunter2";
  auto error = CheckParameterValue(spec, &value);
  ASSERT_TRUE(error);
  EXPECT_THAT(*error, HasSubstr("******"));
  EXPECT_EQ(error->find("hunter2"), std::string::npos);
}

TEST(ParameterCatalog, CamelCase) {
  EXPECT_EQ(DebeziumToCamelCase("database.hostname"), "databaseHostname");
  EXPECT_EQ(DebeziumToCamelCase("slot.drop.on.stop"), "slotDropOnStop");
  EXPECT_EQ(DebeziumToCamelCase("database.sslmode"), "databaseSslmode");
  EXPECT_EQ(DebeziumToCamelCase("log.mining.buffer.track.rs_id"), "logMiningBufferTrackRsId");
}

}  // namespace
}  // namespace dbct::config
