// What every dbct subcommand gets from the global options.
#ifndef DBCT_CLI_CLI_CONTEXT_HPP
#define DBCT_CLI_CLI_CONTEXT_HPP

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

}  // namespace dbct::cli

#endif  // DBCT_CLI_CLI_CONTEXT_HPP
