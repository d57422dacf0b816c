// Include/exclude lists as Debezium reads them: comma-separated regular expressions, each
// matched case-insensitively against the whole identifier (schema.table, db.collection, ...).
#ifndef DBCT_CONFIG_NAME_FILTER_HPP
#define DBCT_CONFIG_NAME_FILTER_HPP

#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace dbct::config {

// Splits a comma-separated list, trimming whitespace around items and dropping empty ones.
// "\," is a literal comma, and commas inside {...} or [...] stay in their item (a{1,3}).
std::vector<std::string> SplitList(std::string_view list);

class NameFilter {
 public:
  // Matches everything.
  NameFilter() = default;

  // Builds a filter from an include list and an exclude list (either may be empty). When the
  // include list is given it decides alone, as in Debezium. On a bad item returns nullopt and
  // sets *error to a message naming it.
  static std::optional<NameFilter> Create(std::string_view include_list,
                                          std::string_view exclude_list, std::string* error);

  bool Matches(std::string_view identifier) const;

  // The include list entries that match none of `identifiers`, in list order (a check at
  // start that each entry names something that exists).
  std::vector<std::string> UnmatchedIncludeItems(const std::vector<std::string>& identifiers) const;

  // True when nothing was given, so every identifier matches.
  bool MatchesEverything() const { return include_.empty() && exclude_.empty(); }

  const std::vector<std::string>& include_items() const { return include_items_; }
  const std::vector<std::string>& exclude_items() const { return exclude_items_; }

 private:
  std::vector<std::regex> include_;
  std::vector<std::regex> exclude_;
  std::vector<std::string> include_items_;
  std::vector<std::string> exclude_items_;
};

// Compiles each item of a list; on the first that is not a valid regular expression returns
// false and sets *error to a message naming it.
bool CompileList(std::string_view list, std::vector<std::regex>* patterns,
                 std::vector<std::string>* items, std::string* error);

}  // namespace dbct::config

#endif  // DBCT_CONFIG_NAME_FILTER_HPP
