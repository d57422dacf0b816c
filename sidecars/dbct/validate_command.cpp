#include "validate_command.hpp"

#include <algorithm>
#include <iostream>

#include "dbct/config/loader.hpp"
#include "dbct/config/resource_json.hpp"
#include "dbct/config/secrets.hpp"

namespace dbct::cli {
namespace {

using config::Resource;

// The parameters worth a glance: where it connects, as whom, and what it tracks.
constexpr std::string_view kKeyParameters[] = {
    "databaseHostname",    "databasePort",      "databaseDbname",     "databaseNames",
    "databaseUser",        "databasePassword",  "databaseServerName", "mongodbConnectionString",
    "databaseIncludeList", "schemaIncludeList", "tableIncludeList",   "collectionIncludeList",
    "snapshotMode",
};

void PrintTable(const std::vector<Resource>& resources) {
  std::size_t name_width = 4;
  for (const Resource& resource : resources)
    name_width = std::max(name_width, resource.name.size());
  constexpr std::size_t kTypeWidth = 10;
  std::cout << std::string("NAME") + std::string(name_width - 4 + 2, ' ') << "TYPE"
            << std::string(kTypeWidth - 4, ' ') << "PARAMETERS\n";
  for (const Resource& resource : resources) {
    const std::string type(config::SourceTypeName(resource.type));
    std::cout << resource.name << std::string(name_width - resource.name.size() + 2, ' ') << type
              << std::string(kTypeWidth > type.size() ? kTypeWidth - type.size() : 1, ' ');
    bool first = true;
    for (std::string_view name : kKeyParameters) {
      const std::string* value = resource.parameters.Find(name);
      if (!value) continue;
      if (!first) std::cout << ' ';
      first = false;
      std::cout << name << '=' << config::DisplayValue(name, *value);
    }
    std::cout << '\n';
  }
  std::cout << resources.size() << (resources.size() == 1 ? " resource" : " resources")
            << " valid\n";
}

}  // namespace

int RunValidate(const GlobalOptions& options, const std::vector<std::string>& paths) {
  config::LoadOptions load_options;
  load_options.default_nats_url = options.nats_url;
  load_options.default_credentials = options.credentials;
  const config::LoadResult result = config::LoadResources(paths, load_options);

  if (options.output == OutputFormat::kJson) {
    nlohmann::json out = {{"valid", result.ok()}};
    nlohmann::json resources = nlohmann::json::array();
    for (const Resource& resource : result.resources) {
      resources.push_back(config::ResourceToJson(resource));
    }
    nlohmann::json problems = nlohmann::json::array();
    for (const config::Problem& problem : result.problems) {
      problems.push_back(config::ProblemToJson(problem));
    }
    out["resources"] = result.ok() ? std::move(resources) : nlohmann::json::array();
    out["problems"] = std::move(problems);
    std::cout << out.dump(2) << '\n';
    return result.ok() ? kExitOk : kExitBadInput;
  }

  if (!result.ok()) {
    for (const config::Problem& problem : result.problems) {
      std::cerr << config::FormatProblem(problem) << '\n';
    }
    std::cerr << "dbct validate: " << result.problems.size()
              << (result.problems.size() == 1 ? " problem" : " problems") << " found\n";
    return kExitBadInput;
  }
  PrintTable(result.resources);
  return kExitOk;
}

}  // namespace dbct::cli
