#include "mongodb_position.hpp"

#include <charconv>
#include <vector>

namespace dbct::mongodb {

namespace {

constexpr std::string_view kSnapshot = "snapshot:";
constexpr std::string_view kSnapshotDone = "snapshot-done:";

template <typename T>
bool ParseNumber(std::string_view text, T* out) {
  if (text.empty()) return false;
  auto r = std::from_chars(text.data(), text.data() + text.size(), *out);
  return r.ec == std::errc() && r.ptr == text.data() + text.size();
}

}  // namespace

std::string MongoPosition::ToString() const {
  if (kind == Kind::kResumeToken) return resume_token;
  return std::string(snapshot_done ? kSnapshotDone : kSnapshot) + std::to_string(start_at.t) + ":" +
         std::to_string(start_at.i) + ":" + std::to_string(row);
}

std::optional<MongoPosition> MongoPosition::Parse(std::string_view text) {
  MongoPosition p;
  if (!text.empty() && text.front() == '{') {
    bson_t token;
    if (!ResumeTokenToBson(text, &token)) return std::nullopt;
    bson_destroy(&token);
    p.kind = Kind::kResumeToken;
    p.resume_token = std::string(text);
    return p;
  }
  std::string_view rest;
  if (text.substr(0, kSnapshotDone.size()) == kSnapshotDone) {
    p.snapshot_done = true;
    rest = text.substr(kSnapshotDone.size());
  } else if (text.substr(0, kSnapshot.size()) == kSnapshot) {
    rest = text.substr(kSnapshot.size());
  } else {
    return std::nullopt;
  }
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t colon = rest.find(':', start);
    parts.push_back(rest.substr(start, colon == std::string_view::npos ? colon : colon - start));
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  if (parts.size() != 3 || !ParseNumber(parts[0], &p.start_at.t) || !ParseNumber(parts[1], &p.start_at.i) ||
      !ParseNumber(parts[2], &p.row) || p.row == 0) {
    return std::nullopt;
  }
  p.kind = Kind::kSnapshot;
  return p;
}

bool ResumeTokenToBson(std::string_view token_json, bson_t* out) {
  bson_error_t error;
  if (!bson_init_from_json(out, token_json.data(), static_cast<ssize_t>(token_json.size()), &error)) {
    return false;
  }
  if (bson_count_keys(out) == 0) {
    bson_destroy(out);
    return false;
  }
  return true;
}

namespace {

// The _data string of a token, "" when there is none.
std::string TokenData(std::string_view token_json) {
  bson_t token;
  if (!ResumeTokenToBson(token_json, &token)) return {};
  std::string data;
  bson_iter_t it;
  if (bson_iter_init_find(&it, &token, "_data") && BSON_ITER_HOLDS_UTF8(&it)) {
    uint32_t len = 0;
    const char* s = bson_iter_utf8(&it, &len);
    data.assign(s, len);
  }
  bson_destroy(&token);
  return data;
}

bool ParseHex32(std::string_view hex, uint32_t* out) {
  if (hex.size() != 8) return false;
  auto r = std::from_chars(hex.data(), hex.data() + hex.size(), *out, 16);
  return r.ec == std::errc() && r.ptr == hex.data() + hex.size();
}

int Sign(int v) { return v < 0 ? -1 : v > 0 ? 1 : 0; }

}  // namespace

std::optional<OperationTime> ResumeTokenTime(std::string_view token_json) {
  const std::string data = TokenData(token_json);
  OperationTime at;
  if (data.size() < 18 || data.compare(0, 2, "82") != 0 || !ParseHex32(std::string_view(data).substr(2, 8), &at.t) ||
      !ParseHex32(std::string_view(data).substr(10, 8), &at.i)) {
    return std::nullopt;
  }
  return at;
}

std::optional<int> ComparePositions(const MongoPosition& a, const MongoPosition& b) {
  using Kind = MongoPosition::Kind;
  if (a.kind == Kind::kSnapshot && b.kind == Kind::kSnapshot) {
    if (!(a.start_at == b.start_at)) return a.start_at < b.start_at ? -1 : 1;
    if (a.snapshot_done != b.snapshot_done) return a.snapshot_done ? 1 : -1;
    return a.row == b.row ? 0 : a.row < b.row ? -1 : 1;
  }
  if (a.kind == Kind::kSnapshot) {
    const auto r = ComparePositions(b, a);
    if (!r) return std::nullopt;
    return -*r;
  }
  const auto at = ResumeTokenTime(a.resume_token);
  if (!at) return std::nullopt;
  if (b.kind == Kind::kSnapshot) return *at < b.start_at ? -1 : 1;
  if (!ResumeTokenTime(b.resume_token)) return std::nullopt;
  // Uppercase hex of a KeyString: its text order is the tokens' order.
  return Sign(TokenData(a.resume_token).compare(TokenData(b.resume_token)));
}

}  // namespace dbct::mongodb
