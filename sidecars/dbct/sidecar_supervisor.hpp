// Runs sidecar processes (dbct-<type> --manifest FILE), one per resource, and keeps them
// running: a sidecar that fails is started again after a capped, growing delay; one that exits
// 0 on its own stopped on request (dbct delete/untrack sent it a stop request) and is not; its
// output lines are passed on prefixed with the resource's name; SIGTERM/SIGINT stop them all.
#ifndef DBCT_CLI_SIDECAR_SUPERVISOR_HPP
#define DBCT_CLI_SIDECAR_SUPERVISOR_HPP

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace dbct::cli {

struct SidecarSpec {
  std::string name;        // the resource's name: the prefix of its output lines
  std::string executable;  // full path of dbct-<type>
  std::string manifest;    // file holding that one resource
};

struct SupervisorSettings {
  std::chrono::milliseconds backoff_min{1000};
  std::chrono::milliseconds backoff_max{30000};
  // A sidecar that ran this long before exiting starts again after backoff_min.
  std::chrono::milliseconds stable_after{60000};
  // How long sidecars get to finish in-flight publishes after SIGTERM before SIGKILL.
  std::chrono::milliseconds stop_timeout{15000};
};

// Exit code of a sidecar that found bad input (SPEC §9): starting it again cannot help.
inline constexpr int kSidecarBadInput = 2;

class Supervisor {
 public:
  Supervisor(std::vector<SidecarSpec> sidecars, SupervisorSettings settings = {});
  ~Supervisor();
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // Runs until a stop signal (returns 0 once every sidecar has stopped) or until no sidecar is
  // left to run: 1 when one gave up with bad input, else 0 (every one stopped on request).
  // Needs InstallStopHandlers() first.
  int Run();

 private:
  struct Child;
  void Start(Child& child);
  void ReadOutput(Child& child, int fd, bool drain);
  void Reaped(Child& child, int wait_status);
  void SignalAll(int signal_number);

  std::vector<Child> children_;
  SupervisorSettings settings_;
};

// Where dbct-<type> is: in `directory` when given, else next to the running dbct binary, else
// on PATH. Returns "" when it is nowhere; *looked_in lists the places searched.
std::string FindSidecar(const std::string& executable_name, const std::string& directory,
                        std::string* looked_in);

}  // namespace dbct::cli

#endif  // DBCT_CLI_SIDECAR_SUPERVISOR_HPP
