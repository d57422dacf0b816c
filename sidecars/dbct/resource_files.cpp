#include "resource_files.hpp"

#include <iostream>

#include "dbct/config/loader.hpp"

namespace dbct::cli {

std::vector<config::Resource> LoadResourcesOrThrow(const GlobalOptions& options,
                                                   const std::vector<std::string>& paths) {
  config::LoadOptions load_options;
  load_options.default_nats_url = options.nats_url;
  load_options.default_credentials = options.credentials;
  config::LoadResult result = config::LoadResources(paths, load_options);
  if (!result.ok()) {
    for (std::size_t i = 0; i + 1 < result.problems.size(); i++)
      std::cerr << "dbct: " << config::FormatProblem(result.problems[i]) << '\n';
    throw BadInput(config::FormatProblem(result.problems.back()));
  }
  if (result.resources.empty()) {
    std::string joined;
    for (const std::string& path : paths) joined += (joined.empty() ? "" : ", ") + path;
    throw BadInput("no resources found in " + joined +
                   "; give files holding DatabaseChangeTracking resources");
  }
  return std::move(result.resources);
}

YAML::Node FindResourceDocument(const config::Resource& resource) {
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAllFromFile(resource.file);
  } catch (const YAML::Exception& e) {
    throw WorkFailed("could not read " + resource.file + " again: " + e.what());
  }
  for (const YAML::Node& document : documents) {
    if (!document.IsMap()) continue;
    const YAML::Node metadata = document["metadata"];
    if (!metadata || !metadata.IsMap() || !metadata["name"]) continue;
    if (metadata["name"].Scalar() == resource.name) return YAML::Clone(document);
  }
  throw WorkFailed("resource \"" + resource.name + "\" is no longer in " + resource.file);
}

}  // namespace dbct::cli
