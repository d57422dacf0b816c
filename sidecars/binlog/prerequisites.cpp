#include "prerequisites.hpp"

#include <algorithm>
#include <cctype>
#include <set>

#include "catalog.hpp"

namespace dbct::binlog {

namespace {

std::string Upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string Variable(MysqlConnection& c, const std::string& name) {
  auto rows = c.Query("SHOW GLOBAL VARIABLES LIKE " + c.Quote(name));
  if (rows.empty() || rows[0].size() < 2 || !rows[0][1]) return "";
  return *rows[0][1];
}

// The privileges of the current user on *.* (ALL expands to the list).
std::set<std::string> GlobalPrivileges(MysqlConnection& c) {
  std::set<std::string> privileges;
  for (const auto& row : c.Query("SHOW GRANTS FOR CURRENT_USER()")) {
    if (row.empty() || !row[0]) continue;
    const std::string grant = Upper(*row[0]);
    const size_t on = grant.find(" ON *.*");
    if (grant.rfind("GRANT ", 0) != 0 || on == std::string::npos) continue;
    std::string list = grant.substr(6, on - 6);
    size_t start = 0;
    while (start <= list.size()) {
      size_t comma = list.find(',', start);
      if (comma == std::string::npos) comma = list.size();
      std::string item = list.substr(start, comma - start);
      item.erase(0, item.find_first_not_of(' '));
      item.erase(item.find_last_not_of(' ') + 1);
      if (!item.empty()) privileges.insert(item);
      start = comma + 1;
    }
  }
  return privileges;
}

}  // namespace

PrerequisiteReport CheckPrerequisites(MysqlConnection& c) {
  PrerequisiteReport report;
  ServerFacts& f = report.facts;
  f.version = c.QueryValue("SELECT @@version").value_or("");
  f.mariadb = f.version.find("MariaDB") != std::string::npos;
  const std::string log_bin = Upper(Variable(c, "log_bin"));
  const std::string format = Upper(Variable(c, "binlog_format"));
  const std::string image = Upper(Variable(c, "binlog_row_image"));
  const std::string server_id = Variable(c, "server_id");
  f.binlog_checksum = Upper(Variable(c, "binlog_checksum"));
  f.binlog_row_metadata = Upper(Variable(c, "binlog_row_metadata"));
  f.server_id = static_cast<uint32_t>(std::strtoul(server_id.c_str(), nullptr, 10));

  auto& p = report.problems;
  if (log_bin != "ON" && log_bin != "1") {
    p.push_back("log_bin must be ON (is " + (log_bin.empty() ? std::string("OFF") : log_bin) +
                "): start the server with --log-bin");
  }
  if (format != "ROW") p.push_back("binlog_format must be ROW (is " + format + ")");
  if (!image.empty() && image != "FULL") {
    p.push_back("binlog_row_image must be FULL (is " + image + ")");
  }
  if (f.server_id == 0) p.push_back("server_id must be set to a non-zero value (is 0)");

  const auto privileges = GlobalPrivileges(c);
  const bool all = privileges.count("ALL PRIVILEGES") > 0 || privileges.count("ALL") > 0;
  const std::string user = c.QueryValue("SELECT CURRENT_USER()").value_or("?");
  if (!all && privileges.count("REPLICATION SLAVE") == 0 &&
      privileges.count("REPLICATION REPLICA") == 0) {
    p.push_back("user " + user + " lacks the REPLICATION SLAVE privilege: GRANT REPLICATION SLAVE ON *.* TO " + user);
  }
  // MariaDB 10.5+ renamed REPLICATION CLIENT to BINLOG MONITOR (and still accepts the old name).
  if (!all && privileges.count("REPLICATION CLIENT") == 0 &&
      privileges.count("BINLOG MONITOR") == 0) {
    p.push_back("user " + user + " lacks the " +
                std::string(f.mariadb ? "BINLOG MONITOR (REPLICATION CLIENT)" : "REPLICATION CLIENT") +
                " privilege: GRANT " + (f.mariadb ? "BINLOG MONITOR" : "REPLICATION CLIENT") +
                " ON *.* TO " + user);
  }
  if (f.binlog_checksum != "CRC32" && f.binlog_checksum != "NONE" && !f.binlog_checksum.empty()) {
    p.push_back("binlog_checksum must be CRC32 or NONE (is " + f.binlog_checksum + ")");
  }
  if (f.binlog_row_metadata != "FULL") {
    report.warnings.push_back(
        "binlog_row_metadata should be FULL (is " +
        (f.binlog_row_metadata.empty() ? std::string("not available") : f.binlog_row_metadata) +
        "): column names, signedness and charsets come from the schema history the sidecar "
        "keeps by following DDL (stream dbchangetracking-schemahistory) instead of the events");
  }
  return report;
}

std::vector<std::string> CheckIncludeLists(MysqlConnection& c, const config::NameFilter& databases,
                                           const config::NameFilter& tables) {
  std::vector<std::string> problems;
  if (!databases.include_items().empty()) {
    std::vector<std::string> names;
    for (const auto& r : c.Query("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE "
                                 "SCHEMA_NAME NOT IN ('mysql', 'information_schema', "
                                 "'performance_schema', 'sys')")) {
      names.push_back(r[0].value_or(""));
    }
    for (const auto& item : databases.UnmatchedIncludeItems(names)) {
      problems.push_back("database include list entry \"" + item +
                         "\" matches no database; check the name or remove it");
    }
  }
  if (!tables.include_items().empty()) {
    std::vector<std::string> names;
    for (const auto& [db, table] : ListUserTables(c)) names.push_back(db + "." + table);
    const auto unmatched = tables.UnmatchedIncludeItems(names);
    const auto views = unmatched.empty() ? std::vector<std::string>() : ListUserViews(c);
    for (const auto& item : unmatched) {
      // A view has no rows of its own in the binlog: say so rather than "matches nothing".
      std::string error;
      auto one = config::NameFilter::Create(item, "", &error);
      std::string matched;
      for (const auto& view : views) {
        if (!one || !one->Matches(view)) continue;
        matched += (matched.empty() ? "" : ", ") + view;
      }
      if (!matched.empty()) {
        problems.push_back("table include list entry \"" + item + "\" names only views (" +
                           matched +
                           "): views have no rows in the binlog; include the tables the view "
                           "reads instead");
      } else {
        problems.push_back("table include list entry \"" + item +
                           "\" matches no table; check the name or remove it");
      }
    }
  }
  return problems;
}

}  // namespace dbct::binlog
