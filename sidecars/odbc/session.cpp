#include "session.hpp"

#include <thread>

namespace dbct::odbc {

std::chrono::milliseconds Backoff::Next() {
  const auto now = next_;
  next_ = std::min(next_ * 2, max_);
  return now;
}

Session::Session(const Environment& env, std::string connection_string, ConnectOptions options, Backoff backoff)
    : env_(env), connection_string_(std::move(connection_string)), options_(options), backoff_(backoff) {}

Connection& Session::Get() {
  if (!connection_) {
    connection_ = std::make_unique<Connection>(env_, connection_string_, options_);
    ++connects_;
  }
  return *connection_;
}

bool Session::Run(const std::function<void(Connection&)>& work, const std::atomic<bool>& stop,
                  const RetryReport& report) {
  while (!stop.load()) {
    try {
      work(Get());
      backoff_.Reset();
      return true;
    } catch (const OdbcError& e) {
      if (!e.retriable()) throw;
      Drop();
      const auto delay = backoff_.Next();
      if (report) report(e, delay);
      for (auto waited = std::chrono::milliseconds(0); waited < delay && !stop.load();
           waited += std::chrono::milliseconds(100)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
  }
  return false;
}

}  // namespace dbct::odbc
