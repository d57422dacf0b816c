// GTID events: the global transaction id that starts each transaction.
//   MariaDB GTID_EVENT (162): domain-server-sequence, also standing in for BEGIN.
//   MariaDB GTID_LIST_EVENT (163): the GTID state at the start of a binlog file.
//   MySQL GTID_LOG_EVENT (33) / ANONYMOUS_GTID_LOG_EVENT (34): uuid:number and commit times.
#ifndef DBCT_BINLOG_GTID_EVENT_HPP
#define DBCT_BINLOG_GTID_EVENT_HPP

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "event_header.hpp"

namespace dbct::binlog {

struct MariaGtid {
  uint32_t domain_id = 0;
  uint32_t server_id = 0;
  uint64_t sequence = 0;

  std::string ToString() const;  // "0-1-42"
};

struct MariaGtidEvent {
  static constexpr uint8_t kStandalone = 0x01;  // no BEGIN..COMMIT follows (DDL)
  static constexpr uint8_t kGroupCommitId = 0x02;
  static constexpr uint8_t kTransactional = 0x04;
  static constexpr uint8_t kDdl = 0x20;
  static constexpr uint8_t kPreparedXa = 0x40;
  static constexpr uint8_t kCompletedXa = 0x80;

  MariaGtid gtid;
  uint8_t flags = 0;
  uint64_t commit_id = 0;

  bool Standalone() const { return (flags & kStandalone) != 0; }

  static MariaGtidEvent Parse(const RawEvent& ev);
};

struct MariaGtidListEvent {
  std::vector<MariaGtid> gtids;

  static MariaGtidListEvent Parse(const RawEvent& ev);
};

struct MysqlGtidEvent {
  bool anonymous = false;
  uint8_t flags = 0;  // bit 0: may have been committed in parallel (commit flag)
  std::array<uint8_t, 16> sid{};
  int64_t gno = 0;
  int64_t last_committed = 0;
  int64_t sequence_number = 0;
  // Microseconds since the epoch; 0 when the event is from before MySQL 8.0.1.
  uint64_t immediate_commit_us = 0;
  uint64_t original_commit_us = 0;

  std::string ToString() const;  // "3e11fa47-71ca-11e1-9e33-c80aa9429562:23"

  static MysqlGtidEvent Parse(const RawEvent& ev);
};

}  // namespace dbct::binlog

#endif  // DBCT_BINLOG_GTID_EVENT_HPP
