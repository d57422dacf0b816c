// Durations as written in resources: Go style ("2m", "1h30m", "500ms", "0").
#ifndef DBCT_CONFIG_DURATION_HPP
#define DBCT_CONFIG_DURATION_HPP

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace dbct::config {

// Units: ns, us (or µs), ms, s, m, h, d. A bare "0" is zero; any other number needs a unit.
std::optional<std::chrono::nanoseconds> ParseDuration(std::string_view text);

// The shortest text ParseDuration reads back to the same value ("2m", "1h30m", "0").
std::string FormatDuration(std::chrono::nanoseconds duration);

}  // namespace dbct::config

#endif  // DBCT_CONFIG_DURATION_HPP
