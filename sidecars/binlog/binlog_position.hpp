// The resumable position of a binlog tracking: the binlog file and position where the
// transaction of an event starts, and how many change events of that transaction were made
// up to and including this one. Written as "mariadb-bin.000003:1234:5" (Dbct-Position, the
// offsets bucket). Resuming re-reads the transaction from its start and skips the first N
// changes, so an event is never lost nor published twice, whatever row of which rows event it
// came from.
#ifndef DBCT_BINLOG_BINLOG_POSITION_HPP
#define DBCT_BINLOG_BINLOG_POSITION_HPP

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dbct::binlog {

struct BinlogPosition {
  std::string file;
  uint64_t tx_start = 4;
  uint64_t changes = 0;  // change events of the transaction already made

  std::string ToString() const;
  static std::optional<BinlogPosition> Parse(std::string_view text);
};

// The position of a snapshot row: "snapshot:<file>:<pos>:<table index>:<row>", where file:pos
// is the binlog position the snapshot was consistent with (streaming starts there once the
// snapshot is done), table index counts the snapshot's tables in order and row the rows of
// that table (from 1). Positions of one snapshot increase; all of them order before
// "<file>:<pos>:*" of streaming. A restart mid-snapshot continues the last table after the
// last key emitted (see snapshot_source.hpp).
struct SnapshotPosition {
  std::string file;
  uint64_t pos = 4;
  uint64_t table_index = 0;
  uint64_t row = 0;

  std::string ToString() const;
  static std::optional<SnapshotPosition> Parse(std::string_view text);
};

}  // namespace dbct::binlog

#endif  // DBCT_BINLOG_BINLOG_POSITION_HPP
