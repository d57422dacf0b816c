#include "binlog_stream.hpp"

#include <mysql.h>
#include <mariadb_rpl.h>

namespace dbct::binlog {

namespace {

constexpr int kMariaSlaveCapabilityMine = 4;  // GTID events, annotate rows, checkpoints

}  // namespace

BinlogStream::BinlogStream(MysqlConnection& connection, const StreamStart& start,
                           const StreamOptions& options)
    : connection_(connection) {
  // Without this the server strips checksums or refuses a checksum-unaware replica.
  connection_.Execute("SET @master_binlog_checksum = @@global.binlog_checksum");
  const auto checksum = connection_.QueryValue("SELECT @master_binlog_checksum");
  checksum_ = checksum && *checksum == "CRC32" ? ChecksumAlg::kCrc32 : ChecksumAlg::kOff;
  const int64_t period_ns = static_cast<int64_t>(options.heartbeat.count()) * 1000000;
  connection_.Execute("SET @master_heartbeat_period = " + std::to_string(period_ns));
  if (options.mariadb) {
    connection_.Execute("SET @mariadb_slave_capability = " +
                        std::to_string(kMariaSlaveCapabilityMine));
    if (!start.mariadb_gtid_state.empty()) {
      connection_.Execute("SET @slave_connect_state = " + connection_.Quote(start.mariadb_gtid_state));
      connection_.Execute("SET @slave_gtid_strict_mode = 0");
      connection_.Execute("SET @slave_gtid_ignore_duplicates = 0");
    }
  }
  rpl_ = mariadb_rpl_init(connection_.get());
  if (rpl_ == nullptr) connection_.Fail("could not start binlog replication");
  const bool by_gtid = options.mariadb && !start.mariadb_gtid_state.empty();
  const std::string file = by_gtid ? std::string() : start.file;
  mariadb_rpl_optionsv(rpl_, MARIADB_RPL_FILENAME, file.c_str(), file.size());
  mariadb_rpl_optionsv(rpl_, MARIADB_RPL_START, static_cast<unsigned long>(by_gtid ? 4 : start.position));
  mariadb_rpl_optionsv(rpl_, MARIADB_RPL_SERVER_ID, static_cast<unsigned int>(options.replica_server_id));
  mariadb_rpl_optionsv(rpl_, MARIADB_RPL_FLAGS, static_cast<unsigned int>(MARIADB_RPL_BINLOG_SEND_ANNOTATE_ROWS));
  if (mariadb_rpl_open(rpl_) != 0) {
    const std::string where = by_gtid ? "GTID " + start.mariadb_gtid_state
                                      : start.file + ":" + std::to_string(start.position);
    connection_.Fail("could not start reading the binlog at " + where);
  }
}

BinlogStream::~BinlogStream() {
  if (event_ != nullptr) mariadb_free_rpl_event(event_);
  if (rpl_ != nullptr) mariadb_rpl_close(rpl_);
}

std::string_view BinlogStream::Next() {
  MARIADB_RPL_EVENT* ev = mariadb_rpl_fetch(rpl_, event_);
  if (ev == nullptr) {
    event_ = nullptr;  // the library freed the event it was given
    const unsigned int rpl_error = mariadb_rpl_errno(rpl_);
    if (rpl_error != 0) {
      throw SourceError(std::string("reading the binlog failed: ") + mariadb_rpl_error(rpl_),
                        IsRetriableMysqlError(rpl_error));
    }
    if (mysql_errno(connection_.get()) != 0) connection_.Fail("reading the binlog failed");
    throw SourceError("the server ended the binlog dump", true);
  }
  event_ = ev;
  return std::string_view(reinterpret_cast<const char*>(ev->raw_data) + ev->raw_data_ofs,
                          ev->raw_data_size - ev->raw_data_ofs);
}

}  // namespace dbct::binlog
