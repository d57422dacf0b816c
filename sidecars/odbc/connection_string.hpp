// ODBC connection strings: "Driver={FreeTDS};Server=db;Port=1433;UID=sa;PWD={p;w}".
#ifndef DBCT_ODBC_CONNECTION_STRING_HPP
#define DBCT_ODBC_CONNECTION_STRING_HPP

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dbct::odbc {

class ConnectionString {
 public:
  // Adds key=value; the value is braced when it holds ; { } = or spaces at its ends
  // (a '}' inside is doubled), as the ODBC grammar asks. Empty values are skipped.
  ConnectionString& Add(std::string_view key, std::string_view value) { return Append(key, value, false); }
  // Always braced: Driver={ODBC Driver 18 for SQL Server}.
  ConnectionString& AddBraced(std::string_view key, std::string_view value) { return Append(key, value, true); }
  const std::string& str() const { return text_; }

 private:
  ConnectionString& Append(std::string_view key, std::string_view value, bool always_brace);
  std::string text_;
};

// odbcDriver as users write it: a driver name ("FreeTDS", "ODBC Driver 18 for SQL Server",
// "{Oracle 21 ODBC driver}"), a DSN ("DSN=crm"), or a whole connection string (holds '=' and
// ';'), which is then used as given with UID/PWD added when absent.
struct DriverChoice {
  enum class Kind { kDriver, kDsn, kConnectionString } kind = Kind::kDriver;
  std::string value;  // driver name without braces, DSN name, or the connection string
};
DriverChoice ParseDriverChoice(std::string_view odbc_driver);

// The connection string with the values of PWD/Password keys replaced by ******, for messages.
std::string RedactConnectionString(std::string_view connection_string);

// Whether the connection string sets `key` (case-insensitive).
bool HasKey(std::string_view connection_string, std::string_view key);

// The connection string for `odbc_driver`: a whole connection string is used as given, with UID
// and PWD added where it sets none; a DSN or a driver gives DSN=... or Driver={...}, then the keys
// `add_keys` adds for that choice (server, database), then UID and PWD.
std::string ConnectionStringFor(std::string_view odbc_driver, const std::string& user, const std::string& password,
                                const std::function<void(const DriverChoice&, ConnectionString&)>& add_keys);

}  // namespace dbct::odbc

#endif  // DBCT_ODBC_CONNECTION_STRING_HPP
