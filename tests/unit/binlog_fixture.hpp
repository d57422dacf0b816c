// Helpers for the binlog unit tests: reading a binlog file written by a real server
// (tests/unit/fixtures/*.binlog, made by make_binlog_fixtures.py) into its events.
#ifndef DBCT_TESTS_UNIT_BINLOG_FIXTURE_HPP
#define DBCT_TESTS_UNIT_BINLOG_FIXTURE_HPP

#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace dbct::binlog::testing {

// The events of a binlog file, each one complete (header .. checksum).
inline std::vector<std::string> ReadBinlogFile(const std::string& name) {
  const std::string path = std::string(DBCT_SOURCE_DIR) + "/tests/unit/fixtures/" + name;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open fixture " + path);
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (data.compare(0, 4, "\xfe" "bin") != 0) throw std::runtime_error(path + " is not a binlog");
  std::vector<std::string> events;
  size_t pos = 4;
  while (pos + 19 <= data.size()) {
    const auto* p = reinterpret_cast<const unsigned char*>(data.data() + pos + 9);
    const size_t len = p[0] | (p[1] << 8) | (p[2] << 16) | (size_t{p[3]} << 24);
    if (len < 19 || pos + len > data.size()) throw std::runtime_error("truncated event in " + path);
    events.push_back(data.substr(pos, len));
    pos += len;
  }
  return events;
}

}  // namespace dbct::binlog::testing

#endif  // DBCT_TESTS_UNIT_BINLOG_FIXTURE_HPP
