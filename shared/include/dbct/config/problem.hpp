// A problem found in a resource file: where it is and what is wrong, ready to print.
#ifndef DBCT_CONFIG_PROBLEM_HPP
#define DBCT_CONFIG_PROBLEM_HPP

#include <string>
#include <vector>

namespace dbct::config {

struct Problem {
  std::string file;
  int line = 0;          // 1-based; 0 when unknown
  int column = 0;        // 1-based; 0 when unknown
  std::string resource;  // metadata.name, empty when not known yet
  std::string message;   // PostgreSQL style: lower case, names the thing, says what to do
};

using Problems = std::vector<Problem>;

// "file:line: resource "name": message", leaving out the parts that are not known.
std::string FormatProblem(const Problem& problem);

}  // namespace dbct::config

#endif  // DBCT_CONFIG_PROBLEM_HPP
