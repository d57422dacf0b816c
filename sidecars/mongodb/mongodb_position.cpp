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

}  // namespace dbct::mongodb
