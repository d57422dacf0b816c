// The dbct subcommands other than validate (SPEC §9). Each returns its exit code or throws
// CliError; one .cpp file per command.
#ifndef DBCT_CLI_COMMANDS_HPP
#define DBCT_CLI_COMMANDS_HPP

#include <cstdint>
#include <string>
#include <vector>

#include "cli_context.hpp"

namespace dbct::cli {

// dbct flows ls: every tracking in the status bucket (flows_ls_command.cpp).
int RunFlowsLs(const GlobalOptions& options);

// dbct flows status NAME[-flow]: one tracking in detail (flows_status_command.cpp).
int RunFlowsStatus(const GlobalOptions& options, const std::string& name);

struct FlowsLogsOptions {
  std::string name;  // NAME or NAME-flow
  bool follow = false;
  std::string since;  // a duration ("10m"); empty: every stored line
};
// dbct flows logs NAME[-flow] [-f] [--since D] (flows_logs_command.cpp).
int RunFlowsLogs(const GlobalOptions& options, const FlowsLogsOptions& logs);

struct TailOptions {
  std::string name;
  bool from_start = false;
  bool pretty = false;
  int64_t count = 0;  // stop after this many events; 0: until interrupted
};
// dbct tail NAME [--from-start] [--pretty] (tail_command.cpp).
int RunTail(const GlobalOptions& options, const TailOptions& tail);

// dbct stream info NAME (stream_info_command.cpp).
int RunStreamInfo(const GlobalOptions& options, const std::string& name);

}  // namespace dbct::cli

#endif  // DBCT_CLI_COMMANDS_HPP
