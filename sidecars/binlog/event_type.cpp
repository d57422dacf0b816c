#include "event_type.hpp"

namespace dbct::binlog {

std::string EventTypeName(EventType type) {
  switch (type) {
    case EventType::kUnknown: return "UNKNOWN_EVENT";
    case EventType::kStartV3: return "START_EVENT_V3";
    case EventType::kQuery: return "QUERY_EVENT";
    case EventType::kStop: return "STOP_EVENT";
    case EventType::kRotate: return "ROTATE_EVENT";
    case EventType::kIntvar: return "INTVAR_EVENT";
    case EventType::kLoad: return "LOAD_EVENT";
    case EventType::kSlave: return "SLAVE_EVENT";
    case EventType::kCreateFile: return "CREATE_FILE_EVENT";
    case EventType::kAppendBlock: return "APPEND_BLOCK_EVENT";
    case EventType::kExecLoad: return "EXEC_LOAD_EVENT";
    case EventType::kDeleteFile: return "DELETE_FILE_EVENT";
    case EventType::kNewLoad: return "NEW_LOAD_EVENT";
    case EventType::kRand: return "RAND_EVENT";
    case EventType::kUserVar: return "USER_VAR_EVENT";
    case EventType::kFormatDescription: return "FORMAT_DESCRIPTION_EVENT";
    case EventType::kXid: return "XID_EVENT";
    case EventType::kBeginLoadQuery: return "BEGIN_LOAD_QUERY_EVENT";
    case EventType::kExecuteLoadQuery: return "EXECUTE_LOAD_QUERY_EVENT";
    case EventType::kTableMap: return "TABLE_MAP_EVENT";
    case EventType::kPreGaWriteRows: return "PRE_GA_WRITE_ROWS_EVENT";
    case EventType::kPreGaUpdateRows: return "PRE_GA_UPDATE_ROWS_EVENT";
    case EventType::kPreGaDeleteRows: return "PRE_GA_DELETE_ROWS_EVENT";
    case EventType::kWriteRowsV1: return "WRITE_ROWS_EVENT_V1";
    case EventType::kUpdateRowsV1: return "UPDATE_ROWS_EVENT_V1";
    case EventType::kDeleteRowsV1: return "DELETE_ROWS_EVENT_V1";
    case EventType::kIncident: return "INCIDENT_EVENT";
    case EventType::kHeartbeat: return "HEARTBEAT_LOG_EVENT";
    case EventType::kIgnorable: return "IGNORABLE_LOG_EVENT";
    case EventType::kRowsQuery: return "ROWS_QUERY_LOG_EVENT";
    case EventType::kWriteRowsV2: return "WRITE_ROWS_EVENT";
    case EventType::kUpdateRowsV2: return "UPDATE_ROWS_EVENT";
    case EventType::kDeleteRowsV2: return "DELETE_ROWS_EVENT";
    case EventType::kMysqlGtid: return "GTID_LOG_EVENT";
    case EventType::kMysqlAnonymousGtid: return "ANONYMOUS_GTID_LOG_EVENT";
    case EventType::kMysqlPreviousGtids: return "PREVIOUS_GTIDS_LOG_EVENT";
    case EventType::kMysqlTransactionContext: return "TRANSACTION_CONTEXT_EVENT";
    case EventType::kMysqlViewChange: return "VIEW_CHANGE_EVENT";
    case EventType::kMysqlXaPrepare: return "XA_PREPARE_LOG_EVENT";
    case EventType::kMysqlPartialUpdateRows: return "PARTIAL_UPDATE_ROWS_EVENT";
    case EventType::kMysqlTransactionPayload: return "TRANSACTION_PAYLOAD_EVENT";
    case EventType::kMysqlHeartbeatV2: return "HEARTBEAT_LOG_EVENT_V2";
    case EventType::kMysqlGtidTagged: return "GTID_TAGGED_LOG_EVENT";
    case EventType::kAnnotateRows: return "ANNOTATE_ROWS_EVENT";
    case EventType::kBinlogCheckpoint: return "BINLOG_CHECKPOINT_EVENT";
    case EventType::kMariaGtid: return "GTID_EVENT";
    case EventType::kMariaGtidList: return "GTID_LIST_EVENT";
    case EventType::kStartEncryption: return "START_ENCRYPTION_EVENT";
    case EventType::kQueryCompressed: return "QUERY_COMPRESSED_EVENT";
    case EventType::kWriteRowsCompressedV1: return "WRITE_ROWS_COMPRESSED_EVENT_V1";
    case EventType::kUpdateRowsCompressedV1: return "UPDATE_ROWS_COMPRESSED_EVENT_V1";
    case EventType::kDeleteRowsCompressedV1: return "DELETE_ROWS_COMPRESSED_EVENT_V1";
    case EventType::kWriteRowsCompressed: return "WRITE_ROWS_COMPRESSED_EVENT";
    case EventType::kUpdateRowsCompressed: return "UPDATE_ROWS_COMPRESSED_EVENT";
    case EventType::kDeleteRowsCompressed: return "DELETE_ROWS_COMPRESSED_EVENT";
  }
  return "event type " + std::to_string(static_cast<int>(type));
}

}  // namespace dbct::binlog
