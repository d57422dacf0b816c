#include "lsn.hpp"

#include <cstring>
#include <vector>

namespace dbct::sqlserver {

namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::vector<std::string_view> SplitOn(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    const size_t at = text.find(sep, start);
    parts.push_back(text.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) break;
    start = at + 1;
  }
  return parts;
}

bool ParseInt(std::string_view text, int64_t* out) {
  if (text.empty() || text.size() > 18) return false;
  int64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

}  // namespace

std::optional<Lsn> Lsn::Parse(std::string_view text) {
  std::string hex;
  if (text.size() == 22 && text[8] == ':' && text[17] == ':') {
    hex.append(text.substr(0, 8)).append(text.substr(9, 8)).append(text.substr(18, 4));
  } else {
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) text.remove_prefix(2);
    hex.assign(text);
  }
  if (hex.size() != 20) return std::nullopt;
  Lsn lsn;
  for (size_t i = 0; i < 10; ++i) {
    const int hi = HexDigit(hex[2 * i]);
    const int lo = HexDigit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    lsn.bytes[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  return lsn;
}

std::optional<Lsn> Lsn::FromBytes(std::string_view raw) {
  if (raw.size() != 10) return std::nullopt;
  Lsn lsn;
  std::memcpy(lsn.bytes.data(), raw.data(), 10);
  return lsn;
}

std::string Lsn::ToString() const {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(22);
  for (size_t i = 0; i < 10; ++i) {
    if (i == 4 || i == 8) out.push_back(':');
    out.push_back(digits[bytes[i] >> 4]);
    out.push_back(digits[bytes[i] & 15]);
  }
  return out;
}

bool Lsn::IsZero() const {
  for (uint8_t b : bytes) {
    if (b != 0) return false;
  }
  return true;
}

int Lsn::Compare(const Lsn& other) const { return std::memcmp(bytes.data(), other.bytes.data(), bytes.size()); }

std::string Position::ToString() const {
  if (snapshot) {
    return "snapshot/" + commit_lsn.ToString() + "/" + std::to_string(serial) + (snapshot_done ? "/done" : "");
  }
  if (mark == Mark::kBegin) return commit_lsn.ToString() + "/begin";
  if (mark == Mark::kEnd) return commit_lsn.ToString() + "/end";
  std::string out = commit_lsn.ToString() + "/" + change_lsn.ToString() + "/" + std::to_string(serial);
  if (part != 0) out += "/" + std::to_string(part);
  return out;
}

std::optional<Position> Position::Parse(std::string_view text) {
  const auto parts = SplitOn(text, '/');
  Position p;
  int64_t n = 0;
  if ((parts.size() == 3 || (parts.size() == 4 && parts[3] == "done")) && parts[0] == "snapshot") {
    auto lsn = Lsn::Parse(parts[1]);
    if (!lsn || !ParseInt(parts[2], &n)) return std::nullopt;
    p.snapshot = true;
    p.commit_lsn = *lsn;
    p.serial = n;
    p.snapshot_done = parts.size() == 4;
    return p;
  }
  if (parts.size() == 2 && (parts[1] == "begin" || parts[1] == "end")) {
    auto commit = Lsn::Parse(parts[0]);
    if (!commit) return std::nullopt;
    return parts[1] == "begin" ? Begin(*commit) : End(*commit);
  }
  if (parts.size() != 3 && parts.size() != 4) return std::nullopt;
  auto commit = Lsn::Parse(parts[0]);
  auto change = Lsn::Parse(parts[1]);
  if (!commit || !change || !ParseInt(parts[2], &n)) return std::nullopt;
  p.commit_lsn = *commit;
  p.change_lsn = *change;
  p.serial = n;
  if (parts.size() == 4) {
    int64_t part = 0;
    if (!ParseInt(parts[3], &part) || part > 1) return std::nullopt;
    p.part = static_cast<int>(part);
  }
  return p;
}

int Position::Compare(const Position& o) const {
  if (snapshot != o.snapshot) return snapshot ? -1 : 1;
  if (int c = commit_lsn.Compare(o.commit_lsn)) return c;
  if (snapshot) return serial < o.serial ? -1 : serial > o.serial ? 1 : 0;
  // BEGIN before the changes of its commit, END after them.
  auto rank = [](Mark m) { return m == Mark::kBegin ? 0 : m == Mark::kChange ? 1 : 2; };
  if (rank(mark) != rank(o.mark)) return rank(mark) < rank(o.mark) ? -1 : 1;
  if (mark != Mark::kChange) return 0;
  if (int c = change_lsn.Compare(o.change_lsn)) return c;
  if (serial != o.serial) return serial < o.serial ? -1 : 1;
  return part < o.part ? -1 : part > o.part ? 1 : 0;
}

}  // namespace dbct::sqlserver
