#include "sidecar_main.hpp"

#include <csignal>
#include <cstdio>
#include <stdexcept>
#include <thread>

#include "dbct/config/loader.hpp"

#ifndef DBCT_VERSION
#define DBCT_VERSION "0.0.0"
#endif

namespace dbct::sidecar {

namespace {

std::atomic<bool> g_stop{false};

void OnSignal(int) { g_stop.store(true); }

}  // namespace

int BadInput(const std::string& message) {
  std::fprintf(stderr, "ERROR: %s\n", message.c_str());
  return kExitBadInput;
}

std::atomic<bool>& StopFlag() { return g_stop; }

void InstallStopHandlers() {
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

CommandLine::CommandLine(std::string program, config::SourceType type, const std::string& description)
    : program_(std::move(program)), type_(type), app_(description) {
  app_.add_option("-f,--manifest", options.manifest,
                  "resource file (kind DatabaseChangeTracking, type " + std::string(config::SourceTypeName(type)) +
                      ")");
  app_.add_option("--metrics-addr", options.metrics_addr, "serve Prometheus metrics on HOST:PORT (GET /metrics)");
  app_.set_version_flag("--version", DBCT_VERSION);
}

void CommandLine::RequireManifest() { app_.get_option("--manifest")->required(); }

void CommandLine::AddReplayOptions(const ReplayTexts& texts) {
  options.name = texts.default_name;
  app_.add_option("--replay", options.replay, texts.replay_help);
  app_.add_flag("--publish", options.publish, "with --replay: publish the events to JetStream instead of printing them");
  app_.add_option("--name", options.name, "with --replay and no --manifest: the tracking name (source.name)");
  app_.add_option(texts.event_time_flag, options.event_time_ms,
                  "with --replay: use this envelope ts_ms instead of the clock (comparable output)");
}

std::optional<int> CommandLine::Parse(int argc, char** argv) {
  try {
    app_.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app_.exit(e);
    return code == 0 ? kExitOk : kExitBadInput;
  }
  return std::nullopt;
}

std::optional<config::Resource> CommandLine::LoadResource() const {
  const auto loaded = config::LoadResources({options.manifest});
  if (!loaded.ok()) {
    for (const auto& p : loaded.problems) std::fprintf(stderr, "ERROR: %s\n", config::FormatProblem(p).c_str());
    return std::nullopt;
  }
  const std::string type_name(config::SourceTypeName(type_));
  std::optional<config::Resource> found;
  for (const auto& r : loaded.resources) {
    if (r.type != type_) continue;
    if (found) {
      BadInput(options.manifest + " holds more than one " + type_name + " resource: " + program_ +
               " runs one; use dbct run for several");
      return std::nullopt;
    }
    found = r;
  }
  if (!found) BadInput(options.manifest + " holds no resource of type " + type_name);
  return found;
}

int RunSidecar(const CommonOptions& options, Telemetry& telemetry, const Modes& modes) {
  if (!options.metrics_addr.empty()) {
    try {
      telemetry.ServeMetrics(options.metrics_addr);
    } catch (const std::runtime_error& e) {
      std::fprintf(stderr, "ERROR: %s\n", e.what());
      return kExitFailure;
    }
  }
  std::atomic<bool>& stop = StopFlag();
  InstallStopHandlers();
  if (options.replay.empty()) return modes.live(telemetry, stop);
  const int code = modes.replay(telemetry, stop);
  if (!options.metrics_addr.empty() && code == kExitOk) {
    while (!stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return code;
}

}  // namespace dbct::sidecar
