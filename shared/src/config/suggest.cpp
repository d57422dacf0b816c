#include "dbct/config/suggest.hpp"

#include <algorithm>
#include <cctype>

namespace dbct::config {

std::size_t EditDistance(std::string_view a, std::string_view b) {
  // Optimal string alignment distance over lower-cased characters; three rows suffice.
  auto lower = [](char c) { return std::tolower(static_cast<unsigned char>(c)); };
  const std::size_t n = a.size();
  const std::size_t m = b.size();
  std::vector<std::size_t> before(m + 1), previous(m + 1), current(m + 1);
  for (std::size_t j = 0; j <= m; ++j) previous[j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    current[0] = i;
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
          lower(a[i - 2]) == lower(b[j - 1])) {
        current[j] = std::min(current[j], before[j - 2] + 1);
      }
    }
    std::swap(before, previous);
    std::swap(previous, current);
  }
  return previous[m];
}

std::optional<std::string> ClosestMatch(std::string_view name,
                                        const std::vector<std::string>& candidates) {
  // Allow about one typo per five characters, at least two.
  const std::size_t limit = std::max<std::size_t>(2, name.size() / 5);
  std::optional<std::string> best;
  std::size_t best_distance = limit + 1;
  for (const std::string& candidate : candidates) {
    const std::size_t distance = EditDistance(name, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  if (best) return best;
  // Abbreviations ("maxMsgs" for maxMessages): the name's letters in order within a candidate
  // that starts like it and is at most twice as long.
  auto lower = [](char c) { return std::tolower(static_cast<unsigned char>(c)); };
  for (const std::string& candidate : candidates) {
    if (name.size() < 4 || candidate.size() > 2 * name.size() ||
        lower(candidate[0]) != lower(name[0])) {
      continue;
    }
    std::size_t i = 0;
    for (char c : candidate) {
      if (i < name.size() && lower(c) == lower(name[i])) ++i;
    }
    if (i == name.size() && (!best || candidate.size() < best->size())) best = candidate;
  }
  return best;
}

}  // namespace dbct::config
