// One client connection to a MySQL/MariaDB server (libmariadb's MYSQL*), owned once.
#ifndef DBCT_BINLOG_MYSQL_CLIENT_HPP
#define DBCT_BINLOG_MYSQL_CLIENT_HPP

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <mysql.h>

namespace dbct::binlog {

// An error talking to the database. retriable(): the server may come back (connection lost,
// server shutting down); false: wrong password, unknown host, missing privilege, bad query.
class SourceError : public std::runtime_error {
 public:
  SourceError(const std::string& message, bool retriable)
      : std::runtime_error(message), retriable_(retriable) {}
  bool retriable() const { return retriable_; }

 private:
  bool retriable_;
};

enum class SslMode { kDisabled, kPreferred, kRequired, kVerifyCa, kVerifyIdentity };
SslMode ParseSslMode(const std::string& text);  // databaseSslMode values

struct MysqlSettings {
  std::string host = "127.0.0.1";
  unsigned int port = 3306;
  std::string user;
  std::string password;
  SslMode ssl_mode = SslMode::kPreferred;
  unsigned int connect_timeout_s = 10;
  unsigned int read_timeout_s = 60;  // must exceed the heartbeat period of a binlog dump
};

using SqlRow = std::vector<std::optional<std::string>>;

class MysqlConnection {
 public:
  explicit MysqlConnection(const MysqlSettings& settings);
  ~MysqlConnection();
  MysqlConnection(const MysqlConnection&) = delete;
  MysqlConnection& operator=(const MysqlConnection&) = delete;

  MYSQL* get() const { return mysql_; }
  const MysqlSettings& settings() const { return settings_; }

  void Execute(const std::string& sql);
  std::vector<SqlRow> Query(const std::string& sql);
  // One value of a one-row query; nullopt for NULL or no row.
  std::optional<std::string> QueryValue(const std::string& sql);
  std::string Quote(const std::string& text);

  // Throws SourceError built from the connection's last error, prefixed by `what`.
  [[noreturn]] void Fail(const std::string& what) const;

 private:
  MysqlSettings settings_;
  MYSQL* mysql_ = nullptr;
};

// Whether a client error number means "the server went away, try again later".
bool IsRetriableMysqlError(unsigned int error);

}  // namespace dbct::binlog

#endif  // DBCT_BINLOG_MYSQL_CLIENT_HPP
