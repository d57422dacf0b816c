// RAII wrappers of the ODBC handles (environment, connection, statement), each move-only,
// each turning a failed call into OdbcError with the driver's diagnostics.
#ifndef DBCT_ODBC_ODBC_CONNECTION_HPP
#define DBCT_ODBC_ODBC_CONNECTION_HPP

#include <sql.h>
#include <sqlext.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "odbc_error.hpp"

namespace dbct::odbc {

// Owns one ODBC handle of a type; frees it on destruction.
class Handle {
 public:
  Handle() = default;
  Handle(SQLSMALLINT type, SQLHANDLE handle) : type_(type), handle_(handle) {}
  ~Handle() { Reset(); }
  Handle(Handle&& other) noexcept : type_(other.type_), handle_(other.handle_) { other.handle_ = SQL_NULL_HANDLE; }
  Handle& operator=(Handle&& other) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  SQLHANDLE get() const { return handle_; }
  SQLSMALLINT type() const { return type_; }
  void Reset();

 private:
  SQLSMALLINT type_ = SQL_HANDLE_ENV;
  SQLHANDLE handle_ = SQL_NULL_HANDLE;
};

// The ODBC 3 environment. One per process is enough; connections keep a pointer to it.
class Environment {
 public:
  Environment();
  SQLHENV get() const { return static_cast<SQLHENV>(handle_.get()); }

 private:
  Handle handle_;
};

struct ConnectOptions {
  std::chrono::seconds login_timeout{15};
  std::chrono::seconds query_timeout{0};  // 0: none (polling queries are short)
  bool autocommit = true;
};

class Statement;

class Connection {
 public:
  // Connects with SQLDriverConnect (no prompt). Throws OdbcError; the message never holds
  // the connection string (it carries the password).
  Connection(const Environment& env, const std::string& connection_string, ConnectOptions options = {});
  ~Connection();
  Connection(Connection&&) noexcept = default;
  Connection& operator=(Connection&&) noexcept = default;

  SQLHDBC get() const { return static_cast<SQLHDBC>(handle_.get()); }
  const ConnectOptions& options() const { return options_; }

  Statement NewStatement();
  // Runs a statement that returns no rows (or whose rows are not wanted).
  void Execute(std::string_view sql);
  void SetAutocommit(bool on);
  void Commit();
  void Rollback();
  // SQLGetInfo text (SQL_DBMS_NAME, SQL_DBMS_VER, SQL_DRIVER_NAME...).
  std::string Info(SQLUSMALLINT info_type);

 private:
  Handle handle_;
  ConnectOptions options_;
  bool connected_ = false;
};

}  // namespace dbct::odbc

#endif  // DBCT_ODBC_ODBC_CONNECTION_HPP
