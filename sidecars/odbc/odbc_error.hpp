// ODBC diagnostics turned into one exception type, and the one place that decides whether an
// ODBC failure is worth retrying (reconnect with backoff) or ends the tracking.
#ifndef DBCT_ODBC_ODBC_ERROR_HPP
#define DBCT_ODBC_ODBC_ERROR_HPP

#include <sql.h>
#include <sqlext.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace dbct::odbc {

// One diagnostic record (SQLGetDiagRec).
struct Diagnostic {
  std::string sqlstate;  // five characters, "08001"
  int32_t native_error = 0;
  std::string message;   // driver text with the "[unixODBC][Driver]" prefixes removed
};

// Reads every diagnostic record of a handle. Never throws.
std::vector<Diagnostic> ReadDiagnostics(SQLSMALLINT handle_type, SQLHANDLE handle);

// Whether a failure is transient (lost connection, timeout, deadlock, server shutting down)
// or needs a person (bad credentials, missing driver, syntax error, missing object).
// Decided from the SQLSTATE, the native error and, where drivers disagree on the SQLSTATE of
// a failed login (psqlODBC reports it as 08001), the message.
bool IsRetriable(const std::vector<Diagnostic>& diagnostics);

class OdbcError : public std::runtime_error {
 public:
  OdbcError(const std::string& message, std::string sqlstate, int32_t native_error, bool retriable)
      : std::runtime_error(message),
        sqlstate_(std::move(sqlstate)),
        native_error_(native_error),
        retriable_(retriable) {}

  const std::string& sqlstate() const { return sqlstate_; }
  int32_t native_error() const { return native_error_; }
  bool retriable() const { return retriable_; }

 private:
  std::string sqlstate_;
  int32_t native_error_;
  bool retriable_;
};

// Builds the error for a failed call: "<what>: <driver message> (SQLSTATE 08001)", with a hint
// for the cases users meet first (driver not registered, login failed, server unreachable).
OdbcError MakeError(const std::string& what, SQLSMALLINT handle_type, SQLHANDLE handle);

// Throws MakeError(...) unless rc is SQL_SUCCESS, SQL_SUCCESS_WITH_INFO or SQL_NO_DATA.
void Check(SQLRETURN rc, const std::string& what, SQLSMALLINT handle_type, SQLHANDLE handle);

inline bool Succeeded(SQLRETURN rc) { return rc == SQL_SUCCESS || rc == SQL_SUCCESS_WITH_INFO; }

}  // namespace dbct::odbc

#endif  // DBCT_ODBC_ODBC_ERROR_HPP
