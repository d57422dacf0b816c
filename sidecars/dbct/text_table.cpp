#include "text_table.hpp"

#include <algorithm>

namespace dbct::cli {
namespace {

void PrintRow(std::ostream& out, const std::vector<std::string>& row,
              const std::vector<std::size_t>& widths) {
  std::string line;
  for (std::size_t i = 0; i < row.size(); i++) {
    if (i > 0) line.append(2, ' ');
    line += row[i];
    if (i + 1 < row.size() && row[i].size() < widths[i])
      line.append(widths[i] - row[i].size(), ' ');
  }
  out << line << '\n';
}

}  // namespace

void TextTable::Print(std::ostream& out) const {
  std::vector<std::size_t> widths(header_.size(), 0);
  for (std::size_t i = 0; i < header_.size(); i++) widths[i] = header_[i].size();
  for (const auto& row : rows_)
    for (std::size_t i = 0; i < row.size() && i < widths.size(); i++)
      widths[i] = std::max(widths[i], row[i].size());
  PrintRow(out, header_, widths);
  for (const auto& row : rows_) PrintRow(out, row, widths);
}

void PrintKeyValues(std::ostream& out,
                    const std::vector<std::pair<std::string, std::string>>& items) {
  std::size_t width = 0;
  for (const auto& item : items) width = std::max(width, item.first.size());
  for (const auto& [key, value] : items)
    out << key << ':' << std::string(width - key.size() + 2, ' ') << value << '\n';
}

}  // namespace dbct::cli
