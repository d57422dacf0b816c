#include "dbct/config/problem.hpp"

namespace dbct::config {

std::string FormatProblem(const Problem& problem) {
  std::string out;
  if (!problem.file.empty()) {
    out += problem.file;
    if (problem.line > 0) out += ":" + std::to_string(problem.line);
    out += ": ";
  }
  if (!problem.resource.empty()) out += "resource \"" + problem.resource + "\": ";
  out += problem.message;
  return out;
}

}  // namespace dbct::config
