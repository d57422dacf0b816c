#include "dbct/config/duration.hpp"

#include <cctype>
#include <cstdint>
#include <limits>

namespace dbct::config {
namespace {

using std::chrono::nanoseconds;

constexpr int64_t kNanosPerMicro = 1000;
constexpr int64_t kNanosPerMilli = 1000 * kNanosPerMicro;
constexpr int64_t kNanosPerSecond = 1000 * kNanosPerMilli;
constexpr int64_t kNanosPerMinute = 60 * kNanosPerSecond;
constexpr int64_t kNanosPerHour = 60 * kNanosPerMinute;
constexpr int64_t kNanosPerDay = 24 * kNanosPerHour;

std::optional<int64_t> UnitNanos(std::string_view unit) {
  if (unit == "ns") return 1;
  if (unit == "us" || unit == "\xC2\xB5s") return kNanosPerMicro;
  if (unit == "ms") return kNanosPerMilli;
  if (unit == "s") return kNanosPerSecond;
  if (unit == "m") return kNanosPerMinute;
  if (unit == "h") return kNanosPerHour;
  if (unit == "d") return kNanosPerDay;
  return std::nullopt;
}

}  // namespace

std::optional<nanoseconds> ParseDuration(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  if (text == "0") return nanoseconds(0);
  if (text.empty()) return std::nullopt;
  int64_t total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
    int64_t number = 0;
    for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i) {
      if (number > (std::numeric_limits<int64_t>::max() - 9) / 10) return std::nullopt;
      number = number * 10 + (text[i] - '0');
    }
    const std::size_t unit_start = i;
    while (i < text.size() && !std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    const std::optional<int64_t> unit = UnitNanos(text.substr(unit_start, i - unit_start));
    if (!unit) return std::nullopt;
    if (number != 0 && number > (std::numeric_limits<int64_t>::max() - total) / *unit) {
      return std::nullopt;
    }
    total += number * *unit;
  }
  return nanoseconds(total);
}

std::string FormatDuration(nanoseconds duration) {
  int64_t left = duration.count();
  if (left == 0) return "0";
  std::string out;
  if (left < 0) {
    out = "-";
    left = -left;
  }
  static constexpr std::pair<int64_t, const char*> kUnits[] = {
      {kNanosPerHour, "h"},   {kNanosPerMinute, "m"}, {kNanosPerSecond, "s"},
      {kNanosPerMilli, "ms"}, {kNanosPerMicro, "us"}, {1, "ns"}};
  for (const auto& [size, name] : kUnits) {
    if (left >= size) {
      out += std::to_string(left / size) + name;
      left %= size;
    }
  }
  return out;
}

}  // namespace dbct::config
