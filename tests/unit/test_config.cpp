// The DatabaseChangeTracking resource parser: SPEC §2 and the bad inputs of SPEC §10.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "config_test_util.hpp"
#include "dbct/config/loader.hpp"
#include "dbct/config/parameter_catalog.hpp"
#include "dbct/config/resource_json.hpp"

namespace dbct::config {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::Parse;
using testing::Postgres;
using testing::Printed;
using testing::WithEnv;

TEST(ResourceParser, ReadsPostgresResourceWithDefaults) {
  LoadResult result = Parse(
      "apiVersion: weik.io/v1alpha1\n"
      "kind: DatabaseChangeTracking\n"
      "metadata:\n"
      "  name: postgres-orders\n"
      "  description: Orders for the shop\n"
      "spec:\n"
      "  type: postgres\n"
      "  parameters:\n"
      "    databaseHostname: db.example.com\n"
      "    databaseDbname: ecommerce\n"
      "    databaseUser: weikio\n"
      "    tableIncludeList: public.orders, public.order_items\n");
  ASSERT_TRUE(result.ok()) << Printed(result);
  ASSERT_EQ(result.resources.size(), 1u);
  const Resource& r = result.resources[0];
  EXPECT_EQ(r.file, "test.yaml");
  EXPECT_EQ(r.line, 1);
  EXPECT_EQ(r.name, "postgres-orders");
  EXPECT_EQ(r.description, "Orders for the shop");
  EXPECT_EQ(r.type, SourceType::kPostgres);
  EXPECT_EQ(r.api_version, "weik.io/v1alpha1");
  EXPECT_EQ(r.kind, "DatabaseChangeTracking");
  EXPECT_EQ(r.Parameter("databasePort"), "5432");
  EXPECT_EQ(r.Parameter("snapshotMode"), "initial");
  EXPECT_EQ(r.Parameter("pluginName"), "dbchangetracking");
  EXPECT_EQ(r.Parameter("skippedOperations"), "t");
  EXPECT_EQ(r.Parameter("decimalHandlingMode"), "precise");
  EXPECT_EQ(r.Parameter("unavailableValuePlaceholder"), "__debezium_unavailable_value");
  EXPECT_FALSE(r.BoolParameter("provideTransactionMetadata", true));
  EXPECT_EQ(r.IntParameter("databasePort"), 5432);
  EXPECT_EQ(r.SourceName(), "postgres-orders");
  EXPECT_EQ(r.StreamName(), "dbchangetracking-postgres-orders-stream");
  EXPECT_EQ(r.Subject(), "dbchangetracking.postgres-orders");
  // Written parameters come first, in their order; defaults after them.
  std::vector<std::string> names;
  for (const auto& [name, value] : r.parameters) names.push_back(name);
  ASSERT_GE(names.size(), 4u);
  EXPECT_EQ(names[0], "databaseHostname");
  EXPECT_EQ(names[3], "tableIncludeList");
  // NATS defaults (SPEC §2, §4).
  EXPECT_EQ(r.nats.url, "nats://127.0.0.1:4222");
  EXPECT_EQ(r.nats.stream.max_messages, 512);
  EXPECT_EQ(r.nats.stream.max_bytes, -1);
  EXPECT_EQ(r.nats.stream.max_age.count(), 0);
  EXPECT_EQ(r.nats.stream.storage, StorageType::kFile);
  EXPECT_EQ(r.nats.stream.replicas, 1);
  EXPECT_EQ(r.nats.stream.duplicate_window, std::chrono::minutes(2));
  EXPECT_EQ(r.nats.confirm_delay.count(), 0);
}

TEST(ResourceParser, DefaultPortPerType) {
  const std::map<std::string, std::string> expected = {
      {"mysql", "3306"}, {"sqlserver", "1433"}, {"oracle", "1521"}};
  for (const auto& [type, port] : expected) {
    LoadResult result = Parse(
        "apiVersion: weik.io/v1alpha1\nkind: DatabaseChangeTracking\nmetadata: {name: t}\n"
        "spec:\n  type: " +
        type +
        "\n  parameters:\n"
        "    databaseHostname: h\n    databaseUser: u\n    databaseDbname: d\n" +
        (type == "mysql" ? "    databaseServerName: s\n" : ""));
    // databaseDbname is no mysql parameter: drop it there.
    if (type == "mysql") {
      result = Parse(
          "apiVersion: weik.io/v1alpha1\nkind: DatabaseChangeTracking\nmetadata: {name: t}\n"
          "spec:\n  type: mysql\n  parameters:\n"
          "    databaseHostname: h\n    databaseUser: u\n    databaseServerName: s\n");
    }
    ASSERT_TRUE(result.ok()) << type << ": " << Printed(result);
    EXPECT_EQ(result.resources[0].Parameter("databasePort"), port) << type;
    EXPECT_EQ(result.resources[0].Parameter("snapshotMode"), "initial") << type;
  }
}

TEST(ResourceParser, MySqlSourceNameIsServerName) {
  LoadResult result = Parse(
      "apiVersion: weik.io/v1alpha1\nkind: DatabaseChangeTracking\nmetadata: {name: inv}\n"
      "spec:\n  type: mysql\n  parameters:\n"
      "    databaseHostname: h\n    databaseUser: u\n    databaseServerName: mysql-prod\n"
      "    databaseServerId: 184054\n");
  ASSERT_TRUE(result.ok()) << Printed(result);
  EXPECT_EQ(result.resources[0].SourceName(), "mysql-prod");
  EXPECT_EQ(result.resources[0].Parameter("timePrecisionMode"), "adaptive_time_microseconds");
  EXPECT_EQ(result.resources[0].Parameter("bigintUnsignedHandlingMode"), "long");
}

TEST(ResourceParser, YamlNumbersAndBooleansAreReadAsText) {
  LoadResult result = Parse(Postgres("orders",
                                     "    databasePort: 6543\n"
                                     "    databasePassword: 12345\n"
                                     "    provideTransactionMetadata: true\n"
                                     "    heartbeatIntervalMs: 1000\n"
                                     "    unavailableValuePlaceholder: 0.50\n"));
  ASSERT_TRUE(result.ok()) << Printed(result);
  const Resource& r = result.resources[0];
  EXPECT_EQ(r.Parameter("databasePort"), "6543");
  EXPECT_EQ(r.Parameter("databasePassword"), "12345");
  EXPECT_EQ(r.Parameter("provideTransactionMetadata"), "true");
  EXPECT_TRUE(r.BoolParameter("provideTransactionMetadata"));
  EXPECT_EQ(r.IntParameter("heartbeatIntervalMs"), 1000);
  EXPECT_EQ(r.Parameter("unavailableValuePlaceholder"), "0.50");  // the text, not 0.5
}

TEST(ResourceParser, SeveralDocumentsInOneFile) {
  LoadResult result = Parse(Postgres("first") + "---\n" + Postgres("second") + "---\n");
  ASSERT_TRUE(result.ok()) << Printed(result);
  ASSERT_EQ(result.resources.size(), 2u);
  EXPECT_EQ(result.resources[0].name, "first");
  EXPECT_EQ(result.resources[1].name, "second");
  EXPECT_EQ(result.resources[1].line, 12);  // the line after the --- on line 11
}

TEST(ResourceParser, MalformedYamlNamesTheLine) {
  LoadResult result = Parse(
      "apiVersion: weik.io/v1alpha1\n"
      "kind: DatabaseChangeTracking\n"
      "metadata:\n"
      "  name: broken\n"
      "spec:\n"
      "  type: postgres\n"
      "  parameters: [unclosed\n");
  ASSERT_EQ(result.problems.size(), 1u) << Printed(result);
  EXPECT_EQ(result.problems[0].file, "test.yaml");
  EXPECT_GE(result.problems[0].line, 7);
  EXPECT_THAT(result.problems[0].message, HasSubstr("malformed YAML"));
  EXPECT_TRUE(result.resources.empty());
}

TEST(ResourceParser, MalformedDocumentDoesNotHideTheOthers) {
  LoadResult result = Parse(Postgres("good") + "---\nkey: [1, 2\n---\n" + Postgres("bad name"));
  const std::string printed = Printed(result);
  ASSERT_GE(result.problems.size(), 1u);
  // yaml-cpp reports where it noticed the problem: the unclosed line or the one after it.
  EXPECT_GE(result.problems[0].line, 12) << printed;
  EXPECT_LE(result.problems[0].line, 13) << printed;
  EXPECT_THAT(result.problems[0].message, HasSubstr("malformed YAML"));
  EXPECT_THAT(printed, HasSubstr("\"bad name\" is not valid"));
  ASSERT_EQ(result.resources.size(), 1u);
  EXPECT_EQ(result.resources[0].name, "good");
}

TEST(ResourceParser, UnknownTypeIsNamedWithSuggestion) {
  LoadResult result = Parse(
      "apiVersion: weik.io/v1alpha1\nkind: DatabaseChangeTracking\nmetadata: {name: t}\n"
      "spec:\n  type: postgresql\n  parameters:\n    databaseHostname: h\n");
  ASSERT_EQ(result.problems.size(), 1u) << Printed(result);
  EXPECT_EQ(FormatProblem(result.problems[0]),
            "test.yaml:5: resource \"t\": unknown type \"postgresql\"; use one of postgres, mysql, "
            "sqlserver, oracle, mongodb (did you mean postgres?)");
  result = Parse(
      "apiVersion: weik.io/v1alpha1\nkind: DatabaseChangeTracking\nmetadata: {name: t}\n"
      "spec:\n  parameters: {}\n");
  EXPECT_THAT(Printed(result), HasSubstr("spec.type is missing"));
}

TEST(ResourceParser, UnknownParameterSuggestsTheCloseOne) {
  LoadResult result = Parse(Postgres("orders", "    tableIncludelist: public.orders\n"));
  ASSERT_EQ(result.problems.size(), 1u) << Printed(result);
  EXPECT_EQ(result.problems[0].line, 11);
  EXPECT_THAT(result.problems[0].message,
              HasSubstr("unknown parameter \"tableIncludelist\" for type postgres; did you mean "
                        "tableIncludeList?"));

  result = Parse(Postgres("orders",
                          "    tabelIncludeList: public.orders\n"
                          "    databseHostname: x\n"
                          "    snapshotMod: initial\n"));
  const std::string printed = Printed(result);
  EXPECT_THAT(printed, HasSubstr("\"tabelIncludeList\" for type postgres; did you mean "
                                 "tableIncludeList?"));
  EXPECT_THAT(printed, HasSubstr("did you mean databaseHostname?"));
  EXPECT_THAT(printed, HasSubstr("did you mean snapshotMode?"));

  result = Parse(Postgres("orders", "    completelyMadeUp: 1\n"));
  EXPECT_THAT(Printed(result),
              HasSubstr("unknown parameter \"completelyMadeUp\" for type postgres"));
  EXPECT_THAT(Printed(result), Not(HasSubstr("did you mean")));
}

TEST(ResourceParser, DottedDebeziumNameSuggestsCamelCase) {
  LoadResult result = Parse(Postgres("orders", "    table.include.list: public.orders\n"));
  EXPECT_THAT(Printed(result), HasSubstr("parameter names are camelCased: did you mean "
                                         "tableIncludeList?"));
}

TEST(ResourceParser, OldDebeziumNameSaysTheNewOne) {
  LoadResult result = Parse(Postgres("orders", "    tableWhitelist: public.orders\n"));
  EXPECT_THAT(Printed(result), HasSubstr("\"tableWhitelist\" is Debezium's old name; use "
                                         "tableIncludeList"));
}

TEST(ResourceParser, UnimplementedDebeziumPropertyIsAnError) {
  const char* properties[] = {
      "topicPrefix",        "signalDataCollection", "incrementalSnapshotChunkSize",
      "messageKeyColumns",  "transforms",           "transformsUnwrapType",
      "slotDropOnStop",     "hstoreHandlingMode",   "schemaHistoryInternalKafkaTopic",
      "tombstonesOnDelete", "snapshotFetchSize",    "maxBatchSize"};
  for (const char* property : properties) {
    LoadResult result = Parse(Postgres("orders", std::string("    ") + property + ": x\n"));
    ASSERT_EQ(result.problems.size(), 1u) << property << "\n" << Printed(result);
    EXPECT_THAT(result.problems[0].message,
                HasSubstr("parameter \"" + std::string(property) +
                          "\" is a Debezium property that dbct does not support"))
        << property;
  }
}

TEST(ResourceParser, UnimplementedPropertiesPerConnector) {
  EXPECT_TRUE(IsUnsupportedDebeziumProperty(SourceType::kMySql, "gtidSourceIncludes"));
  EXPECT_TRUE(IsUnsupportedDebeziumProperty(SourceType::kMySql, "includeQuery"));
  EXPECT_TRUE(IsUnsupportedDebeziumProperty(SourceType::kOracle, "logMiningBatchSizeMax"));
  EXPECT_TRUE(IsUnsupportedDebeziumProperty(SourceType::kOracle, "racNodes"));
  EXPECT_TRUE(IsUnsupportedDebeziumProperty(SourceType::kSqlServer, "databaseInstance"));
  EXPECT_TRUE(IsUnsupportedDebeziumProperty(SourceType::kMongoDb, "fieldRenames"));
  EXPECT_TRUE(IsUnsupportedDebeziumProperty(SourceType::kMongoDb, "mongodbUser"));
  // Supported ones are not "unsupported".
  EXPECT_FALSE(IsUnsupportedDebeziumProperty(SourceType::kOracle, "logMiningStrategy"));
  EXPECT_FALSE(IsUnsupportedDebeziumProperty(SourceType::kMySql, "databaseServerId"));
  EXPECT_FALSE(IsUnsupportedDebeziumProperty(SourceType::kMongoDb, "mongodbConnectionString"));
  // A family of one connector is not reported for another.
  EXPECT_FALSE(IsUnsupportedDebeziumProperty(SourceType::kPostgres, "mongodbUser"));
}

TEST(ResourceParser, ParameterOfAnotherType) {
  LoadResult result = Parse(
      "apiVersion: weik.io/v1alpha1\nkind: DatabaseChangeTracking\nmetadata: {name: t}\n"
      "spec:\n  type: mysql\n  parameters:\n"
      "    databaseHostname: h\n    databaseUser: u\n    databaseServerName: s\n"
      "    slotName: my_slot\n");
  EXPECT_THAT(Printed(result), HasSubstr("parameter \"slotName\" does not apply to type mysql "
                                         "(it is a parameter of postgres)"));
  result = Parse(Postgres("orders", "    databaseServerName: pg1\n"));
  EXPECT_THAT(Printed(result), HasSubstr("\"databaseServerName\" does not apply to type postgres"));
}

TEST(ResourceParser, MissingRequiredParametersAreAllNamed) {
  LoadResult result = Parse(
      "apiVersion: weik.io/v1alpha1\nkind: DatabaseChangeTracking\nmetadata: {name: t}\n"
      "spec:\n  type: postgres\n  parameters:\n    tableIncludeList: public.orders\n");
  const std::string printed = Printed(result);
  EXPECT_EQ(result.problems.size(), 3u) << printed;
  EXPECT_THAT(printed, HasSubstr("missing required parameter databaseHostname for type postgres"));
  EXPECT_THAT(printed, HasSubstr("missing required parameter databaseDbname for type postgres"));
  EXPECT_THAT(printed, HasSubstr("missing required parameter databaseUser for type postgres"));

  result = Parse(
      "apiVersion: weik.io/v1alpha1\nkind: DatabaseChangeTracking\nmetadata: {name: t}\n"
      "spec:\n  type: mysql\n  parameters:\n    databaseHostname: h\n    databaseUser: u\n");
  EXPECT_THAT(Printed(result), HasSubstr("missing required parameter databaseServerName"));

  result = Parse(
      "apiVersion: weik.io/v1alpha1\nkind: DatabaseChangeTracking\nmetadata: {name: t}\n"
      "spec:\n  type: mongodb\n  parameters:\n    collectionIncludeList: db.c\n");
  EXPECT_THAT(Printed(result), HasSubstr("missing required parameter mongodbConnectionString"));

  result = Parse(Postgres("orders", "    databaseHostname: \"\"\n"));
  EXPECT_THAT(Printed(result), HasSubstr("given twice"));
  result = Parse(
      "apiVersion: weik.io/v1alpha1\nkind: DatabaseChangeTracking\nmetadata: {name: t}\n"
      "spec:\n  type: postgres\n  parameters:\n    databaseHostname: \"\"\n"
      "    databaseDbname: d\n    databaseUser: u\n");
  EXPECT_THAT(Printed(result), HasSubstr("parameter databaseHostname is empty"));
}

TEST(ResourceParser, SqlServerNeedsDbnameOrNames) {
  const std::string head =
      "apiVersion: weik.io/v1alpha1\nkind: DatabaseChangeTracking\nmetadata: {name: t}\n"
      "spec:\n  type: sqlserver\n  parameters:\n    databaseHostname: h\n    databaseUser: u\n";
  EXPECT_THAT(Printed(Parse(head)),
              HasSubstr("missing required parameter databaseDbname (or databaseNames)"));
  EXPECT_TRUE(Parse(head + "    databaseNames: A,B\n").ok());
  EXPECT_TRUE(Parse(head + "    databaseDbname: A\n").ok());
  EXPECT_THAT(Printed(Parse(head + "    databaseDbname: A\n    databaseNames: B\n")),
              HasSubstr("either databaseDbname or databaseNames, not both"));
}

TEST(ResourceParser, NameRules) {
  for (const std::string& good :
       std::vector<std::string>{"a", "0", "orders", "postgres-orders-2", std::string(63, 'x')}) {
    EXPECT_EQ(CheckResourceName(good), "") << good;
  }
  const std::pair<std::string, std::string> bad[] = {
      {"", "is empty"},
      {std::string(64, 'x'), "too long (64 characters)"},
      {"Orders", "use lower-case letters, digits and '-'"},
      {"orders_v2", "use lower-case letters, digits and '-'"},
      {"orders.v2", "use lower-case letters, digits and '-'"},
      {"-orders", "must start and end with a letter or digit"},
      {"orders-", "must start and end with a letter or digit"},
  };
  for (const auto& [name, message] : bad) {
    EXPECT_THAT(CheckResourceName(name), HasSubstr(message)) << name;
  }
  LoadResult result = Parse(Postgres("Orders_1"));
  ASSERT_EQ(result.problems.size(), 1u);
  EXPECT_EQ(result.problems[0].line, 4);
  EXPECT_EQ(result.problems[0].resource, "Orders_1");
  result = Parse(
      "apiVersion: weik.io/v1alpha1\nkind: DatabaseChangeTracking\nmetadata: {}\n"
      "spec:\n  type: postgres\n  parameters: {databaseHostname: h, databaseDbname: d, "
      "databaseUser: u}\n");
  EXPECT_THAT(Printed(result), HasSubstr("metadata.name is missing"));
}

TEST(ResourceParser, DuplicateNamesInOneFile) {
  LoadResult result = Parse(Postgres("orders") + "---\n" + Postgres("orders"));
  ASSERT_EQ(result.problems.size(), 1u) << Printed(result);
  EXPECT_EQ(FormatProblem(result.problems[0]),
            "test.yaml:12: resource \"orders\": name \"orders\" is already used by the resource "
            "at test.yaml:1; names must be unique");
  EXPECT_EQ(result.resources.size(), 1u);
}

TEST(ResourceParser, DuplicateMySqlServerName) {
  auto mysql = [](const std::string& name) {
    return "apiVersion: weik.io/v1alpha1\nkind: DatabaseChangeTracking\nmetadata: {name: " + name +
           "}\nspec:\n  type: mysql\n  parameters:\n    databaseHostname: h\n"
           "    databaseUser: u\n    databaseServerName: same\n";
  };
  LoadResult result = Parse(mysql("a") + "---\n" + mysql("b"));
  EXPECT_THAT(Printed(result), HasSubstr("databaseServerName \"same\" is already used by resource "
                                         "\"a\""));
}

TEST(ResourceParser, WrongApiVersionKindAndFields) {
  std::string text = Postgres("orders");
  text.replace(text.find("v1alpha1"), 8, "v1");
  EXPECT_THAT(Printed(Parse(text)),
              HasSubstr("apiVersion \"weik.io/v1\" is not supported; use weik.io/v1alpha1"));

  LoadResult result = Parse("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {}\n");
  ASSERT_EQ(result.problems.size(), 1u) << Printed(result);
  EXPECT_THAT(result.problems[0].message,
              HasSubstr("kind \"ConfigMap\" is not supported; use DatabaseChangeTracking"));

  text = Postgres("orders");
  text.replace(text.find("  parameters:"), 13, "  paramters:");
  const std::string printed = Printed(Parse(text));
  EXPECT_THAT(printed, HasSubstr("unknown field \"paramters\" in spec; did you mean parameters?"));

  EXPECT_THAT(Printed(Parse("- just\n- a list\n")), HasSubstr("must be a mapping"));
  EXPECT_THAT(Printed(Parse("# only a comment\n")),
              HasSubstr("no DatabaseChangeTracking resource"));
}

TEST(ResourceParser, ParameterValuesAreChecked) {
  const std::pair<std::string, std::string> cases[] = {
      {"    databasePort: abc\n",
       "databasePort must be an integer between 1 and 65535 (is \"abc\")"},
      {"    databasePort: 70000\n", "between 1 and 65535 (is \"70000\")"},
      {"    heartbeatIntervalMs: -5\n", "heartbeatIntervalMs must be an integer between 0"},
      {"    provideTransactionMetadata: yes\n", "must be true or false (is \"yes\")"},
      {"    snapshotMode: sometimes\n",
       "snapshotMode must be one of initial, always, "
       "initial_only, no_data, when_needed (is \"sometimes\")"},
      {"    snapshotMode: custom\n", "snapshotMode \"custom\" is not supported; use one of"},
      {"    snapshotMode: intial\n", "did you mean initial?"},
      {"    decimalHandlingMode: exact\n",
       "decimalHandlingMode must be one of precise, double, string"},
      {"    timePrecisionMode: nanoseconds\n",
       "timePrecisionMode \"nanoseconds\" is not supported"},
      {"    binaryHandlingMode: base32\n", "bytes, base64, base64-url-safe, hex"},
      {"    intervalHandlingMode: iso\n", "intervalHandlingMode must be one of numeric, string"},
      {"    skippedOperations: c,x\n", "unknown operation \"x\""},
      {"    skippedOperations: \"\"\n", "must list operations"},
      {"    pluginName: decoderbufs\n", "pluginName \"decoderbufs\" is not supported"},
      {"    slotName: My-Slot\n", "not a valid replication slot name"},
      {"    databaseSslmode: verify_full\n", "did you mean verify-full?"},
  };
  for (const auto& [line, message] : cases) {
    LoadResult result = Parse(Postgres("orders", line));
    ASSERT_EQ(result.problems.size(), 1u) << line << Printed(result);
    EXPECT_THAT(result.problems[0].message, HasSubstr(message)) << line;
    EXPECT_EQ(result.problems[0].line, 11) << line;
  }
}

TEST(ResourceParser, ValuesAreNormalised) {
  LoadResult result = Parse(Postgres("orders",
                                     "    snapshotMode: NEVER\n"
                                     "    provideTransactionMetadata: TRUE\n"
                                     "    skippedOperations: \" d , c,d \"\n"
                                     "    decimalHandlingMode: String\n"));
  ASSERT_TRUE(result.ok()) << Printed(result);
  const Resource& r = result.resources[0];
  EXPECT_EQ(r.Parameter("snapshotMode"), "no_data");
  EXPECT_EQ(r.Parameter("provideTransactionMetadata"), "true");
  EXPECT_EQ(r.Parameter("skippedOperations"), "d,c");
  EXPECT_EQ(r.Parameter("decimalHandlingMode"), "string");
  result = Parse(Postgres("orders", "    skippedOperations: None\n"));
  ASSERT_TRUE(result.ok()) << Printed(result);
  EXPECT_EQ(result.resources[0].Parameter("skippedOperations"), "none");
}

TEST(ResourceParser, IncludeListsAreRegularExpressions) {
  LoadResult result =
      Parse(Postgres("orders", "    tableIncludeList: public.orders, public.(items\n"));
  ASSERT_EQ(result.problems.size(), 1u) << Printed(result);
  EXPECT_THAT(result.problems[0].message,
              HasSubstr("parameter tableIncludeList: entry \"public.(items\" is not a valid "
                        "regular expression"));
  result = Parse(Postgres("orders",
                          "    tableIncludeList: public.orders\n"
                          "    tableExcludeList: public.audit\n"));
  EXPECT_THAT(Printed(result), HasSubstr("tableIncludeList and tableExcludeList cannot both be "
                                         "given"));
  EXPECT_TRUE(Parse(Postgres("orders",
                             "    schemaIncludeList: public\n"
                             "    tableExcludeList: public\\.audit_.*\n"))
                  .ok());
}

TEST(ResourceParser, ParameterValueMustBeScalar) {
  LoadResult result = Parse(Postgres("orders",
                                     "    tableIncludeList: [a, b]\n"
                                     "    databasePassword:\n"));
  const std::string printed = Printed(result);
  EXPECT_THAT(printed, HasSubstr("parameter tableIncludeList must be a single value"));
  EXPECT_THAT(printed, HasSubstr("parameter databasePassword has no value"));
}

TEST(ResourceParser, NatsSettings) {
  LoadResult result = Parse(Postgres("orders") +
                            "  nats:\n"
                            "    url: nats://nats1:4222,nats://nats2:4222\n"
                            "    credentials: /etc/dbct/app.creds\n"
                            "    tls: {ca: /ca.pem, cert: /c.pem, key: /k.pem}\n"
                            "    stream:\n"
                            "      maxMessages: 10000\n"
                            "      maxBytes: 1048576\n"
                            "      maxAge: 24h\n"
                            "      storage: memory\n"
                            "      replicas: 3\n"
                            "      duplicateWindow: 5m\n"
                            "    confirmDelay: 2m\n");
  ASSERT_TRUE(result.ok()) << Printed(result);
  const NatsSettings& nats = result.resources[0].nats;
  EXPECT_EQ(nats.url, "nats://nats1:4222,nats://nats2:4222");
  EXPECT_EQ(nats.credentials, "/etc/dbct/app.creds");
  EXPECT_EQ(nats.tls.ca, "/ca.pem");
  EXPECT_EQ(nats.tls.key, "/k.pem");
  EXPECT_EQ(nats.stream.max_messages, 10000);
  EXPECT_EQ(nats.stream.max_bytes, 1048576);
  EXPECT_EQ(nats.stream.max_age, std::chrono::hours(24));
  EXPECT_EQ(nats.stream.storage, StorageType::kMemory);
  EXPECT_EQ(nats.stream.replicas, 3);
  EXPECT_EQ(nats.stream.duplicate_window, std::chrono::minutes(5));
  EXPECT_EQ(nats.confirm_delay, std::chrono::minutes(2));
}

TEST(ResourceParser, NatsUrlDefaults) {
  // $NATS_URL when the resource gives none.
  LoadResult result = Parse(Postgres("orders"), {{"NATS_URL", "nats://from-env:4222"}});
  ASSERT_TRUE(result.ok()) << Printed(result);
  EXPECT_EQ(result.resources[0].nats.url, "nats://from-env:4222");
  // The caller's default (dbct --nats-url) before $NATS_URL; the resource's own before both.
  LoadOptions options = WithEnv({{"NATS_URL", "nats://from-env:4222"}});
  options.default_nats_url = "nats://from-flag:4222";
  options.default_credentials = "/flag.creds";
  result = ParseResources(Postgres("orders"), "t.yaml", options);
  EXPECT_EQ(result.resources[0].nats.url, "nats://from-flag:4222");
  EXPECT_EQ(result.resources[0].nats.credentials, "/flag.creds");
  result = ParseResources(Postgres("orders") + "  nats: {url: nats://own:4222, token: abc}\n",
                          "t.yaml", options);
  ASSERT_TRUE(result.ok()) << Printed(result);
  EXPECT_EQ(result.resources[0].nats.url, "nats://own:4222");
  EXPECT_EQ(result.resources[0].nats.credentials, "");  // the resource chose a token
}

TEST(ResourceParser, BadNatsSettings) {
  const std::pair<std::string, std::string> cases[] = {
      {"    url: http://x:4222\n", "is not a NATS URL"},
      {"    credentials: /a.creds\n    token: t\n", "more than one way to authenticate"},
      {"    password: p\n", "nats.password needs nats.user"},
      {"    tls: {cert: /c.pem}\n", "nats.tls.cert and nats.tls.key go together"},
      {"    stream: {maxMessages: lots}\n", "nats.stream.maxMessages must be an integer"},
      {"    stream: {maxMessages: 0}\n", "must be -1 (no limit) or a positive number"},
      {"    stream: {maxAge: 10}\n", "nats.stream.maxAge must be a duration such as"},
      {"    stream: {storage: disk}\n", "nats.stream.storage must be file or memory"},
      {"    stream: {replicas: 7}\n", "nats.stream.replicas must be an integer between 1 and 5"},
      {"    stream: {maxAge: 1m, duplicateWindow: 2m}\n", "cannot be longer than maxAge (1m)"},
      {"    stream: {maxMsgs: 5}\n",
       "unknown field \"maxMsgs\" in nats.stream; did you mean "
       "maxMessages?"},
      {"    confirmDelay: soon\n", "nats.confirmDelay must be a duration"},
      {"    urls: nats://x\n", "unknown field \"urls\" in spec.nats; did you mean url?"},
  };
  for (const auto& [lines, message] : cases) {
    LoadResult result = Parse(Postgres("orders") + "  nats:\n" + lines);
    EXPECT_THAT(Printed(result), HasSubstr(message)) << lines;
  }
}

TEST(ResourceParser, LoadsDirectoryOfYamlFilesSorted) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("dbct-config-test-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "b.yaml") << Postgres("bravo");
  std::ofstream(dir / "a.yml") << Postgres("alpha");
  std::ofstream(dir / "notes.txt") << "not a resource";
  LoadResult result = LoadResources({dir.string()}, WithEnv());
  EXPECT_TRUE(result.ok()) << Printed(result);
  ASSERT_EQ(result.resources.size(), 2u);
  EXPECT_EQ(result.resources[0].name, "alpha");
  EXPECT_EQ(result.resources[1].name, "bravo");
  EXPECT_EQ(result.resources[0].file, (dir / "a.yml").string());

  // The same names again from a second path: each is a duplicate.
  std::ofstream(dir / "copy.txt") << Postgres("alpha");
  result = LoadResources({dir.string(), (dir / "copy.txt").string()}, WithEnv());
  EXPECT_THAT(Printed(result), HasSubstr("name \"alpha\" is already used by the resource at " +
                                         (dir / "a.yml").string() + ":1"));

  std::filesystem::remove_all(dir);
  result = LoadResources({dir.string()}, WithEnv());
  EXPECT_THAT(Printed(result), HasSubstr("no such file or directory"));
  std::filesystem::create_directories(dir);
  result = LoadResources({dir.string()}, WithEnv());
  EXPECT_THAT(Printed(result), HasSubstr("directory has no *.yaml or *.yml files"));
  std::filesystem::remove_all(dir);
}

TEST(ResourceParser, JsonMasksSecrets) {
  LoadResult result =
      Parse(Postgres("orders", "    databasePassword: hunter2\n") +
            "  nats: {url: \"nats://me:natspass@nats:4222\", user: me, password: natspass2}\n");
  ASSERT_TRUE(result.ok()) << Printed(result);
  const nlohmann::json json = ResourceToJson(result.resources[0]);
  const std::string text = json.dump();
  EXPECT_THAT(text, Not(HasSubstr("hunter2")));
  EXPECT_THAT(text, Not(HasSubstr("natspass")));
  EXPECT_EQ(json["parameters"]["databasePassword"], "******");
  EXPECT_EQ(json["parameters"]["databaseHostname"], "db.example.com");
  EXPECT_EQ(json["nats"]["url"], "nats://me:******@nats:4222");
  EXPECT_EQ(json["nats"]["password"], "******");
  EXPECT_EQ(json["nats"]["stream"]["name"], "dbchangetracking-orders-stream");
  EXPECT_EQ(json["nats"]["stream"]["duplicateWindow"], "2m");
}

TEST(ResourceParser, ProblemsNeverShowSecrets) {
  // A resource with a password and several problems: none of them prints the password, even
  // where the password came from the environment.
  LoadResult result = Parse(Postgres("orders",
                                     "    databasePassword: \"{{sys:PGPASS}}\"\n"
                                     "    databasePort: \"{{sys:PGPASS}}\"\n"
                                     "    mongodbConnectionString: \"mongodb://u:hunter2@h\"\n"
                                     "    topicPrefix: hunter2\n") +
                                "  nats: {url: \"http://u:hunter2@h\", token: hunter2}\n",
                            {{"PGPASS", "hunter2"}});
  EXPECT_FALSE(result.ok());
  EXPECT_THAT(Printed(result), Not(HasSubstr("hunter2"))) << Printed(result);
}

TEST(ResourceParser, SeedExamplesValidateWithTheirEnvironment) {
  const std::string dir = std::string(DBCT_SOURCE_DIR) + "/manifests/examples";
  const std::map<std::string, std::string> env = {
      {"DB_HOST", "db"},
      {"DB_USER", "u"},
      {"DB_PASSWORD", "p"},
      {"CRM_DB_HOST", "crm"},
      {"MONGODB_URI", "mongodb://m:27017/?replicaSet=rs0"},
      {"MYSQL_PASSWORD", "p"},
      {"ORACLE_PASSWORD", "p"},
      {"POSTGRES_PASSWORD", "p"},
      {"DB_NAME", "n"},
      {"DB_USERNAME", "u"},
      {"SQLSERVER_PASSWORD", "p"}};
  LoadResult result = LoadResources({dir}, WithEnv(env));
  EXPECT_TRUE(result.ok()) << Printed(result);
  EXPECT_EQ(result.resources.size(), 11u);

  result = LoadResources({dir}, WithEnv());
  const std::string printed = Printed(result);
  for (const auto& [name, value] : env) {
    EXPECT_THAT(printed, HasSubstr("environment variable \"" + name + "\" is not set")) << name;
  }
  // postgres-production has no variables and stays valid.
  ASSERT_EQ(result.resources.size(), 1u);
  EXPECT_EQ(result.resources[0].name, "postgres-production");
}

}  // namespace
}  // namespace dbct::config
