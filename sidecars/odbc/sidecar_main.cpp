#include "sidecar_main.hpp"

#include <csignal>
#include <cstdio>

#include "dbct/config/loader.hpp"

namespace dbct::odbc {

namespace {
std::atomic<bool>* g_stop = nullptr;
void OnSignal(int) {
  if (g_stop != nullptr) g_stop->store(true);
}
}  // namespace

std::optional<config::Resource> LoadOneResource(const std::string& manifest, config::SourceType type,
                                                const std::string& program) {
  const auto loaded = config::LoadResources({manifest});
  if (!loaded.ok()) {
    for (const auto& p : loaded.problems) std::fprintf(stderr, "ERROR: %s\n", config::FormatProblem(p).c_str());
    return std::nullopt;
  }
  const std::string type_name(config::SourceTypeName(type));
  std::optional<config::Resource> found;
  for (const auto& r : loaded.resources) {
    if (r.type != type) continue;
    if (found) {
      std::fprintf(stderr, "ERROR: %s holds more than one %s resource: %s runs one; use dbct run for several\n",
                   manifest.c_str(), type_name.c_str(), program.c_str());
      return std::nullopt;
    }
    found = r;
  }
  if (!found) std::fprintf(stderr, "ERROR: %s holds no resource of type %s\n", manifest.c_str(), type_name.c_str());
  return found;
}

void InstallStopHandlers(std::atomic<bool>* stop) {
  g_stop = stop;
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

}  // namespace dbct::odbc
