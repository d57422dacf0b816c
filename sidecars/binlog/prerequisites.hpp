// The server settings and privileges a binlog reader needs (SPEC §8), checked at start.
// Each missing one is one line naming it and what it is; all of them are reported at once.
#ifndef DBCT_BINLOG_PREREQUISITES_HPP
#define DBCT_BINLOG_PREREQUISITES_HPP

#include <string>
#include <vector>

#include "dbct/config/name_filter.hpp"
#include "mysql_client.hpp"

namespace dbct::binlog {

struct ServerFacts {
  std::string version;  // @@version
  bool mariadb = false;
  uint32_t server_id = 0;
  std::string binlog_checksum;
  std::string binlog_row_metadata;  // "" when the server has no such variable
};

struct PrerequisiteReport {
  ServerFacts facts;
  std::vector<std::string> problems;  // each one line, e.g. "binlog_format must be ROW (is STATEMENT)"
  std::vector<std::string> warnings;  // recommended settings that are not there
};

// Reads the variables and the current user's privileges. Throws SourceError when it cannot ask.
PrerequisiteReport CheckPrerequisites(MysqlConnection& connection);

// One line per entry of databaseIncludeList / tableIncludeList that matches no existing
// database / table (user databases only), so a typo is found at start rather than as a tracking
// that silently captures nothing. Throws SourceError when it cannot ask.
std::vector<std::string> CheckIncludeLists(MysqlConnection& connection,
                                           const config::NameFilter& databases,
                                           const config::NameFilter& tables);

}  // namespace dbct::binlog

#endif  // DBCT_BINLOG_PREREQUISITES_HPP
