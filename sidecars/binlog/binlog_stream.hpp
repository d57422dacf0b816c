// The binlog dump of one replica connection, through Connector/C's replication API
// (mariadb_rpl_open / mariadb_rpl_fetch). The library speaks COM_BINLOG_DUMP and hands us
// each event's raw bytes; decoding them is EventDecoder's job.
#ifndef DBCT_BINLOG_BINLOG_STREAM_HPP
#define DBCT_BINLOG_BINLOG_STREAM_HPP

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "event_header.hpp"
#include "mysql_client.hpp"

struct st_mariadb_rpl;
struct st_mariadb_rpl_event;

namespace dbct::binlog {

struct StreamStart {
  std::string file;       // binlog file; empty with a MariaDB GTID start
  uint64_t position = 4;  // in `file`
  std::string mariadb_gtid_state;  // "0-1-42,1-2-7": start after these (MariaDB only)
};

struct StreamOptions {
  uint32_t replica_server_id = 0;
  bool mariadb = true;  // the server is MariaDB (capabilities, GTID start)
  std::chrono::milliseconds heartbeat{1000};  // the server sends one when idle this long
};

class BinlogStream {
 public:
  // Announces checksum and MariaDB capabilities, then sends the dump request.
  BinlogStream(MysqlConnection& connection, const StreamStart& start, const StreamOptions& options);
  ~BinlogStream();
  BinlogStream(const BinlogStream&) = delete;
  BinlogStream& operator=(const BinlogStream&) = delete;

  // The next event's bytes (header .. checksum), valid until the next call. Throws SourceError
  // when the connection fails or the server refuses (purged file, unknown GTID).
  std::string_view Next();

  // The checksum the server's events carry (the value of binlog_checksum at connect).
  ChecksumAlg checksum() const { return checksum_; }

 private:
  MysqlConnection& connection_;
  st_mariadb_rpl* rpl_ = nullptr;
  st_mariadb_rpl_event* event_ = nullptr;
  ChecksumAlg checksum_ = ChecksumAlg::kOff;
};

}  // namespace dbct::binlog

#endif  // DBCT_BINLOG_BINLOG_STREAM_HPP
