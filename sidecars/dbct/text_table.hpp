// Plain left-aligned text tables for -o table output.
#ifndef DBCT_CLI_TEXT_TABLE_HPP
#define DBCT_CLI_TEXT_TABLE_HPP

#include <ostream>
#include <string>
#include <vector>

namespace dbct::cli {

class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header) : header_(std::move(header)) {}
  void AddRow(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  bool empty() const { return rows_.empty(); }
  // Columns separated by two spaces, sized to their widest cell; no trailing blanks.
  void Print(std::ostream& out) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

// "key:   value" lines, keys padded to the widest one.
void PrintKeyValues(std::ostream& out,
                    const std::vector<std::pair<std::string, std::string>>& items);

}  // namespace dbct::cli

#endif  // DBCT_CLI_TEXT_TABLE_HPP
