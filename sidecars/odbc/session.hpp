// One database connection kept open across failures: a retriable OdbcError (lost connection,
// timeout, deadlock) drops it and the next attempt reconnects after a capped exponential
// backoff; a fatal one (bad credentials, missing driver, missing object) goes to the caller.
#ifndef DBCT_ODBC_SESSION_HPP
#define DBCT_ODBC_SESSION_HPP

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "odbc_connection.hpp"

namespace dbct::odbc {

class Backoff {
 public:
  Backoff(std::chrono::milliseconds min = std::chrono::milliseconds(500),
          std::chrono::milliseconds max = std::chrono::milliseconds(30000))
      : min_(min), max_(max), next_(min) {}
  // The delay to wait now; doubles the next one up to the cap.
  std::chrono::milliseconds Next();
  void Reset() { next_ = min_; }

 private:
  std::chrono::milliseconds min_;
  std::chrono::milliseconds max_;
  std::chrono::milliseconds next_;
};

class Session {
 public:
  using RetryReport = std::function<void(const OdbcError& error, std::chrono::milliseconds delay)>;

  Session(const Environment& env, std::string connection_string, ConnectOptions options = {},
          Backoff backoff = Backoff());

  // The open connection, connecting first when there is none. Throws OdbcError.
  Connection& Get();
  bool Connected() const { return connection_ != nullptr; }
  // Drops the connection (after a retriable error); the next Get() reconnects.
  void Drop() { connection_.reset(); }
  uint64_t Connects() const { return connects_; }

  // Runs work(connection) until it returns without a retriable error: each retriable error
  // drops the connection, is reported, and waits the backoff (checking `stop` every 100 ms).
  // Returns false when stopped first. Fatal errors propagate. The backoff resets after a
  // success.
  bool Run(const std::function<void(Connection&)>& work, const std::atomic<bool>& stop,
           const RetryReport& report = nullptr);

 private:
  const Environment& env_;
  std::string connection_string_;
  ConnectOptions options_;
  Backoff backoff_;
  std::unique_ptr<Connection> connection_;
  uint64_t connects_ = 0;
};

}  // namespace dbct::odbc

#endif  // DBCT_ODBC_SESSION_HPP
