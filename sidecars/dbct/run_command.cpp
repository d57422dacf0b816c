// dbct run -f PATH: postgres resources are registered in their database through the extension's
// SQL API (they then run inside the server); every other resource runs as its sidecar process,
// supervised here until SIGTERM or Ctrl-C.
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "commands.hpp"
#include "dbct/config/loader.hpp"
#include "postgres_tracking.hpp"
#include "resource_files.hpp"
#include "sidecar_supervisor.hpp"
#include "stop_signal.hpp"

namespace dbct::cli {
namespace {

// The temporary directory of the manifests handed to sidecars, removed when run ends.
class ManifestDirectory {
 public:
  ManifestDirectory() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern =
        std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/dbct-run-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr)
      throw WorkFailed("could not create a temporary directory in " + pattern);
    path_ = pattern;  // mkdtemp makes it 0700: manifests may hold NATS settings
  }
  ~ManifestDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ManifestDirectory(const ManifestDirectory&) = delete;
  ManifestDirectory& operator=(const ManifestDirectory&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The resource's own document, as written (variables and {{sys:...}} references stay for the
// sidecar to resolve from the environment it inherits), with dbct's --nats-url and --creds
// filled in where the resource gives none.
std::string ManifestText(const config::Resource& resource, const GlobalOptions& options) {
  YAML::Node document = FindResourceDocument(resource);
  if (!options.nats_url.empty() || !options.credentials.empty()) {
    YAML::Node spec = document["spec"];
    YAML::Node nats = spec["nats"];
    if (!nats || !nats.IsMap()) nats = YAML::Node(YAML::NodeType::Map);
    if (!options.nats_url.empty() && !nats["url"]) nats["url"] = options.nats_url;
    if (!options.credentials.empty() && !nats["credentials"] && !nats["user"] && !nats["token"])
      nats["credentials"] = options.credentials;
    spec["nats"] = nats;
  }
  YAML::Emitter out;
  out << document;
  return std::string(out.c_str()) + "\n";
}

std::string WriteManifest(const ManifestDirectory& directory, const config::Resource& resource,
                          const GlobalOptions& options) {
  const std::string path = directory.path() + "/" + resource.name + ".yaml";
  std::ofstream file(path);
  file << ManifestText(resource, options);
  file.close();
  if (!file)
    throw WorkFailed("could not write the manifest of resource \"" + resource.name + "\" to " +
                     path);
  chmod(path.c_str(), 0600);
  return path;
}

void Report(const GlobalOptions& options, const std::string& name, const std::string& type,
            const std::string& action, const std::string& detail) {
  if (options.output == OutputFormat::kJson) {
    std::cout << nlohmann::json{{"name", name},
                                {"type", type},
                                {"action", action},
                                {"detail", detail}}
                     .dump()
              << std::endl;
  } else {
    std::cout << name << ": " << detail << std::endl;
  }
}

}  // namespace

int RunRun(const GlobalOptions& options, const RunOptions& run) {
  const std::vector<config::Resource> resources = LoadResourcesOrThrow(options, run.paths);

  // Every sidecar must exist before anything starts.
  std::vector<const config::Resource*> postgres;
  std::vector<std::pair<const config::Resource*, std::string>> sidecars;
  for (const config::Resource& resource : resources) {
    if (resource.type == config::SourceType::kPostgres) {
      postgres.push_back(&resource);
      continue;
    }
    const std::string executable = "dbct-" + std::string(config::SourceTypeName(resource.type));
    std::string looked_in;
    const std::string path = FindSidecar(executable, run.sidecar_dir, &looked_in);
    if (path.empty()) {
      throw WorkFailed("sidecar \"" + executable + "\" for resource \"" + resource.name +
                       "\" was not found in " + looked_in + "; build and install it, or give " +
                       "its directory with --sidecar-dir");
    }
    if (resource.file == "<stdin>") {
      throw BadInput("resource \"" + resource.name + "\" was read from stdin, but its sidecar " +
                     "needs a file; put it in a file and give that with -f");
    }
    sidecars.emplace_back(&resource, path);
  }

  int failures = 0;
  for (const config::Resource* resource : postgres) {
    try {
      const PgConnection pg = PgConnection::ForResource(*resource);
      const ApplyOutcome outcome = ApplyTracking(pg, *resource);
      const char* action = outcome == ApplyOutcome::kCreated   ? "created"
                           : outcome == ApplyOutcome::kAltered ? "changed"
                                                               : "unchanged";
      Report(options, resource->name, "postgres", action,
             std::string("tracking ") + action + " in " + pg.description());
    } catch (const PostgresError& e) {
      failures++;
      std::cerr << "dbct: resource \"" << resource->name << "\": " << e.what() << std::endl;
    }
  }
  if (sidecars.empty()) return failures > 0 ? kExitFailure : kExitOk;

  InstallStopHandlers();
  ManifestDirectory directory;
  std::vector<SidecarSpec> specs;
  for (const auto& [resource, path] : sidecars) {
    specs.push_back({resource->name, path, WriteManifest(directory, *resource, options)});
    Report(options, resource->name, std::string(config::SourceTypeName(resource->type)), "started",
           "running " + path + " as a supervised sidecar");
  }
  Supervisor supervisor(std::move(specs), run.supervisor);
  const int result = supervisor.Run();
  return failures > 0 ? kExitFailure : result;
}

}  // namespace dbct::cli
