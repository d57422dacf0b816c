#include "dbct/config/name_filter.hpp"

#include <algorithm>
#include <cctype>

namespace dbct::config {
namespace {

std::string Trim(std::string_view text) {
  std::size_t begin = 0;
  std::size_t end = text.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(text[begin]))) ++begin;
  while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
  return std::string(text.substr(begin, end - begin));
}

}  // namespace

std::vector<std::string> SplitList(std::string_view list) {
  std::vector<std::string> items;
  std::string current;
  int braces = 0;
  int brackets = 0;
  auto flush = [&] {
    std::string item = Trim(current);
    if (!item.empty()) items.push_back(std::move(item));
    current.clear();
  };
  for (std::size_t i = 0; i < list.size(); ++i) {
    const char c = list[i];
    if (c == '\\' && i + 1 < list.size()) {
      if (list[i + 1] == ',') {
        current += ',';  // an escaped comma is a plain comma in the pattern
      } else {
        current += c;
        current += list[i + 1];
      }
      ++i;
      continue;
    }
    if (c == '[') ++brackets;
    if (c == ']' && brackets > 0) --brackets;
    if (c == '{' && brackets == 0) ++braces;
    if (c == '}' && brackets == 0 && braces > 0) --braces;
    if (c == ',' && braces == 0 && brackets == 0) {
      flush();
      continue;
    }
    current += c;
  }
  flush();
  return items;
}

bool CompileList(std::string_view list, std::vector<std::regex>* patterns,
                 std::vector<std::string>* items, std::string* error) {
  for (std::string& item : SplitList(list)) {
    try {
      patterns->emplace_back(item,
                             std::regex::ECMAScript | std::regex::icase | std::regex::optimize);
    } catch (const std::regex_error& e) {
      if (error) *error = "entry \"" + item + "\" is not a valid regular expression";
      return false;
    }
    items->push_back(std::move(item));
  }
  return true;
}

std::optional<NameFilter> NameFilter::Create(std::string_view include_list,
                                             std::string_view exclude_list, std::string* error) {
  NameFilter filter;
  if (!CompileList(include_list, &filter.include_, &filter.include_items_, error)) {
    return std::nullopt;
  }
  if (!CompileList(exclude_list, &filter.exclude_, &filter.exclude_items_, error)) {
    return std::nullopt;
  }
  return filter;
}

bool NameFilter::Matches(std::string_view identifier) const {
  auto matches = [&](const std::regex& pattern) {
    return std::regex_match(identifier.begin(), identifier.end(), pattern);
  };
  if (!include_.empty()) return std::any_of(include_.begin(), include_.end(), matches);
  return std::none_of(exclude_.begin(), exclude_.end(), matches);
}

std::vector<std::string> NameFilter::UnmatchedIncludeItems(
    const std::vector<std::string>& identifiers) const {
  std::vector<std::string> unmatched;
  for (size_t i = 0; i < include_.size(); ++i) {
    const bool found = std::any_of(identifiers.begin(), identifiers.end(), [&](const std::string& id) {
      return std::regex_match(id, include_[i]);
    });
    if (!found) unmatched.push_back(include_items_[i]);
  }
  return unmatched;
}

}  // namespace dbct::config
