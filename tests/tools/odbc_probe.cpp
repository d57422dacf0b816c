// odbc_probe: drives the ODBC layer (sidecars/odbc) for tests/integration/test_odbc_layer.py.
// The connection string comes from $DBCT_ODBC_CONNECTION, so it never shows in a process list.
//
//   odbc_probe connect                      connects; prints "connected: <DBMS name>"
//   odbc_probe query SQL [ARRAY_SIZE]       prints {"columns":[...]} then one JSON array per row
//   odbc_probe poll SQL COUNT INTERVAL_MS   runs SQL COUNT times through a reconnecting Session,
//                                           printing "ok <first cell>" or "retry <sqlstate> <message>"
// Errors: "error <sqlstate> retriable=<bool>: <message>" on stdout, exit 1.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "odbc_statement.hpp"
#include "session.hpp"

namespace {

using dbct::odbc::CellKind;

nlohmann::json Cell(dbct::odbc::Statement& s, size_t i) {
  if (s.IsNull(i)) return nullptr;
  switch (s.Columns()[i].kind) {
    case CellKind::kInt64: return s.Int(i);
    case CellKind::kFloat: return s.Float(i);
    case CellKind::kDouble: return s.Double(i);
    case CellKind::kBool: return s.Bool(i);
    case CellKind::kBinary: return nlohmann::json{{"hex", s.AsText(i)}};
    default: return s.AsText(i);
  }
}

int Main(int argc, char** argv) {
  const char* conn = std::getenv("DBCT_ODBC_CONNECTION");
  if (argc < 2 || conn == nullptr) {
    std::fprintf(stderr, "usage: DBCT_ODBC_CONNECTION=... odbc_probe connect|query|poll ...\n");
    return 2;
  }
  const std::string command = argv[1];
  dbct::odbc::Environment env;
  dbct::odbc::ConnectOptions options;
  options.login_timeout = std::chrono::seconds(5);
  if (command == "connect") {
    dbct::odbc::Connection c(env, conn, options);
    std::cout << "connected: " << c.Info(SQL_DBMS_NAME) << std::endl;
    return 0;
  }
  if (command == "query" && argc >= 3) {
    dbct::odbc::Connection c(env, conn, options);
    dbct::odbc::Statement s(c);
    if (argc >= 4) s.SetArraySize(static_cast<size_t>(std::atol(argv[3])));
    s.ExecuteDirect(argv[2]);
    nlohmann::json columns = nlohmann::json::array();
    for (const auto& col : s.Columns()) {
      columns.push_back({{"name", col.name}, {"kind", dbct::odbc::CellKindName(col.kind)},
                         {"sql_type", col.sql_type}, {"long", col.is_long}});
    }
    std::cout << nlohmann::json{{"columns", columns}}.dump() << "\n";
    while (s.Next()) {
      nlohmann::json row = nlohmann::json::array();
      for (size_t i = 0; i < s.Columns().size(); ++i) row.push_back(Cell(s, i));
      std::cout << row.dump() << "\n";
    }
    return 0;
  }
  if (command == "poll" && argc >= 5) {
    const std::string sql = argv[2];
    const int count = std::atoi(argv[3]);
    const auto interval = std::chrono::milliseconds(std::atoi(argv[4]));
    std::atomic<bool> stop{false};
    dbct::odbc::Session session(env, conn, options,
                                dbct::odbc::Backoff(std::chrono::milliseconds(200), std::chrono::milliseconds(2000)));
    for (int i = 0; i < count; ++i) {
      session.Run(
          [&](dbct::odbc::Connection& c) {
            dbct::odbc::Statement s(c);
            s.ExecuteDirect(sql);
            std::string first = s.Next() ? s.AsText(0) : "(no rows)";
            std::cout << "ok " << first << std::endl;
          },
          stop,
          [](const dbct::odbc::OdbcError& e, std::chrono::milliseconds delay) {
            std::cout << "retry " << e.sqlstate() << " in " << delay.count() << " ms: " << e.what() << std::endl;
          });
      std::this_thread::sleep_for(interval);
    }
    std::cout << "connects " << session.Connects() << std::endl;
    return 0;
  }
  std::fprintf(stderr, "odbc_probe: unknown command \"%s\"\n", command.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Main(argc, argv);
  } catch (const dbct::odbc::OdbcError& e) {
    std::cout << "error " << e.sqlstate() << " retriable=" << (e.retriable() ? "true" : "false") << ": " << e.what()
              << std::endl;
    return 1;
  }
}
