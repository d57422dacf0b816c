#include "replay_file.hpp"

#include <cctype>

#include <nlohmann/json.hpp>

#include "dbct/values/temporal.hpp"
#include "replay_lines.hpp"

namespace dbct::oracle {

namespace {

using nlohmann::json;

uint64_t Scn(const json& line, const char* key, const std::string& where, bool required) {
  auto it = line.find(key);
  if (it == line.end() || it->is_null()) {
    if (required) throw ReplayError(where + key + " is missing");
    return 0;
  }
  if (it->is_number_unsigned() || it->is_number_integer()) return it->get<uint64_t>();
  if (it->is_string()) {
    const std::string s = it->get<std::string>();
    if (!s.empty() && s.find_first_not_of("0123456789") == std::string::npos && s.size() < 20) return std::stoull(s);
  }
  throw ReplayError(where + key + " must be a number (an SCN)");
}

std::string Text(const json& line, const char* key) {
  auto it = line.find(key);
  if (it == line.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

std::string Trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

}  // namespace

bool ParseTimestampMs(const std::string& s, int64_t* ms) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, n = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2d%*1[ T]%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6) return false;
  int64_t frac_ms = 0;
  if (s[static_cast<size_t>(n)] == '.') {
    int digits = 0;
    for (size_t i = static_cast<size_t>(n) + 1; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); ++i) {
      if (digits < 3) frac_ms = frac_ms * 10 + (s[i] - '0');
      ++digits;
    }
    for (; digits < 3; ++digits) frac_ms *= 10;
  }
  *ms = (values::DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) * 1000 + frac_ms;
  return true;
}

ReplayInput ReadReplay(std::istream& in, const std::string& name) {
  ReplayInput out;
  odbc::ForEachReplayLine<ReplayError>(in, name, [&](const json& line, const std::string& where) {
    if (line.contains("columns")) {
      const std::string full = line.value("table", "");
      const size_t dot = full.find('.');
      if (dot == std::string::npos) throw ReplayError(where + "table must be SCHEMA.TABLE (is \"" + full + "\")");
      OracleTable table;
      table.schema = full.substr(0, dot);
      table.table = full.substr(dot + 1);
      table.columns = odbc::ReadReplayColumns<ReplayError, TableColumn>(line["columns"], where, "Oracle",
                                                                       ParseColumnType);
      out.tables[full] = std::move(table);
      return;
    }
    LogMinerRow row;
    row.scn = Scn(line, "SCN", where, true);
    row.commit_scn = Scn(line, "COMMIT_SCN", where, false);
    row.xid = Text(line, "XID");
    for (char& c : row.xid) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (row.xid.empty()) throw ReplayError(where + "XID is missing");
    auto op = line.find("OPERATION_CODE");
    if (op == line.end() || !op->is_number_integer()) throw ReplayError(where + "OPERATION_CODE must be a number");
    row.operation_code = op->get<int>();
    row.seg_owner = Text(line, "SEG_OWNER");
    row.table_name = Text(line, "TABLE_NAME");
    row.row_id = Text(line, "ROW_ID");
    row.sql_redo = Text(line, "SQL_REDO");
    row.csf = line.value("CSF", 0) != 0;
    row.rollback = line.value("ROLLBACK", 0) != 0;
    row.rs_id = Trim(Text(line, "RS_ID"));
    row.ssn = line.value("SSN", 0);
    row.thread = line.value("THREAD#", 1);
    row.username = Text(line, "USERNAME");
    auto ts = line.find("TIMESTAMP");
    if (ts != line.end() && !ts->is_null()) {
      if (ts->is_number_integer()) {
        row.timestamp_ms = ts->get<int64_t>();
      } else if (!ts->is_string() || !ParseTimestampMs(ts->get<std::string>(), &row.timestamp_ms)) {
        throw ReplayError(where + "TIMESTAMP must be \"YYYY-MM-DD HH24:MI:SS\" or epoch milliseconds");
      }
    }
    const int code = row.operation_code;
    if ((code == 1 || code == 2 || code == 3) && row.sql_redo.empty()) {
      throw ReplayError(where + "SQL_REDO is missing for OPERATION_CODE " + std::to_string(code));
    }
    out.rows.push_back(std::move(row));
  });
  return out;
}

}  // namespace dbct::oracle
