// What the mains of every sidecar (dbct-mysql, dbct-mongodb, dbct-sqlserver, dbct-oracle) share:
// the command line (--manifest/-f, --metrics-addr, and for those that replay files --replay,
// --publish, --name, --event-time), loading the one resource of the sidecar's type, the stop
// flag set by SIGTERM/SIGINT or a stop request, the metrics endpoint, and the exit codes:
//   0 clean stop (signal or stop request) or replay done,
//   1 failure of the work (database, NATS, prerequisites, --metrics-addr not usable),
//   2 bad usage, bad resource or bad replay file (dbct run does not start it again).
#ifndef DBCT_SIDECAR_COMMON_SIDECAR_MAIN_HPP
#define DBCT_SIDECAR_COMMON_SIDECAR_MAIN_HPP

#include <CLI/CLI.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "dbct/config/resource.hpp"
#include "dbct/config/source_type.hpp"
#include "telemetry.hpp"

namespace dbct::sidecar {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitBadInput = 2;

// Prints "ERROR: <message>" and returns kExitBadInput.
int BadInput(const std::string& message);

// The process' stop flag: set by SIGTERM/SIGINT once InstallStopHandlers ran, and by a stop
// request on the control subject (Runtime).
std::atomic<bool>& StopFlag();
// SIGTERM/SIGINT set StopFlag(); SIGPIPE is ignored.
void InstallStopHandlers();

struct CommonOptions {
  std::string manifest;      // -f, --manifest
  std::string metrics_addr;  // --metrics-addr HOST:PORT
  // Replay (AddReplayOptions):
  std::string replay;         // --replay FILE
  bool publish = false;       // --publish
  std::string name;           // --name: the tracking name without a manifest
  int64_t event_time_ms = -1;  // --event-time(-ms); -1: the clock
};

struct ReplayTexts {
  std::string replay_help;        // what --replay reads
  std::string event_time_flag;    // "--event-time" or "--event-time-ms"
  std::string default_name;       // --name's default
};

class CommandLine {
 public:
  // program: "dbct-mysql"; description: the first line of --help.
  CommandLine(std::string program, config::SourceType type, const std::string& description);

  CLI::App& app() { return app_; }
  const std::string& program() const { return program_; }
  // --manifest becomes required (sidecars without a replay mode).
  void RequireManifest();
  void AddReplayOptions(const ReplayTexts& texts);

  // Nullopt to go on, else the exit code to return (0 after --help, 2 on bad usage).
  std::optional<int> Parse(int argc, char** argv);
  // The one resource of the sidecar's type in --manifest; nullopt after printing each problem
  // ("ERROR: file:line: ...").
  std::optional<config::Resource> LoadResource() const;

  CommonOptions options;

 private:
  const std::string program_;
  const config::SourceType type_;
  CLI::App app_;
};

// How a sidecar runs once its settings are made. `live` and `replay` get the telemetry (with
// the metrics endpoint running when --metrics-addr was given) and the stop flag.
struct Modes {
  std::function<int(Telemetry&, std::atomic<bool>& stop)> live;
  std::function<int(Telemetry&, std::atomic<bool>& stop)> replay;  // when --replay was given
};

// Starts the metrics endpoint (exit 1 naming --metrics-addr when it cannot listen), installs
// the stop handlers and runs the mode: replay when options.replay is set, else live. A replay
// with --metrics-addr then stays up until SIGTERM/SIGINT, so its final numbers can be scraped.
int RunSidecar(const CommonOptions& options, Telemetry& telemetry, const Modes& modes);

}  // namespace dbct::sidecar

#endif  // DBCT_SIDECAR_COMMON_SIDECAR_MAIN_HPP
