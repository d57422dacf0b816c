// Turns the bytes of one binlog event into a typed event.
//
// Keeps what decoding later events needs: the last FORMAT_DESCRIPTION_EVENT (post-header
// lengths, checksum algorithm). Handled: FORMAT_DESCRIPTION, ROTATE, QUERY, XID, TABLE_MAP,
// WRITE/UPDATE/DELETE_ROWS v1/v2, MariaDB GTID/GTID_LIST/ANNOTATE_ROWS, MySQL GTID/ANONYMOUS_GTID/
// ROWS_QUERY, HEARTBEAT.
//
// Skipped because they never change row data in a ROW binlog: STOP, INTVAR, RAND, USER_VAR
// (statement-replication context), IGNORABLE and any event flagged LOG_EVENT_IGNORABLE_F,
// PREVIOUS_GTIDS, TRANSACTION_CONTEXT and VIEW_CHANGE (group replication bookkeeping),
// BINLOG_CHECKPOINT (MariaDB crash-recovery bookkeeping), HEARTBEAT_LOG_EVENT_V2.
//
// Refused with a message saying what to change: compressed events (MariaDB log_bin_compress,
// MySQL binlog_transaction_compression), partial JSON updates, INCIDENT (the server lost
// events), LOAD DATA events of statement replication, XA_PREPARE, encrypted streams, tagged
// GTIDs, and every event type not listed here.
#ifndef DBCT_BINLOG_EVENT_DECODER_HPP
#define DBCT_BINLOG_EVENT_DECODER_HPP

#include <string_view>
#include <variant>

#include "annotate_rows_event.hpp"
#include "format_description_event.hpp"
#include "gtid_event.hpp"
#include "heartbeat_event.hpp"
#include "query_event.hpp"
#include "rotate_event.hpp"
#include "rows_event.hpp"
#include "table_map_event.hpp"
#include "xid_event.hpp"

namespace dbct::binlog {

struct SkippedEvent {};

using EventBody = std::variant<SkippedEvent, FormatDescriptionEvent, RotateEvent, QueryEvent,
                               XidEvent, TableMapEvent, RowsEvent, MariaGtidEvent,
                               MariaGtidListEvent, MysqlGtidEvent, AnnotateRowsEvent,
                               HeartbeatEvent>;

struct DecodedEvent {
  EventHeader header;
  EventBody body;
};

class EventDecoder {
 public:
  // `checksum`: what the stream carries before its first FORMAT_DESCRIPTION_EVENT (the
  // server's binlog_checksum when the replica announced it understands checksums).
  explicit EventDecoder(ChecksumAlg checksum = ChecksumAlg::kOff);

  // Decodes one complete event. Views in the result point into `bytes`.
  DecodedEvent Decode(std::string_view bytes);

  const FormatDescriptionEvent& Format() const { return format_; }

 private:
  FormatDescriptionEvent format_;
};

}  // namespace dbct::binlog

#endif  // DBCT_BINLOG_EVENT_DECODER_HPP
