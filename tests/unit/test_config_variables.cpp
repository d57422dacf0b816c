// {{name}} and {{sys:NAME}} substitution (SPEC §3).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config_test_util.hpp"
#include "dbct/config/variables.hpp"

namespace dbct::config {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::Parse;
using testing::Postgres;
using testing::Printed;

EnvLookup Env(std::map<std::string, std::string> vars) {
  return testing::WithEnv(std::move(vars)).env;
}

TEST(Variables, ExpandsVariablesAndEnvironment) {
  VariableResolver resolver({{"host", "db.example.com", 1, 1}, {"port", "{{sys:PORT}}", 2, 1}},
                            Env({{"PORT", "6432"}}));
  EXPECT_EQ(resolver.Expand("{{host}}:{{ port }}/{{sys:PORT}}", "test", 3, 1),
            "db.example.com:6432/6432");
  EXPECT_EQ(resolver.Expand("no references", "test", 3, 1), "no references");
  EXPECT_EQ(resolver.Expand("a single { brace } and }} alone", "test", 3, 1),
            "a single { brace } and }} alone");
  EXPECT_TRUE(resolver.errors().empty());
}

TEST(Variables, NestedVariablesResolve) {
  VariableResolver resolver({{"url", "postgres://{{user}}@{{host}}", 1, 1},
                             {"user", "{{sys:USER_NAME}}", 2, 1},
                             {"host", "{{inner}}.example.com", 3, 1},
                             {"inner", "db1", 4, 1}},
                            Env({{"USER_NAME", "app"}}));
  resolver.ResolveAll();
  EXPECT_TRUE(resolver.errors().empty());
  EXPECT_EQ(resolver.Expand("{{url}}", "test", 9, 1), "postgres://app@db1.example.com");
}

TEST(Variables, EnvironmentValuesAreNotExpandedAgain) {
  VariableResolver resolver({}, Env({{"PASSWORD", "a{{b}}c{{"}}));
  EXPECT_EQ(resolver.Expand("{{sys:PASSWORD}}", "test", 1, 1), "a{{b}}c{{");
  EXPECT_TRUE(resolver.errors().empty());
}

TEST(Variables, CyclesAreDetected) {
  VariableResolver resolver({{"a", "x{{b}}", 1, 1},
                             {"b", "{{c}}", 2, 1},
                             {"c", "{{a}}", 3, 1},
                             {"self", "{{self}}", 4, 1}},
                            Env({}));
  resolver.ResolveAll();
  ASSERT_EQ(resolver.errors().size(), 2u);
  EXPECT_THAT(resolver.errors()[0].message,
              HasSubstr("variables form a cycle: \"a\" -> \"b\" -> \"c\" -> \"a\""));
  EXPECT_THAT(resolver.errors()[1].message, HasSubstr("cycle: \"self\" -> \"self\""));
  // Using a variable of the cycle later fails without a second report.
  EXPECT_FALSE(resolver.Expand("{{b}}", "test", 5, 1).has_value());
  EXPECT_EQ(resolver.errors().size(), 2u);
}

TEST(Variables, UnresolvedReferencesAreAllReported) {
  VariableResolver resolver({}, Env({}));
  EXPECT_FALSE(resolver.Expand("{{sys:A}}-{{sys:B}}-{{missing}}", "parameter x", 7, 5));
  ASSERT_EQ(resolver.errors().size(), 3u);
  EXPECT_EQ(resolver.errors()[0].line, 7);
  EXPECT_EQ(resolver.errors()[0].message,
            "environment variable \"A\" is not set (used as {{sys:A}} in parameter x); set it or "
            "change the reference");
  EXPECT_THAT(resolver.errors()[1].message, HasSubstr("\"B\" is not set"));
  EXPECT_THAT(resolver.errors()[2].message,
              HasSubstr("variable \"missing\" is not defined (used in parameter x)"));
}

TEST(Variables, BadReferences) {
  VariableResolver resolver({}, Env({}));
  EXPECT_FALSE(resolver.Expand("abc {{sys:X", "parameter p", 3, 1));
  EXPECT_FALSE(resolver.Expand("{{}}", "parameter p", 3, 1));
  EXPECT_FALSE(resolver.Expand("{{sys:}}", "parameter p", 3, 1));
  EXPECT_FALSE(resolver.Expand("{{a b}}", "parameter p", 3, 1));
  ASSERT_EQ(resolver.errors().size(), 4u);
  EXPECT_EQ(resolver.errors()[0].message,
            "unterminated \"{{\" in parameter p; close the reference with \"}}\"");
  EXPECT_THAT(resolver.errors()[1].message, HasSubstr("invalid variable reference \"{{}}\""));
  EXPECT_THAT(resolver.errors()[2].message,
              HasSubstr("invalid environment variable reference \"{{sys:}}\""));
  EXPECT_THAT(resolver.errors()[3].message, HasSubstr("invalid variable reference \"{{a b}}\""));
}

TEST(Variables, InResourcesEveryMissingVariableIsNamed) {
  LoadResult result = Parse(
      "apiVersion: weik.io/v1alpha1\n"
      "kind: DatabaseChangeTracking\n"
      "metadata:\n"
      "  name: secure\n"
      "spec:\n"
      "  type: postgres\n"
      "  parameters:\n"
      "    databaseHostname: \"{{dbHost}}\"\n"
      "    databaseDbname: \"{{sys:DB_NAME}}\"\n"
      "    databaseUser: \"{{sys:DB_USER}}\"\n"
      "    databasePassword: \"{{sys:DB_PASSWORD}}\"\n"
      "  variables:\n"
      "    - dbHost: \"{{sys:DB_HOST}}\"\n");
  ASSERT_EQ(result.problems.size(), 4u) << Printed(result);
  const std::string printed = Printed(result);
  EXPECT_THAT(printed, HasSubstr("test.yaml:13: resource \"secure\": environment variable "
                                 "\"DB_HOST\" is not set (used as {{sys:DB_HOST}} in variable "
                                 "dbHost)"));
  EXPECT_THAT(printed, HasSubstr("test.yaml:9: resource \"secure\": environment variable "
                                 "\"DB_NAME\""));
  EXPECT_THAT(printed, HasSubstr("test.yaml:10: resource \"secure\": environment variable "
                                 "\"DB_USER\""));
  EXPECT_THAT(printed, HasSubstr("test.yaml:11: resource \"secure\": environment variable "
                                 "\"DB_PASSWORD\""));
  // The parameter using the failed variable adds no second, confusing problem.
  EXPECT_THAT(printed, Not(HasSubstr("dbHost\" is not defined")));
}

TEST(Variables, InResourcesUndefinedVariableAndUnterminatedBraces) {
  LoadResult result = Parse(Postgres("orders",
                                     "    databasePassword: \"{{dbPasword}}\"\n"
                                     "    slotName: \"{{sys:SLOT\"\n") +
                            "  variables:\n    - dbPassword: secret\n");
  const std::string printed = Printed(result);
  EXPECT_THAT(printed, HasSubstr("test.yaml:11: resource \"orders\": variable \"dbPasword\" is "
                                 "not defined (used in parameter databasePassword)"));
  EXPECT_THAT(printed, HasSubstr("test.yaml:12: resource \"orders\": unterminated \"{{\" in "
                                 "parameter slotName"));
}

TEST(Variables, InResourcesSubstitutionCoversNatsAndType) {
  LoadResult result = Parse(
      "apiVersion: weik.io/v1alpha1\nkind: DatabaseChangeTracking\nmetadata: {name: n}\n"
      "spec:\n"
      "  type: \"{{kind}}\"\n"
      "  parameters:\n"
      "    databaseHostname: \"{{host}}\"\n"
      "    databaseDbname: shop\n"
      "    databaseUser: app\n"
      "    databasePort: \"{{sys:PGPORT}}\"\n"
      "  variables:\n"
      "    - kind: postgres\n"
      "    - host: \"{{sys:PGHOST}}\"\n"
      "    - nats: \"nats://{{sys:NATS_HOST}}:4222\"\n"
      "  nats:\n"
      "    url: \"{{nats}}\"\n"
      "    token: \"{{sys:NATS_TOKEN}}\"\n"
      "    stream: {maxMessages: \"{{sys:MAX}}\", maxAge: \"{{sys:AGE}}\"}\n",
      {{"PGPORT", "6543"},
       {"PGHOST", "pg1"},
       {"NATS_HOST", "nats1"},
       {"NATS_TOKEN", "tok"},
       {"MAX", "100"},
       {"AGE", "1h"}});
  ASSERT_TRUE(result.ok()) << Printed(result);
  const Resource& r = result.resources[0];
  EXPECT_EQ(r.type, SourceType::kPostgres);
  EXPECT_EQ(r.Parameter("databaseHostname"), "pg1");
  EXPECT_EQ(r.Parameter("databasePort"), "6543");
  EXPECT_EQ(r.nats.url, "nats://nats1:4222");
  EXPECT_EQ(r.nats.token, "tok");
  EXPECT_EQ(r.nats.stream.max_messages, 100);
  EXPECT_EQ(r.nats.stream.max_age, std::chrono::hours(1));
  ASSERT_EQ(r.variables.size(), 3u);
  EXPECT_EQ(r.variables[1].first, "host");
  EXPECT_EQ(r.variables[1].second, "pg1");
}

TEST(Variables, InResourcesValueErrorsShowTheReferenceNotTheValue) {
  LoadResult result =
      Parse(Postgres("orders", "    databasePort: \"{{sys:PORT}}\"\n"), {{"PORT", "not-a-port"}});
  ASSERT_EQ(result.problems.size(), 1u) << Printed(result);
  EXPECT_THAT(result.problems[0].message, HasSubstr("(is \"{{sys:PORT}}\")"));
  EXPECT_THAT(result.problems[0].message, Not(HasSubstr("not-a-port")));
}

TEST(Variables, InResourcesVariableListShape) {
  const std::pair<std::string, std::string> cases[] = {
      {"  variables:\n    - a: 1\n      b: 2\n", "each entry of spec.variables must be a one-key"},
      {"  variables:\n    - just-text\n", "each entry of spec.variables must be a one-key"},
      {"  variables: text\n", "spec.variables must be a list"},
      {"  variables:\n    - a: 1\n    - a: 2\n", "variable \"a\" is defined twice"},
      {"  variables:\n    - 9lives: 1\n", "invalid variable name \"9lives\""},
      {"  variables:\n    - a: [1]\n", "variable \"a\" must be a single value"},
  };
  for (const auto& [lines, message] : cases) {
    EXPECT_THAT(Printed(Parse(Postgres("orders") + lines)), HasSubstr(message)) << lines;
  }
  // A plain mapping is accepted too, and numbers are text.
  LoadResult result =
      Parse(Postgres("orders", "    databasePort: \"{{port}}\"\n") + "  variables: {port: 5433}\n");
  ASSERT_TRUE(result.ok()) << Printed(result);
  EXPECT_EQ(result.resources[0].Parameter("databasePort"), "5433");
}

}  // namespace
}  // namespace dbct::config
