#include "transaction_metadata.hpp"

#include <cstdio>

namespace dbct::odbc {

void TransactionMetadata::Begin(std::string_view id, int64_t ts_ms) {
  open_ = true;
  id_.assign(id);
  ts_ms_ = ts_ms;
  total_ = 0;
  per_collection_.clear();
}

const envelope::TransactionBlock& TransactionMetadata::Count(std::string_view data_collection) {
  ++total_;
  int64_t order = 0;
  for (auto& [name, count] : per_collection_) {
    if (name == data_collection) {
      order = ++count;
      break;
    }
  }
  if (order == 0) {
    per_collection_.emplace_back(std::string(data_collection), 1);
    order = 1;
  }
  block_.id = id_;
  block_.total_order = total_;
  block_.data_collection_order = order;
  return block_;
}

std::string_view TransactionMetadata::BeginEvent() {
  w_.Clear();
  envelope::WriteTransactionBegin(w_, id_, ts_ms_);
  return w_.View();
}

std::string_view TransactionMetadata::EndEvent() {
  counts_.clear();
  for (const auto& [name, count] : per_collection_) counts_.push_back({name, count});
  w_.Clear();
  envelope::WriteTransactionEnd(w_, id_, ts_ms_, total_, counts_.data(), counts_.size());
  return w_.View();
}

namespace {

// FNV-1a, 64 bits, from a given basis: two bases give 128 bits, enough that distinct rows of
// one table never share an id in practice.
uint64_t Fnv1a(uint64_t hash, std::string_view a, std::string_view b) {
  for (unsigned char c : a) hash = (hash ^ c) * 1099511628211ULL;
  hash = (hash ^ 0xffU) * 1099511628211ULL;  // separator: ("ab","c") != ("a","bc")
  for (unsigned char c : b) hash = (hash ^ c) * 1099511628211ULL;
  return hash;
}

}  // namespace

std::string SnapshotMessageId(std::string_view tracking, std::string_view table, std::string_view key,
                              std::string_view row_json, uint64_t occurrence) {
  char digest[40];
  std::snprintf(digest, sizeof digest, "%016llx%016llx",
                static_cast<unsigned long long>(Fnv1a(14695981039346656037ULL, key, row_json)),
                static_cast<unsigned long long>(Fnv1a(0x9e3779b97f4a7c15ULL, row_json, key)));
  std::string id;
  id.reserve(tracking.size() + table.size() + 60);
  id.append(tracking).append(":snapshot:").append(table).append(":").append(digest);
  if (occurrence > 1) id.append("#").append(std::to_string(occurrence));
  return id;
}

}  // namespace dbct::odbc
