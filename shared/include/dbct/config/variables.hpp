// {{name}} and {{sys:NAME}} substitution (SPEC §3).
#ifndef DBCT_CONFIG_VARIABLES_HPP
#define DBCT_CONFIG_VARIABLES_HPP

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace dbct::config {

// Reads an environment variable; nullopt when it is not set. Injected so tests need no setenv.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// The process environment.
EnvLookup ProcessEnvironment();

struct VariableDefinition {
  std::string name;
  std::string value;  // raw, may hold {{...}}
  int line = 0;
  int column = 0;
};

struct SubstitutionError {
  int line = 0;
  int column = 0;
  std::string message;
};

// Resolves the variables of one resource, each at most once, and expands text with them.
// Every problem is collected; a variable that failed once fails silently afterwards so one
// missing environment variable is reported once.
class VariableResolver {
 public:
  VariableResolver(std::vector<VariableDefinition> definitions, EnvLookup env);

  // Resolves every definition (so problems in unused ones are found too).
  void ResolveAll();

  // Expands every {{...}} in text. `what` names where the text comes from ("parameter
  // databaseHostname") for messages; line/column locate it. Returns nullopt on any problem.
  std::optional<std::string> Expand(std::string_view text, std::string_view what, int line,
                                    int column);

  // Resolved values in definition order (failed ones left out).
  std::vector<std::pair<std::string, std::string>> ResolvedValues() const;

  const std::vector<SubstitutionError>& errors() const { return errors_; }

 private:
  enum class State { kUnresolved, kResolving, kResolved, kFailed };
  struct Entry {
    VariableDefinition definition;
    State state = State::kUnresolved;
    std::string value;
  };

  // nullopt when the variable failed (its problem already reported).
  std::optional<std::string> Resolve(std::size_t index);
  Entry* FindEntry(std::string_view name);

  std::vector<Entry> entries_;
  std::vector<std::string> resolving_;
  std::set<std::string> missing_env_;  // each missing environment variable is reported once  //
                                       // names on the current resolution path, for cycles
  EnvLookup env_;
  std::vector<SubstitutionError> errors_;
};

}  // namespace dbct::config

#endif  // DBCT_CONFIG_VARIABLES_HPP
