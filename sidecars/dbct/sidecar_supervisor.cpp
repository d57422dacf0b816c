#include "sidecar_supervisor.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "stop_signal.hpp"

extern char** environ;

namespace dbct::cli {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kPollMs = 200;
constexpr std::size_t kMaxLine = 64 * 1024;  // a longer line is passed on in pieces

bool IsExecutable(const std::string& path) {
  return !path.empty() && access(path.c_str(), X_OK) == 0;
}

std::string OwnDirectory() {
  char buffer[4096];
  const ssize_t length = readlink("/proc/self/exe", buffer, sizeof buffer - 1);
  if (length <= 0) return "";
  std::string path(buffer, static_cast<std::size_t>(length));
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

void Say(const std::string& name, const std::string& message) {
  std::cerr << "dbct: [" << name << "] " << message << std::endl;
}

std::string Seconds(std::chrono::milliseconds ms) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1fs", static_cast<double>(ms.count()) / 1000.0);
  return buffer;
}

}  // namespace

struct Supervisor::Child {
  SidecarSpec spec;
  pid_t pid = 0;  // 0: not running
  int out_fd = -1;
  int err_fd = -1;
  std::string out_buffer;
  std::string err_buffer;
  Clock::time_point started_at{};
  Clock::time_point next_start{};  // when to start it (again)
  std::chrono::milliseconds backoff{0};
  bool given_up = false;
  bool finished = false;  // exited 0 on its own: stopped on request
  int starts = 0;
};

std::string FindSidecar(const std::string& executable_name, const std::string& directory,
                        std::string* looked_in) {
  if (!directory.empty()) {
    *looked_in = directory;
    const std::string path = directory + "/" + executable_name;
    return IsExecutable(path) ? path : "";
  }
  const std::string own = OwnDirectory();
  *looked_in = own.empty() ? "PATH" : own + " and on PATH";
  if (!own.empty() && IsExecutable(own + "/" + executable_name)) return own + "/" + executable_name;
  const char* path_env = std::getenv("PATH");
  const std::string path = path_env == nullptr ? "" : path_env;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t colon = path.find(':', start);
    if (colon == std::string::npos) colon = path.size();
    std::string dir = path.substr(start, colon - start);
    if (dir.empty()) dir = ".";
    if (IsExecutable(dir + "/" + executable_name)) return dir + "/" + executable_name;
    start = colon + 1;
  }
  return "";
}

Supervisor::Supervisor(std::vector<SidecarSpec> sidecars, SupervisorSettings settings)
    : settings_(settings) {
  children_.reserve(sidecars.size());
  for (SidecarSpec& spec : sidecars) {
    Child child;
    child.spec = std::move(spec);
    child.backoff = settings_.backoff_min;
    children_.push_back(std::move(child));
  }
}

Supervisor::~Supervisor() {
  // Run() normally stops everything; this is the last resort when it threw.
  for (Child& child : children_) {
    if (child.pid > 0) {
      kill(-child.pid, SIGKILL);
      waitpid(child.pid, nullptr, 0);
    }
    if (child.out_fd >= 0) close(child.out_fd);
    if (child.err_fd >= 0) close(child.err_fd);
  }
}

void Supervisor::Start(Child& child) {
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    Say(child.spec.name, std::string("could not create a pipe: ") + std::strerror(errno));
    child.next_start = Clock::now() + child.backoff;
    return;
  }
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    close(out_pipe[0]);
    close(out_pipe[1]);
    Say(child.spec.name, std::string("could not create a pipe: ") + std::strerror(errno));
    child.next_start = Clock::now() + child.backoff;
    return;
  }
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) close(fd);
    Say(child.spec.name, std::string("could not start a process: ") + std::strerror(errno));
    child.next_start = Clock::now() + child.backoff;
    return;
  }
  if (pid == 0) {
    // Own process group: a Ctrl-C in the terminal reaches dbct only, which then stops the
    // sidecars itself, in order. The sidecar dies with dbct if dbct is killed.
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(1);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(err_pipe[1], STDERR_FILENO);
    const char* argv[] = {child.spec.executable.c_str(), "--manifest", child.spec.manifest.c_str(),
                          nullptr};
    execve(argv[0], const_cast<char* const*>(argv), environ);
    const std::string message =
        "could not run " + child.spec.executable + ": " + std::strerror(errno) + "\n";
    ssize_t ignored = write(STDERR_FILENO, message.data(), message.size());
    (void)ignored;
    _exit(127);
  }
  setpgid(pid, pid);  // also here, so that signalling the group works before the child runs
  close(out_pipe[1]);
  close(err_pipe[1]);
  fcntl(out_pipe[0], F_SETFL, O_NONBLOCK);
  fcntl(err_pipe[0], F_SETFL, O_NONBLOCK);
  child.pid = pid;
  child.out_fd = out_pipe[0];
  child.err_fd = err_pipe[0];
  child.started_at = Clock::now();
  child.starts++;
  Say(child.spec.name, (child.starts == 1 ? "started " : "started again: ") +
                           child.spec.executable + " --manifest " + child.spec.manifest + " (pid " +
                           std::to_string(pid) + ")");
}

void Supervisor::ReadOutput(Child& child, int fd, bool drain) {
  const bool is_out = fd == child.out_fd;
  std::string& buffer = is_out ? child.out_buffer : child.err_buffer;
  std::ostream& sink = is_out ? std::cout : std::cerr;
  char chunk[8192];
  for (;;) {
    const ssize_t n = read(fd, chunk, sizeof chunk);
    if (n > 0) {
      buffer.append(chunk, static_cast<std::size_t>(n));
      std::size_t start = 0;
      for (std::size_t nl; (nl = buffer.find('\n', start)) != std::string::npos; start = nl + 1)
        sink << '[' << child.spec.name << "] " << std::string_view(buffer).substr(start, nl - start)
             << '\n';
      buffer.erase(0, start);
      if (buffer.size() > kMaxLine) {
        sink << '[' << child.spec.name << "] " << buffer << '\n';
        buffer.clear();
      }
      sink.flush();
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n == 0 || drain) {  // end of output (or nothing more for now when draining)
      if (!buffer.empty()) {
        sink << '[' << child.spec.name << "] " << buffer << std::endl;
        buffer.clear();
      }
    }
    if (n == 0 || drain || (n < 0 && errno != EAGAIN)) {
      close(fd);
      (is_out ? child.out_fd : child.err_fd) = -1;
    }
    return;
  }
}

void Supervisor::Reaped(Child& child, int wait_status) {
  if (child.out_fd >= 0) ReadOutput(child, child.out_fd, true);
  if (child.err_fd >= 0) ReadOutput(child, child.err_fd, true);
  child.pid = 0;

  const auto ran =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - child.started_at);
  std::string how;
  if (WIFEXITED(wait_status)) {
    how = "exited with code " + std::to_string(WEXITSTATUS(wait_status));
  } else if (WIFSIGNALED(wait_status)) {
    how = std::string("was killed by signal ") + std::to_string(WTERMSIG(wait_status)) + " (" +
          strsignal(WTERMSIG(wait_status)) + ")";
  } else {
    how = "stopped";
  }
  if (StopRequested()) {
    Say(child.spec.name, how);
    return;
  }
  if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0) {
    // Not asked by us: a stop request (dbct delete/untrack) or someone's SIGTERM ended it.
    child.finished = true;
    Say(child.spec.name, how + " (stopped on request); not starting it again");
    return;
  }
  if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == kSidecarBadInput) {
    child.given_up = true;
    Say(child.spec.name, how +
                             " (bad input); not starting it again: correct the resource and "
                             "run dbct run again");
    return;
  }
  if (ran >= settings_.stable_after) child.backoff = settings_.backoff_min;
  child.next_start = Clock::now() + child.backoff;
  Say(child.spec.name,
      how + " after " + Seconds(ran) + "; starting it again in " + Seconds(child.backoff));
  child.backoff = std::min(child.backoff * 2, settings_.backoff_max);
}

void Supervisor::SignalAll(int signal_number) {
  for (Child& child : children_) {
    if (child.pid > 0) kill(-child.pid, signal_number);
  }
}

int Supervisor::Run() {
  const Clock::time_point now0 = Clock::now();
  for (Child& child : children_) child.next_start = now0;
  bool stopping = false;
  bool killed = false;
  Clock::time_point stop_deadline{};

  for (;;) {
    const Clock::time_point now = Clock::now();
    if (StopRequested() && !stopping) {
      stopping = true;
      stop_deadline = now + settings_.stop_timeout;
      std::cerr << "dbct: stopping " << children_.size()
                << (children_.size() == 1 ? " sidecar" : " sidecars") << " (signal "
                << StopSignalNumber() << ")" << std::endl;
      SignalAll(SIGTERM);
    }
    const bool any_running =
        std::any_of(children_.begin(), children_.end(), [](const Child& c) { return c.pid > 0; });
    if (stopping && !any_running) return 0;
    if (stopping && !killed && now >= stop_deadline) {
      std::cerr << "dbct: sidecars still running after " << Seconds(settings_.stop_timeout)
                << "; killing them" << std::endl;
      SignalAll(SIGKILL);
      killed = true;
    }
    if (!stopping) {
      for (Child& child : children_) {
        if (child.pid == 0 && !child.given_up && !child.finished && now >= child.next_start)
          Start(child);
      }
      if (std::all_of(children_.begin(), children_.end(),
                      [](const Child& c) { return c.given_up || c.finished; })) {
        if (std::any_of(children_.begin(), children_.end(),
                        [](const Child& c) { return c.given_up; })) {
          std::cerr << "dbct: no sidecar left to run" << std::endl;
          return 1;
        }
        std::cerr << "dbct: every sidecar stopped on request" << std::endl;
        return 0;
      }
    }

    std::vector<pollfd> fds;
    std::vector<Child*> owners;
    for (Child& child : children_) {
      for (int fd : {child.out_fd, child.err_fd}) {
        if (fd < 0) continue;
        fds.push_back({fd, POLLIN, 0});
        owners.push_back(&child);
      }
    }
    // poll returns early (EINTR) on a stop signal.
    const int ready = poll(fds.data(), fds.size(), kPollMs);
    if (ready > 0) {
      for (std::size_t i = 0; i < fds.size(); i++) {
        if (fds[i].revents != 0) ReadOutput(*owners[i], fds[i].fd, false);
      }
    }
    for (;;) {
      int wait_status = 0;
      const pid_t pid = waitpid(-1, &wait_status, WNOHANG);
      if (pid <= 0) break;
      for (Child& child : children_) {
        if (child.pid == pid) Reaped(child, wait_status);
      }
    }
  }
}

}  // namespace dbct::cli
