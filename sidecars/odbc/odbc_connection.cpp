#include "odbc_connection.hpp"

#include "odbc_statement.hpp"

namespace dbct::odbc {

Handle& Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    Reset();
    type_ = other.type_;
    handle_ = other.handle_;
    other.handle_ = SQL_NULL_HANDLE;
  }
  return *this;
}

void Handle::Reset() {
  if (handle_ != SQL_NULL_HANDLE) {
    SQLFreeHandle(type_, handle_);
    handle_ = SQL_NULL_HANDLE;
  }
}

Environment::Environment() {
  SQLHANDLE env = SQL_NULL_HANDLE;
  if (!Succeeded(SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env))) {
    throw OdbcError("could not allocate an ODBC environment: is unixODBC installed?", "", 0, false);
  }
  handle_ = Handle(SQL_HANDLE_ENV, env);
  Check(SQLSetEnvAttr(env, SQL_ATTR_ODBC_VERSION, reinterpret_cast<SQLPOINTER>(SQL_OV_ODBC3), 0),
        "could not select ODBC version 3", SQL_HANDLE_ENV, env);
}

Connection::Connection(const Environment& env, const std::string& connection_string, ConnectOptions options)
    : options_(options) {
  SQLHANDLE dbc = SQL_NULL_HANDLE;
  Check(SQLAllocHandle(SQL_HANDLE_DBC, env.get(), &dbc), "could not allocate an ODBC connection",
        SQL_HANDLE_ENV, env.get());
  handle_ = Handle(SQL_HANDLE_DBC, dbc);
  SQLSetConnectAttr(dbc, SQL_ATTR_LOGIN_TIMEOUT,
                    reinterpret_cast<SQLPOINTER>(static_cast<SQLULEN>(options.login_timeout.count())), 0);
  SQLCHAR out[1024];
  SQLSMALLINT out_length = 0;
  const SQLRETURN rc = SQLDriverConnect(
      dbc, nullptr, reinterpret_cast<SQLCHAR*>(const_cast<char*>(connection_string.c_str())), SQL_NTS, out,
      sizeof out, &out_length, SQL_DRIVER_NOPROMPT);
  Check(rc, "could not connect", SQL_HANDLE_DBC, dbc);
  connected_ = true;
  if (!options.autocommit) SetAutocommit(false);
}

Connection::~Connection() {
  if (connected_ && handle_.get() != SQL_NULL_HANDLE) {
    // A broken connection may refuse; the handle is freed either way.
    SQLEndTran(SQL_HANDLE_DBC, handle_.get(), SQL_ROLLBACK);
    SQLDisconnect(handle_.get());
  }
}

Statement Connection::NewStatement() { return Statement(*this); }

void Connection::Execute(std::string_view sql) {
  Statement s(*this);
  s.ExecuteDirect(sql);
}

void Connection::SetAutocommit(bool on) {
  Check(SQLSetConnectAttr(get(), SQL_ATTR_AUTOCOMMIT,
                          reinterpret_cast<SQLPOINTER>(static_cast<SQLULEN>(on ? SQL_AUTOCOMMIT_ON : SQL_AUTOCOMMIT_OFF)),
                          0),
        "could not set autocommit", SQL_HANDLE_DBC, get());
}

void Connection::Commit() { Check(SQLEndTran(SQL_HANDLE_DBC, get(), SQL_COMMIT), "commit failed", SQL_HANDLE_DBC, get()); }

void Connection::Rollback() {
  Check(SQLEndTran(SQL_HANDLE_DBC, get(), SQL_ROLLBACK), "rollback failed", SQL_HANDLE_DBC, get());
}

std::string Connection::Info(SQLUSMALLINT info_type) {
  char buf[512];
  SQLSMALLINT length = 0;
  Check(SQLGetInfo(get(), info_type, buf, sizeof buf, &length), "SQLGetInfo failed", SQL_HANDLE_DBC, get());
  return std::string(buf, static_cast<size_t>(std::min<SQLSMALLINT>(length, sizeof buf - 1)));
}

}  // namespace dbct::odbc
