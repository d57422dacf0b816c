#include "event_decoder.hpp"

namespace dbct::binlog {

EventDecoder::EventDecoder(ChecksumAlg checksum) : format_(FormatDescriptionEvent::Default()) {
  format_.checksum = checksum;
}

DecodedEvent EventDecoder::Decode(std::string_view bytes) {
  const RawEvent ev = FrameEvent(bytes, format_.checksum, format_.header_length);
  DecodedEvent out;
  out.header = ev.header;
  const EventType type = ev.header.type;
  switch (type) {
    case EventType::kFormatDescription: {
      FormatDescriptionEvent fd = FormatDescriptionEvent::Parse(ev, FormatDescriptionChecksumAlg(bytes));
      format_ = fd;
      out.body = std::move(fd);
      return out;
    }
    case EventType::kRotate:
      out.body = RotateEvent::Parse(ev);
      return out;
    case EventType::kQuery:
    case EventType::kQueryCompressed:
      out.body = QueryEvent::Parse(ev, format_);
      return out;
    case EventType::kXid:
      out.body = XidEvent::Parse(ev);
      return out;
    case EventType::kTableMap:
      out.body = TableMapEvent::Parse(ev, format_);
      return out;
    case EventType::kMariaGtid:
      out.body = MariaGtidEvent::Parse(ev);
      return out;
    case EventType::kMariaGtidList:
      out.body = MariaGtidListEvent::Parse(ev);
      return out;
    case EventType::kMysqlGtid:
    case EventType::kMysqlAnonymousGtid:
      out.body = MysqlGtidEvent::Parse(ev);
      return out;
    case EventType::kAnnotateRows:
    case EventType::kRowsQuery:
      out.body = AnnotateRowsEvent::Parse(ev);
      return out;
    case EventType::kHeartbeat:
      out.body = HeartbeatEvent::Parse(ev);
      return out;
    case EventType::kStop:
    case EventType::kIntvar:
    case EventType::kRand:
    case EventType::kUserVar:
    case EventType::kIgnorable:
    case EventType::kMysqlPreviousGtids:
    case EventType::kMysqlTransactionContext:
    case EventType::kMysqlViewChange:
    case EventType::kBinlogCheckpoint:
    case EventType::kMysqlHeartbeatV2:
      out.body = SkippedEvent{};
      return out;
    case EventType::kIncident:
      throw UnsupportedError(
          "INCIDENT_EVENT at position " + std::to_string(ev.header.StartPosition()) +
          ": the server reports that changes may be missing from its binlog; take a new snapshot");
    case EventType::kMysqlTransactionPayload:
      throw UnsupportedError(
          "TRANSACTION_PAYLOAD_EVENT is not supported: set binlog_transaction_compression=OFF");
    case EventType::kMysqlGtidTagged:
      throw UnsupportedError("GTID_TAGGED_LOG_EVENT (tagged GTIDs, MySQL 8.3+) is not supported");
    case EventType::kMysqlXaPrepare:
      throw UnsupportedError("XA_PREPARE_LOG_EVENT is not supported: XA transactions cannot be tracked");
    case EventType::kStartEncryption:
      throw UnsupportedError("START_ENCRYPTION_EVENT: encrypted binlogs are not supported");
    default:
      break;
  }
  if (RowsEvent::IsRowsEvent(type)) {
    out.body = RowsEvent::Parse(ev, format_);
    return out;
  }
  if (ev.header.flags & kFlagIgnorable) {
    out.body = SkippedEvent{};
    return out;
  }
  throw UnsupportedError(EventTypeName(type) + " at position " +
                         std::to_string(ev.header.StartPosition()) +
                         " is not supported; it cannot be skipped safely");
}

}  // namespace dbct::binlog
