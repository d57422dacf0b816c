// Which parameters each source type accepts (SPEC §2), their kinds, defaults and allowed
// values, and which real Debezium properties exist but are not implemented.
#ifndef DBCT_CONFIG_PARAMETER_CATALOG_HPP
#define DBCT_CONFIG_PARAMETER_CATALOG_HPP

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dbct/config/source_type.hpp"

namespace dbct::config {

enum class ParameterKind {
  kString,
  kInteger,     // decimal integer within [min, max]
  kBoolean,     // true/false, any case; normalised to lower case
  kEnum,        // one of allowed (case-insensitive); normalised to the canonical spelling
  kNameList,    // comma-separated regular expressions (include/exclude lists)
  kOperations,  // skippedOperations: subset of c,u,d,t, or none
};

struct ParameterSpec {
  std::string name;
  ParameterKind kind = ParameterKind::kString;
  bool required = false;
  std::string default_value;         // empty: no default
  std::vector<std::string> allowed;  // kEnum
  // Older Debezium spellings of a value, read as the canonical one (schema_only -> no_data).
  std::vector<std::pair<std::string, std::string>> value_aliases;
  // Debezium values that exist but are not implemented: rejected with that reason.
  std::vector<std::string> unsupported_values;
  int64_t min = std::numeric_limits<int64_t>::min();  // kInteger
  int64_t max = std::numeric_limits<int64_t>::max();
};

// The parameters a type accepts, required ones first.
const std::vector<ParameterSpec>& ParametersFor(SourceType type);

// The spec of a supported parameter (exact, case-sensitive name), or nullptr.
const ParameterSpec* FindParameter(SourceType type, std::string_view name);

// Checks and normalises a value in place. Returns an error message or nullopt when the value is
// good. Messages show `written` (what the resource says, e.g. "{{sys:PORT}}") when given, else
// the value, and never the value of a secret parameter.
std::optional<std::string> CheckParameterValue(const ParameterSpec& spec, std::string* value,
                                               std::string_view written = {});

// "database.server.id" -> "databaseServerId". Underscores separate words as dots do.
std::string DebeziumToCamelCase(std::string_view dotted);

// Why a name is not accepted for a type, as a full message, e.g.
//   unknown parameter "tableIncludelist" for type postgres; did you mean tableIncludeList?
//   parameter "topicPrefix" is a Debezium property that dbct does not support; ...
// Returns nullopt when the name is supported.
std::optional<std::string> ExplainUnsupportedParameter(SourceType type, std::string_view name);

// True for a real Debezium property (camelCased) of this connector that dbct does not implement.
bool IsUnsupportedDebeziumProperty(SourceType type, std::string_view name);

}  // namespace dbct::config

#endif  // DBCT_CONFIG_PARAMETER_CATALOG_HPP
