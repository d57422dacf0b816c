#include "odbc_error.hpp"

#include <algorithm>
#include <cctype>

namespace dbct::odbc {

namespace {

// "[unixODBC][FreeTDS][SQL Server]Login failed" -> "Login failed".
std::string StripPrefixes(std::string text) {
  size_t start = 0;
  while (start < text.size() && text[start] == '[') {
    const size_t close = text.find(']', start);
    if (close == std::string::npos) break;
    start = close + 1;
  }
  text.erase(0, start);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == ';')) text.pop_back();
  return text;
}

bool Contains(const std::string& haystack, const char* needle) {
  std::string lower = haystack;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower.find(needle) != std::string::npos;
}

bool IsLoginFailure(const Diagnostic& d) {
  if (d.sqlstate == "28000") return true;
  // SQL Server 18456 (login failed), Oracle ORA-01017 (invalid username/password).
  if (d.native_error == 18456 || d.native_error == 1017) return true;
  return Contains(d.message, "password authentication failed") || Contains(d.message, "login failed") ||
         Contains(d.message, "ora-01017") || Contains(d.message, "no pg_hba.conf entry");
}

// A connection refused for a reason that waiting does not fix: unknown role or database.
bool IsFatalConnectFailure(const Diagnostic& d) {
  return (Contains(d.message, "role \"") || Contains(d.message, "database \"")) && Contains(d.message, "does not exist");
}

}  // namespace

std::vector<Diagnostic> ReadDiagnostics(SQLSMALLINT handle_type, SQLHANDLE handle) {
  std::vector<Diagnostic> out;
  if (handle == SQL_NULL_HANDLE) return out;
  for (SQLSMALLINT i = 1;; ++i) {
    SQLCHAR state[6] = {0};
    SQLINTEGER native = 0;
    SQLCHAR text[2048];
    SQLSMALLINT length = 0;
    const SQLRETURN rc = SQLGetDiagRec(handle_type, handle, i, state, &native, text,
                                       static_cast<SQLSMALLINT>(sizeof text), &length);
    if (!Succeeded(rc)) break;
    Diagnostic d;
    d.sqlstate.assign(reinterpret_cast<char*>(state), 5);
    d.native_error = native;
    const size_t n = std::min<size_t>(static_cast<size_t>(std::max<SQLSMALLINT>(length, 0)), sizeof text - 1);
    d.message = StripPrefixes(std::string(reinterpret_cast<char*>(text), n));
    out.push_back(std::move(d));
  }
  return out;
}

bool IsRetriable(const std::vector<Diagnostic>& diagnostics) {
  for (const auto& d : diagnostics) {
    if (IsLoginFailure(d) || IsFatalConnectFailure(d)) return false;
  }
  for (const auto& d : diagnostics) {
    const std::string& s = d.sqlstate;
    if (s.rfind("08", 0) == 0) return true;              // connection exception
    if (s == "HYT00" || s == "HYT01") return true;       // timeout
    if (s == "40001" || s == "40P01") return true;       // serialization failure, deadlock
    if (s == "57P01" || s == "57P02" || s == "57P03") return true;  // PostgreSQL shutdown/startup
    // SQL Server: deadlock victim (1205), connection broken (10054, 233), database not yet
    // recovered (922). Oracle: end-of-file on channel, not connected, lost contact, listener.
    switch (d.native_error) {
      case 1205: case 10054: case 233: case 922:
      case 3113: case 3114: case 3135: case 12541: case 12170: case 12514: case 12528:
        return true;
      default:
        break;
    }
    // psqlODBC reports a dead socket as HY000 "could not send query to backend" etc.
    if (Contains(d.message, "connection") && (Contains(d.message, "closed") || Contains(d.message, "lost") ||
                                              Contains(d.message, "reset") || Contains(d.message, "broken"))) {
      return true;
    }
    if (Contains(d.message, "could not send query") || Contains(d.message, "server closed") ||
        Contains(d.message, "terminating connection")) {
      return true;
    }
  }
  return false;
}

OdbcError MakeError(const std::string& what, SQLSMALLINT handle_type, SQLHANDLE handle) {
  auto diagnostics = ReadDiagnostics(handle_type, handle);
  if (diagnostics.empty()) {
    return OdbcError(what + ": the ODBC driver gave no diagnostic", "", 0, false);
  }
  // The first record is the cause; further records (psqlODBC, FreeTDS) repeat or add context.
  const Diagnostic& first = diagnostics.front();
  // Drivers add context in later records (FreeTDS: the first says only "Unable to connect").
  std::string text = first.message;
  for (size_t i = 1; i < diagnostics.size(); ++i) {
    const std::string& m = diagnostics[i].message;
    if (!m.empty() && text.find(m) == std::string::npos) text += "; " + m;
  }
  std::string message = what + ": " + text + " (SQLSTATE " + first.sqlstate + ")";
  const bool retriable = IsRetriable(diagnostics);
  if (first.sqlstate == "IM002") {
    message += "; check odbcDriver: \"odbcinst -q -d\" lists the drivers unixODBC knows, "
               "\"odbcinst -q -s\" the DSNs";
  } else if (first.sqlstate == "IM003" || (first.sqlstate == "01000" && Contains(first.message, "can't open lib"))) {
    // unixODBC takes a Driver= name it does not know for a library path and fails to open it.
    message += "; the ODBC driver is not registered with unixODBC or its library is missing: "
               "\"odbcinst -q -d\" lists the registered drivers; install the driver or set odbcDriver";
  } else if (!retriable && IsLoginFailure(first)) {
    message += "; check databaseUser and databasePassword";
  } else if (retriable && first.sqlstate.rfind("08", 0) == 0) {
    message += "; check that the server runs and accepts connections at the configured host and port";
  }
  return OdbcError(message, first.sqlstate, first.native_error, retriable);
}

void Check(SQLRETURN rc, const std::string& what, SQLSMALLINT handle_type, SQLHANDLE handle) {
  if (Succeeded(rc) || rc == SQL_NO_DATA) return;
  if (rc == SQL_INVALID_HANDLE) throw OdbcError(what + ": invalid ODBC handle", "", 0, false);
  throw MakeError(what, handle_type, handle);
}

}  // namespace dbct::odbc
