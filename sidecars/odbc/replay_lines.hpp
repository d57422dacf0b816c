// The replay file both ODBC sidecars read (--replay): one JSON object a line, a table's columns
// declared on a line before its rows. These read the lines and the column declarations; each
// sidecar reads its own row fields. `Error` is the sidecar's ReplayError.
#ifndef DBCT_ODBC_REPLAY_LINES_HPP
#define DBCT_ODBC_REPLAY_LINES_HPP

#include <istream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace dbct::odbc {

// Calls on_line(object, where) for each line of `in` that is not blank, `where` being
// "<name>:<line number>: " for messages.
template <typename Error, typename OnLine>
void ForEachReplayLine(std::istream& in, const std::string& name, OnLine on_line) {
  std::string text;
  int line_number = 0;
  while (std::getline(in, text)) {
    ++line_number;
    const std::string where = name + ":" + std::to_string(line_number) + ": ";
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json line;
    try {
      line = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
      throw Error(where + "not valid JSON: " + e.what());
    }
    if (!line.is_object()) throw Error(where + "each line must be a JSON object");
    on_line(line, where);
  }
}

// A declaration's "columns": [{"name", "type", "key"}], each type read by `parse_type` (the
// sidecar's ParseColumnType); `source` names the database in the message for an unknown type.
template <typename Error, typename Column, typename ParseType>
std::vector<Column> ReadReplayColumns(const nlohmann::json& columns, const std::string& where, const char* source,
                                      ParseType parse_type) {
  if (!columns.is_array() || columns.empty()) throw Error(where + "columns must be a non-empty array");
  std::vector<Column> out;
  for (const nlohmann::json& c : columns) {
    Column column;
    column.name = c.value("name", "");
    column.type_text = c.value("type", "");
    column.key = c.value("key", false);
    if (column.name.empty()) throw Error(where + "a column has no name");
    auto type = parse_type(column.type_text);
    if (!type) {
      throw Error(where + "column \"" + column.name + "\" has unknown " + source + " type \"" + column.type_text +
                  "\"");
    }
    column.type = *type;
    out.push_back(std::move(column));
  }
  return out;
}

}  // namespace dbct::odbc

#endif  // DBCT_ODBC_REPLAY_LINES_HPP
