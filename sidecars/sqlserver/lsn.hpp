// SQL Server log sequence numbers (binary(10)) and the sidecar's resumable position.
#ifndef DBCT_SQLSERVER_LSN_HPP
#define DBCT_SQLSERVER_LSN_HPP

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dbct::sqlserver {

struct Lsn {
  std::array<uint8_t, 10> bytes{};

  // "0x0000002700000758000A" (as SQL Server prints binary(10)), "0000002700000758000a",
  // or Debezium's "00000027:00000758:000a". nullopt on anything else.
  static std::optional<Lsn> Parse(std::string_view text);
  // From the 10 raw bytes of a binary(10) column.
  static std::optional<Lsn> FromBytes(std::string_view bytes);

  // Debezium's Lsn.toString: "00000027:00000758:0003" (lower-case hex).
  std::string ToString() const;
  std::string_view Raw() const { return {reinterpret_cast<const char*>(bytes.data()), bytes.size()}; }
  bool IsZero() const;

  int Compare(const Lsn& other) const;
  bool operator<(const Lsn& o) const { return Compare(o) < 0; }
  bool operator==(const Lsn& o) const { return Compare(o) == 0; }
  bool operator!=(const Lsn& o) const { return Compare(o) != 0; }
  bool operator<=(const Lsn& o) const { return Compare(o) <= 0; }
};

// Where a change event sits in the change stream, as Debezium's offset keeps it
// (commit_lsn, change_lsn, event_serial_no), plus `part` for the second event of a key-changing
// update (delete, then create). Snapshot events carry the snapshot's max LSN and a row count.
//
// Text (Dbct-Position): "<commit_lsn>/<change_lsn>/<event_serial_no>[/<part>]" for streaming,
// "snapshot/<lsn>/<row>[/done]" for snapshot reads ("done" on the snapshot's last row; <lsn> is
// where streaming starts after it). A transaction's BEGIN event is "<commit_lsn>/begin", its END
// "<commit_lsn>/end"; "<lsn>/end" is also what an idle poll or a heartbeat stores: every change
// committed at or before <lsn> is handled.
struct Position {
  enum class Mark { kChange, kBegin, kEnd };
  Mark mark = Mark::kChange;
  bool snapshot = false;
  Lsn commit_lsn;        // __$start_lsn, or the snapshot's max LSN
  Lsn change_lsn;        // __$seqval
  int64_t serial = 0;    // event_serial_no (1, or 2 for an update), snapshot row number
  int part = 0;
  bool snapshot_done = false;  // the snapshot's last row: streaming starts after commit_lsn

  std::string ToString() const;
  static std::optional<Position> Parse(std::string_view text);
  static Position Begin(const Lsn& commit) { Position p; p.mark = Mark::kBegin; p.commit_lsn = commit; return p; }
  static Position End(const Lsn& commit) { Position p; p.mark = Mark::kEnd; p.commit_lsn = commit; return p; }
  // Streaming order (commit; BEGIN, the changes by change, serial, part; END). Snapshot
  // positions sort before all.
  int Compare(const Position& other) const;
};

}  // namespace dbct::sqlserver

#endif  // DBCT_SQLSERVER_LSN_HPP
