#include "query_event.hpp"

#include <cctype>

#include "byte_reader.hpp"
#include "format_description_event.hpp"

namespace dbct::binlog {

namespace {

constexpr uint8_t kQueryPostHeader = 13;  // thread id 4, exec time 4, db len 1, error 2, status len 2

bool StartsWithWord(std::string_view text, std::string_view word) {
  if (text.size() < word.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(text[i])) != word[i]) return false;
  }
  return text.size() == word.size() || !std::isalnum(static_cast<unsigned char>(text[word.size()]));
}

}  // namespace

QueryEvent QueryEvent::Parse(const RawEvent& ev, const FormatDescriptionEvent& fd) {
  if (ev.header.type == EventType::kQueryCompressed) {
    throw UnsupportedError(
        "QUERY_COMPRESSED_EVENT is not supported: turn off log_bin_compress on the server");
  }
  ByteReader r(ev.body, "QUERY_EVENT");
  const uint8_t post_header = fd.PostHeaderLength(EventType::kQuery, kQueryPostHeader);
  if (post_header < kQueryPostHeader) r.Fail("post-header shorter than 13 bytes");
  QueryEvent q;
  q.thread_id = r.U32();
  q.exec_time = r.U32();
  const uint8_t db_len = r.U8();
  q.error_code = r.U16();
  const uint16_t status_len = r.U16();
  r.Skip(post_header - kQueryPostHeader);
  q.status_vars = r.Bytes(status_len);
  q.database = r.ZeroTerminated(db_len);
  q.statement = r.Rest();
  return q;
}

QueryKind QueryEvent::Kind() const {
  std::string_view s = statement;
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  if (StartsWithWord(s, "BEGIN")) return QueryKind::kBegin;
  if (StartsWithWord(s, "COMMIT")) return QueryKind::kCommit;
  if (StartsWithWord(s, "ROLLBACK")) return QueryKind::kRollback;
  if (StartsWithWord(s, "XA")) return QueryKind::kXa;
  return QueryKind::kOther;
}

}  // namespace dbct::binlog
