// The resumable position of a MongoDB tracking (Dbct-Position, offsets bucket).
//
//   change event:  the event's resume token (its change-stream `_id`) as relaxed Extended
//                  JSON, e.g. {"_data": "8264..."}; the stream resumes after it (startAfter,
//                  which also works after an invalidate).
//   snapshot read: "snapshot:<t>:<i>:<n>" — the n-th document read by an initial snapshot
//                  whose change stream starts at operation time Timestamp(t, i); the last
//                  document of a complete snapshot is "snapshot-done:<t>:<i>:<n>", from which
//                  the stream starts at that operation time.
#ifndef DBCT_MONGODB_MONGODB_POSITION_HPP
#define DBCT_MONGODB_MONGODB_POSITION_HPP

#include <bson/bson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dbct::mongodb {

// A cluster time / operation time: BSON Timestamp(t, i).
struct OperationTime {
  uint32_t t = 0;
  uint32_t i = 0;
  bool operator==(const OperationTime& o) const { return t == o.t && i == o.i; }
  bool operator<(const OperationTime& o) const { return t < o.t || (t == o.t && i < o.i); }
};

struct MongoPosition {
  enum class Kind { kResumeToken, kSnapshot };
  Kind kind = Kind::kResumeToken;
  std::string resume_token;  // kResumeToken: relaxed Extended JSON of the token document
  OperationTime start_at;    // kSnapshot: where the change stream starts after the snapshot
  uint64_t row = 0;          // kSnapshot: documents read so far, this one included
  bool snapshot_done = false;

  std::string ToString() const;
  // nullopt when the text is not a MongoDB position.
  static std::optional<MongoPosition> Parse(std::string_view text);
};

// The token document of a kResumeToken position; false when the text is not valid JSON.
bool ResumeTokenToBson(std::string_view token_json, bson_t* out);

// The cluster time a resume token stands for. MongoDB 4.2+ tokens are {"_data": "<hex>"}, a
// KeyString whose first value is the cluster time: "82" (Timestamp type) then t and i as
// 8 big-endian hex digits each. nullopt for other tokens.
std::optional<OperationTime> ResumeTokenTime(std::string_view token_json);

// Orders positions as the source does: -1, 0, 1 when a is before, at, after b; nullopt when
// they cannot be compared (a token without a readable cluster time). A snapshot of operation
// time T comes before every change at or after T: its stream starts there. Tokens of the same
// cluster time compare by their _data, which MongoDB keeps in event order.
std::optional<int> ComparePositions(const MongoPosition& a, const MongoPosition& b);

}  // namespace dbct::mongodb

#endif  // DBCT_MONGODB_MONGODB_POSITION_HPP
