// Reads DatabaseChangeTracking resources from files and directories and checks them.
#ifndef DBCT_CONFIG_LOADER_HPP
#define DBCT_CONFIG_LOADER_HPP

#include <string>
#include <string_view>
#include <vector>

#include "dbct/config/problem.hpp"
#include "dbct/config/resource.hpp"
#include "dbct/config/variables.hpp"

namespace dbct::config {

struct LoadOptions {
  EnvLookup env = ProcessEnvironment();
  // Used for resources that give no spec.nats.url / credentials (the CLI's --nats-url, --creds).
  // An empty url falls back to $NATS_URL (through env), then nats://127.0.0.1:4222.
  std::string default_nats_url;
  std::string default_credentials;
};

struct LoadResult {
  std::vector<Resource> resources;  // only resources without problems
  Problems problems;                // every problem found, in file order
  bool ok() const { return problems.empty(); }
};

// Reads each path: a file (several documents separated by ---) or a directory (every *.yaml
// and *.yml in it, sorted by name). Checks names for uniqueness across everything read.
LoadResult LoadResources(const std::vector<std::string>& paths, const LoadOptions& options = {});

// Parses resources from text, as if read from a file called file_name.
LoadResult ParseResources(std::string_view text, std::string_view file_name,
                          const LoadOptions& options = {});

// metadata.name rules: 1-63 of a-z, 0-9, '-', starting and ending with a letter or digit.
// Returns the problem as a message, or an empty string when the name is good.
std::string CheckResourceName(std::string_view name);

}  // namespace dbct::config

#endif  // DBCT_CONFIG_LOADER_HPP
