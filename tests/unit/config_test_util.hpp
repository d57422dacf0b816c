// Helpers shared by the resource parser's unit tests.
#ifndef DBCT_TESTS_CONFIG_TEST_UTIL_HPP
#define DBCT_TESTS_CONFIG_TEST_UTIL_HPP

#include <map>
#include <optional>
#include <string>

#include "dbct/config/loader.hpp"

namespace dbct::config::testing {

// Load options whose environment is exactly `vars` (the process environment is not read).
inline LoadOptions WithEnv(std::map<std::string, std::string> vars = {}) {
  LoadOptions options;
  options.env = [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  return options;
}

inline LoadResult Parse(const std::string& text, std::map<std::string, std::string> vars = {}) {
  return ParseResources(text, "test.yaml", WithEnv(std::move(vars)));
}

// Every problem as dbct validate prints it, one a line.
inline std::string Printed(const LoadResult& result) {
  std::string out;
  for (const Problem& problem : result.problems) out += FormatProblem(problem) + "\n";
  return out;
}

// A valid postgres resource named `name` with extra lines appended under parameters.
inline std::string Postgres(const std::string& name = "orders",
                            const std::string& extra_parameters = "") {
  return "apiVersion: weik.io/v1alpha1\n"
         "kind: DatabaseChangeTracking\n"
         "metadata:\n"
         "  name: " +
         name +
         "\n"
         "spec:\n"
         "  type: postgres\n"
         "  parameters:\n"
         "    databaseHostname: db.example.com\n"
         "    databaseDbname: shop\n"
         "    databaseUser: app\n" +
         extra_parameters;
}

}  // namespace dbct::config::testing

#endif  // DBCT_TESTS_CONFIG_TEST_UTIL_HPP
