// "Did you mean ...?" for names typed by hand.
#ifndef DBCT_CONFIG_SUGGEST_HPP
#define DBCT_CONFIG_SUGGEST_HPP

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dbct::config {

// Edit distance (insertions, deletions, substitutions, swaps of neighbours), ignoring case.
std::size_t EditDistance(std::string_view a, std::string_view b);

// The candidate closest to name when it is close enough to be a typo, else nullopt.
std::optional<std::string> ClosestMatch(std::string_view name,
                                        const std::vector<std::string>& candidates);

}  // namespace dbct::config

#endif  // DBCT_CONFIG_SUGGEST_HPP
