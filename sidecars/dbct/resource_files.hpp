// Reading resources for run, delete and untrack: problems become CliError (exit 2), and a
// resource's own YAML document can be found again to hand to its sidecar.
#ifndef DBCT_CLI_RESOURCE_FILES_HPP
#define DBCT_CLI_RESOURCE_FILES_HPP

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "cli_context.hpp"
#include "dbct/config/resource.hpp"

namespace dbct::cli {

// The resources of `paths`, with --nats-url/--creds as defaults. On problems prints all but the
// last to stderr and throws BadInput with the last (one problem: one line); no resources at all
// is bad input too.
std::vector<config::Resource> LoadResourcesOrThrow(const GlobalOptions& options,
                                                   const std::vector<std::string>& paths);

// The YAML document of `resource` in its file (the one whose metadata.name is its name).
YAML::Node FindResourceDocument(const config::Resource& resource);

}  // namespace dbct::cli

#endif  // DBCT_CLI_RESOURCE_FILES_HPP
