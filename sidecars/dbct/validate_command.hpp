// dbct validate -f PATH: parses, substitutes and checks resources.
#ifndef DBCT_CLI_VALIDATE_COMMAND_HPP
#define DBCT_CLI_VALIDATE_COMMAND_HPP

#include <string>
#include <vector>

#include "cli_context.hpp"

namespace dbct::cli {

// Prints the problems (stderr, or JSON on stdout) or one line per resource; returns the exit code.
int RunValidate(const GlobalOptions& options, const std::vector<std::string>& paths);

}  // namespace dbct::cli

#endif  // DBCT_CLI_VALIDATE_COMMAND_HPP
