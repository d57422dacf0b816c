#include "gtid_event.hpp"

#include "byte_reader.hpp"

namespace dbct::binlog {

std::string MariaGtid::ToString() const {
  return std::to_string(domain_id) + "-" + std::to_string(server_id) + "-" +
         std::to_string(sequence);
}

MariaGtidEvent MariaGtidEvent::Parse(const RawEvent& ev) {
  ByteReader r(ev.body, "GTID_EVENT");
  MariaGtidEvent g;
  g.gtid.sequence = r.U64();
  g.gtid.domain_id = r.U32();
  g.gtid.server_id = ev.header.server_id;
  g.flags = r.U8();
  if (g.flags & kGroupCommitId) g.commit_id = r.U64();
  // XA ids and the extra flags that may follow are not needed to decode rows.
  return g;
}

MariaGtidListEvent MariaGtidListEvent::Parse(const RawEvent& ev) {
  ByteReader r(ev.body, "GTID_LIST_EVENT");
  MariaGtidListEvent list;
  const uint32_t count = r.U32() & 0x0fffffffu;  // the top 4 bits are flags
  if (count > r.Remaining() / 16) r.Fail("GTID count " + std::to_string(count) + " too large");
  list.gtids.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    MariaGtid g;
    g.domain_id = r.U32();
    g.server_id = r.U32();
    g.sequence = r.U64();
    list.gtids.push_back(g);
  }
  return list;
}

MysqlGtidEvent MysqlGtidEvent::Parse(const RawEvent& ev) {
  ByteReader r(ev.body, "GTID_LOG_EVENT");
  MysqlGtidEvent g;
  g.anonymous = ev.header.type == EventType::kMysqlAnonymousGtid;
  g.flags = r.U8();
  std::string_view sid = r.Bytes(16);
  for (size_t i = 0; i < 16; ++i) g.sid[i] = static_cast<uint8_t>(sid[i]);
  g.gno = static_cast<int64_t>(r.U64());
  // Logical clock (MySQL 5.7+): type byte 2, then last_committed and sequence_number.
  if (r.Remaining() >= 17 && *r.Current() == 2) {
    r.U8();
    g.last_committed = static_cast<int64_t>(r.U64());
    g.sequence_number = static_cast<int64_t>(r.U64());
  }
  // Commit timestamps (MySQL 8.0.1+): 7 bytes each; the top bit of the immediate one says
  // whether a different original one follows.
  if (r.Remaining() >= 7) {
    uint64_t immediate = r.UInt(7);
    const bool has_original = (immediate & (uint64_t{1} << 55)) != 0;
    immediate &= ~(uint64_t{1} << 55);
    g.immediate_commit_us = immediate;
    g.original_commit_us = has_original && r.Remaining() >= 7 ? r.UInt(7) : immediate;
  }
  return g;
}

std::string MysqlGtidEvent::ToString() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(60);
  for (size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s.push_back('-');
    s.push_back(kHex[sid[i] >> 4]);
    s.push_back(kHex[sid[i] & 15]);
  }
  s.push_back(':');
  s += std::to_string(gno);
  return s;
}

}  // namespace dbct::binlog
