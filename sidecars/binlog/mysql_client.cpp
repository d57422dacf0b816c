#include "mysql_client.hpp"

#include <errmsg.h>
#include <mysqld_error.h>

namespace dbct::binlog {

SslMode ParseSslMode(const std::string& text) {
  if (text == "disabled") return SslMode::kDisabled;
  if (text == "required") return SslMode::kRequired;
  if (text == "verify_ca") return SslMode::kVerifyCa;
  if (text == "verify_identity") return SslMode::kVerifyIdentity;
  return SslMode::kPreferred;
}

bool IsRetriableMysqlError(unsigned int error) {
  switch (error) {
    case CR_CONNECTION_ERROR:
    case CR_CONN_HOST_ERROR:
    case CR_SERVER_GONE_ERROR:
    case CR_SERVER_LOST:
    case CR_SERVER_LOST_EXTENDED:
    case ER_SERVER_SHUTDOWN:
    case ER_CON_COUNT_ERROR:
    case ER_CONNECTION_KILLED:
      return true;
    default:
      return false;
  }
}

MysqlConnection::MysqlConnection(const MysqlSettings& settings) : settings_(settings) {
  mysql_ = mysql_init(nullptr);
  if (mysql_ == nullptr) throw SourceError("out of memory creating a MySQL client handle", false);
  mysql_options(mysql_, MYSQL_OPT_CONNECT_TIMEOUT, &settings_.connect_timeout_s);
  mysql_options(mysql_, MYSQL_OPT_READ_TIMEOUT, &settings_.read_timeout_s);
  mysql_options(mysql_, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  my_bool yes = 1;
  my_bool no = 0;
  switch (settings_.ssl_mode) {
    case SslMode::kDisabled:
      break;
    case SslMode::kPreferred:
      // Connector/C 3.3 tries TLS when the server offers it and does not insist.
      mysql_options(mysql_, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &no);
      break;
    case SslMode::kRequired:
      mysql_options(mysql_, MYSQL_OPT_SSL_ENFORCE, &yes);
      mysql_options(mysql_, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &no);
      break;
    case SslMode::kVerifyCa:
    case SslMode::kVerifyIdentity:
      mysql_options(mysql_, MYSQL_OPT_SSL_ENFORCE, &yes);
      mysql_options(mysql_, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &yes);
      break;
  }
  if (mysql_real_connect(mysql_, settings_.host.c_str(), settings_.user.c_str(),
                         settings_.password.c_str(), nullptr, settings_.port, nullptr,
                         CLIENT_MULTI_RESULTS) == nullptr) {
    const unsigned int error = mysql_errno(mysql_);
    std::string message = "could not connect to the database at " + settings_.host + ":" +
                          std::to_string(settings_.port) + " as \"" + settings_.user +
                          "\": " + mysql_error(mysql_);
    if (error == ER_ACCESS_DENIED_ERROR) message += " (check databaseUser and databasePassword)";
    if (error == CR_UNKNOWN_HOST) message += " (check databaseHostname)";
    mysql_close(mysql_);
    mysql_ = nullptr;
    throw SourceError(message, IsRetriableMysqlError(error));
  }
}

MysqlConnection::~MysqlConnection() {
  if (mysql_ != nullptr) mysql_close(mysql_);
}

void MysqlConnection::Fail(const std::string& what) const {
  const unsigned int error = mysql_errno(mysql_);
  throw SourceError(what + ": " + mysql_error(mysql_), IsRetriableMysqlError(error));
}

void MysqlConnection::Execute(const std::string& sql) {
  if (mysql_real_query(mysql_, sql.data(), sql.size()) != 0) Fail("query failed (" + sql + ")");
  // Drain results so the connection is ready for the next statement.
  do {
    MYSQL_RES* res = mysql_store_result(mysql_);
    if (res != nullptr) mysql_free_result(res);
  } while (mysql_next_result(mysql_) == 0);
}

std::vector<SqlRow> MysqlConnection::Query(const std::string& sql) {
  if (mysql_real_query(mysql_, sql.data(), sql.size()) != 0) Fail("query failed (" + sql + ")");
  MYSQL_RES* res = mysql_store_result(mysql_);
  std::vector<SqlRow> rows;
  if (res == nullptr) {
    if (mysql_field_count(mysql_) != 0) Fail("reading the result failed (" + sql + ")");
    return rows;
  }
  const unsigned int fields = mysql_num_fields(res);
  while (MYSQL_ROW row = mysql_fetch_row(res)) {
    const unsigned long* lengths = mysql_fetch_lengths(res);
    SqlRow out(fields);
    for (unsigned int i = 0; i < fields; ++i) {
      if (row[i] != nullptr) out[i] = std::string(row[i], lengths[i]);
    }
    rows.push_back(std::move(out));
  }
  mysql_free_result(res);
  while (mysql_next_result(mysql_) == 0) {
    MYSQL_RES* more = mysql_store_result(mysql_);
    if (more != nullptr) mysql_free_result(more);
  }
  return rows;
}

std::optional<std::string> MysqlConnection::QueryValue(const std::string& sql) {
  auto rows = Query(sql);
  if (rows.empty() || rows[0].empty()) return std::nullopt;
  return rows[0][0];
}

std::string MysqlConnection::Quote(const std::string& text) {
  std::string out(text.size() * 2 + 3, '\0');
  out[0] = '\'';
  const unsigned long n =
      mysql_real_escape_string(mysql_, &out[1], text.data(), static_cast<unsigned long>(text.size()));
  out.resize(n + 1);
  out.push_back('\'');
  return out;
}

}  // namespace dbct::binlog
