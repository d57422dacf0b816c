#include "binlog_position.hpp"

#include <charconv>

namespace dbct::binlog {

std::string BinlogPosition::ToString() const {
  return file + ":" + std::to_string(tx_start) + ":" + std::to_string(changes);
}

namespace {

constexpr std::string_view kSnapshotPrefix = "snapshot:";

bool Number(std::string_view s, uint64_t* out) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() && !s.empty();
}

}  // namespace

std::string SnapshotPosition::ToString() const {
  return std::string(kSnapshotPrefix) + file + ":" + std::to_string(pos) + ":" +
         std::to_string(table_index) + ":" + std::to_string(row);
}

std::optional<SnapshotPosition> SnapshotPosition::Parse(std::string_view text) {
  if (text.substr(0, kSnapshotPrefix.size()) != kSnapshotPrefix) return std::nullopt;
  text.remove_prefix(kSnapshotPrefix.size());
  // The file name may hold ':'; the three numbers may not.
  uint64_t numbers[3];
  for (int i = 2; i >= 0; --i) {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0) return std::nullopt;
    if (!Number(text.substr(colon + 1), &numbers[i])) return std::nullopt;
    text = text.substr(0, colon);
  }
  return SnapshotPosition{std::string(text), numbers[0], numbers[1], numbers[2]};
}

std::optional<BinlogPosition> BinlogPosition::Parse(std::string_view text) {
  if (text.substr(0, kSnapshotPrefix.size()) == kSnapshotPrefix) return std::nullopt;
  const size_t last = text.rfind(':');
  if (last == std::string_view::npos || last == 0) return std::nullopt;
  const size_t middle = text.rfind(':', last - 1);
  if (middle == std::string_view::npos || middle == 0) return std::nullopt;
  BinlogPosition p;
  p.file = std::string(text.substr(0, middle));
  auto number = [](std::string_view s, uint64_t* out) {
    auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
    return r.ec == std::errc() && r.ptr == s.data() + s.size() && !s.empty();
  };
  if (!number(text.substr(middle + 1, last - middle - 1), &p.tx_start)) return std::nullopt;
  if (!number(text.substr(last + 1), &p.changes)) return std::nullopt;
  return p;
}

}  // namespace dbct::binlog
