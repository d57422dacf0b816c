// dbct validate -f PATH: parses, substitutes and checks resources.
#pragma once

#include <string>
#include <vector>

#include "cli_context.h"

namespace dbct::cli {

// Prints the problems (stderr, or JSON on stdout) or one line per resource; returns the exit code.
int RunValidate(const GlobalOptions& options, const std::vector<std::string>& paths);

}  // namespace dbct::cli
