// The dbct subcommands other than validate (SPEC §9). Each returns its exit code or throws
// CliError; one .cpp file per command.
#ifndef DBCT_CLI_COMMANDS_HPP
#define DBCT_CLI_COMMANDS_HPP

#include <cstdint>
#include <string>
#include <vector>

#include "cli_context.hpp"
#include "sidecar_supervisor.hpp"

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

struct RunOptions {
  std::vector<std::string> paths;
  std::string sidecar_dir;  // where dbct-<type> is; empty: next to dbct, then PATH
  SupervisorSettings supervisor;
};
// dbct run -f PATH (run_command.cpp).
int RunRun(const GlobalOptions& options, const RunOptions& run);

struct DeleteOptions {
  std::vector<std::string> paths;
  bool drop_stream = false;
};
// dbct delete -f PATH [--drop-stream] (delete_command.cpp).
int RunDelete(const GlobalOptions& options, const DeleteOptions& remove);

struct UntrackOptions {
  std::string name;
  bool drop_stream = false;
  std::string conninfo;            // -d: libpq connection string or URI; "" = PG* defaults
  std::vector<std::string> paths;  // -f: find the resource NAME there instead
};
// dbct untrack NAME [--drop-stream] [-d CONNINFO | -f PATH] (untrack_command.cpp).
int RunUntrack(const GlobalOptions& options, const UntrackOptions& untrack);

}  // namespace dbct::cli

#endif  // DBCT_CLI_COMMANDS_HPP
