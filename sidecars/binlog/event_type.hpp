// Binlog event type codes (MySQL's and MariaDB's, which share 0-35 and diverge above).
#ifndef DBCT_BINLOG_EVENT_TYPE_HPP
#define DBCT_BINLOG_EVENT_TYPE_HPP

#include <cstdint>
#include <string>

namespace dbct::binlog {

enum class EventType : uint8_t {
  kUnknown = 0,
  kStartV3 = 1,
  kQuery = 2,
  kStop = 3,
  kRotate = 4,
  kIntvar = 5,
  kLoad = 6,
  kSlave = 7,
  kCreateFile = 8,
  kAppendBlock = 9,
  kExecLoad = 10,
  kDeleteFile = 11,
  kNewLoad = 12,
  kRand = 13,
  kUserVar = 14,
  kFormatDescription = 15,
  kXid = 16,
  kBeginLoadQuery = 17,
  kExecuteLoadQuery = 18,
  kTableMap = 19,
  kPreGaWriteRows = 20,
  kPreGaUpdateRows = 21,
  kPreGaDeleteRows = 22,
  kWriteRowsV1 = 23,
  kUpdateRowsV1 = 24,
  kDeleteRowsV1 = 25,
  kIncident = 26,
  kHeartbeat = 27,
  kIgnorable = 28,
  kRowsQuery = 29,
  kWriteRowsV2 = 30,
  kUpdateRowsV2 = 31,
  kDeleteRowsV2 = 32,
  kMysqlGtid = 33,
  kMysqlAnonymousGtid = 34,
  kMysqlPreviousGtids = 35,
  kMysqlTransactionContext = 36,
  kMysqlViewChange = 37,
  kMysqlXaPrepare = 38,
  kMysqlPartialUpdateRows = 39,
  kMysqlTransactionPayload = 40,
  kMysqlHeartbeatV2 = 41,
  kMysqlGtidTagged = 42,
  // MariaDB
  kAnnotateRows = 160,
  kBinlogCheckpoint = 161,
  kMariaGtid = 162,
  kMariaGtidList = 163,
  kStartEncryption = 164,
  kQueryCompressed = 165,
  kWriteRowsCompressedV1 = 166,
  kUpdateRowsCompressedV1 = 167,
  kDeleteRowsCompressedV1 = 168,
  kWriteRowsCompressed = 169,
  kUpdateRowsCompressed = 170,
  kDeleteRowsCompressed = 171,
};

// "WRITE_ROWS_EVENT_V1", or "event type 200" for a code we do not know.
std::string EventTypeName(EventType type);

}  // namespace dbct::binlog

#endif  // DBCT_BINLOG_EVENT_TYPE_HPP
