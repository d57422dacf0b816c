#include "binlog_position.hpp"

#include <charconv>

namespace dbct::binlog {

std::string BinlogPosition::ToString() const {
  return file + ":" + std::to_string(tx_start) + ":" + std::to_string(changes);
}

std::optional<BinlogPosition> BinlogPosition::Parse(std::string_view text) {
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
