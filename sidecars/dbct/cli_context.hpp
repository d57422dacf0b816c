// What every dbct subcommand gets from the global options, and how it reports failure.
#ifndef DBCT_CLI_CLI_CONTEXT_HPP
#define DBCT_CLI_CLI_CONTEXT_HPP

#include <stdexcept>
#include <string>

namespace dbct::cli {

enum class OutputFormat { kTable, kJson };

// Exit codes (SPEC §9).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;   // the work failed (server unreachable, ...)
inline constexpr int kExitBadInput = 2;  // bad usage or bad input

struct GlobalOptions {
  std::string nats_url;     // --nats-url; empty: the resource's, $NATS_URL, loopback
  std::string credentials;  // --creds
  OutputFormat output = OutputFormat::kTable;
};

// Ends a command: main prints "dbct: <message>" on one line and exits with exit_code().
class CliError : public std::runtime_error {
 public:
  CliError(int exit_code, const std::string& message)
      : std::runtime_error(message), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

inline CliError BadInput(const std::string& message) { return CliError(kExitBadInput, message); }
inline CliError WorkFailed(const std::string& message) { return CliError(kExitFailure, message); }

}  // namespace dbct::cli

#endif  // DBCT_CLI_CLI_CONTEXT_HPP
