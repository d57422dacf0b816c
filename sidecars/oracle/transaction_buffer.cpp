#include "transaction_buffer.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <set>
#include <unistd.h>

namespace dbct::oracle {

size_t LogMinerRow::MemoryBytes() const {
  return sizeof(LogMinerRow) + xid.capacity() + seg_owner.capacity() + table_name.capacity() + row_id.capacity() +
         sql_redo.capacity() + rs_id.capacity() + username.capacity();
}

// ---- SpillFile ------------------------------------------------------------------------------

namespace {

void PutU64(std::FILE* f, uint64_t v) {
  unsigned char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(v >> (8 * i));
  std::fwrite(b, 1, 8, f);
}

void PutText(std::FILE* f, const std::string& s) {
  PutU64(f, s.size());
  std::fwrite(s.data(), 1, s.size(), f);
}

bool GetU64(std::FILE* f, uint64_t* v) {
  unsigned char b[8];
  if (std::fread(b, 1, 8, f) != 8) return false;
  *v = 0;
  for (int i = 0; i < 8; ++i) *v |= static_cast<uint64_t>(b[i]) << (8 * i);
  return true;
}

bool GetText(std::FILE* f, std::string* s) {
  uint64_t n = 0;
  if (!GetU64(f, &n) || n > (uint64_t{1} << 32)) return false;
  s->resize(n);
  return n == 0 || std::fread(s->data(), 1, n, f) == n;
}

}  // namespace

SpillFile::SpillFile() {
  const char* dir = std::getenv("TMPDIR");
  std::string path = std::string(dir && *dir ? dir : "/tmp") + "/dbct-oracle-tx-XXXXXX";
  const int fd = mkstemp(path.data());
  if (fd < 0) {
    throw SpillError("could not create a temporary file to hold a large transaction in " + path.substr(0, path.rfind('/')) +
                     ": " + std::strerror(errno) + " (set TMPDIR to a writable directory)");
  }
  unlink(path.c_str());  // gone once closed, even after a crash
  file_ = fdopen(fd, "w+b");
  if (file_ == nullptr) {
    close(fd);
    throw SpillError(std::string("could not open a temporary file: ") + std::strerror(errno));
  }
}

SpillFile::~SpillFile() {
  if (file_ != nullptr) std::fclose(file_);
}

void SpillFile::Append(const LogMinerRow& r) {
  PutU64(file_, r.scn);
  PutU64(file_, r.commit_scn);
  PutU64(file_, static_cast<uint64_t>(r.operation_code));
  PutU64(file_, static_cast<uint64_t>(r.timestamp_ms));
  PutU64(file_, static_cast<uint64_t>(r.ssn));
  PutU64(file_, static_cast<uint64_t>(r.thread));
  PutU64(file_, (r.csf ? 1 : 0) | (r.rollback ? 2 : 0));
  for (const std::string* s : {&r.xid, &r.seg_owner, &r.table_name, &r.row_id, &r.sql_redo, &r.rs_id, &r.username}) {
    PutText(file_, *s);
  }
  if (std::ferror(file_)) throw SpillError(std::string("could not write a large transaction to disk: ") + std::strerror(errno));
  ++rows_;
}

void SpillFile::ForEach(const std::function<void(const LogMinerRow&)>& fn) {
  if (std::fflush(file_) != 0 || std::fseek(file_, 0, SEEK_SET) != 0) {
    throw SpillError(std::string("could not read a large transaction back from disk: ") + std::strerror(errno));
  }
  LogMinerRow r;
  for (uint64_t n = 0; n < rows_; ++n) {
    uint64_t v[7];
    bool ok = true;
    for (uint64_t& x : v) ok = ok && GetU64(file_, &x);
    for (std::string* s : {&r.xid, &r.seg_owner, &r.table_name, &r.row_id, &r.sql_redo, &r.rs_id, &r.username}) {
      ok = ok && GetText(file_, s);
    }
    if (!ok) throw SpillError("a large transaction's temporary file is truncated");
    r.scn = v[0];
    r.commit_scn = v[1];
    r.operation_code = static_cast<int>(v[2]);
    r.timestamp_ms = static_cast<int64_t>(v[3]);
    r.ssn = static_cast<int64_t>(v[4]);
    r.thread = static_cast<int>(v[5]);
    r.csf = (v[6] & 1) != 0;
    r.rollback = (v[6] & 2) != 0;
    fn(r);
  }
  std::fseek(file_, 0, SEEK_END);
}

void CommittedTransaction::ForEachChange(const std::function<void(const LogMinerRow&)>& fn) const {
  if (spilled) {
    // Undo rows cancel the latest earlier spilled row of their ROW_ID: find those rows first.
    std::set<uint64_t> cancelled;
    if (!spilled_cancels.empty()) {
      std::map<std::string, std::vector<uint64_t>> seen;  // only the ROW_IDs that are undone
      for (const auto& [at, row_id] : spilled_cancels) seen[row_id];
      uint64_t index = 0;
      spilled->ForEach([&](const LogMinerRow& r) {
        auto it = seen.find(r.row_id);
        if (it != seen.end()) it->second.push_back(index);
        ++index;
      });
      for (const auto& [at, row_id] : spilled_cancels) {
        auto& list = seen[row_id];
        for (auto i = list.rbegin(); i != list.rend(); ++i) {
          if (*i < at && !cancelled.count(*i)) {
            cancelled.insert(*i);
            break;
          }
        }
      }
    }
    uint64_t index = 0;
    spilled->ForEach([&](const LogMinerRow& r) {
      if (!cancelled.count(index++)) fn(r);
    });
  }
  for (const LogMinerRow& r : changes) fn(r);
}

// ---- TransactionBuffer ----------------------------------------------------------------------

void TransactionBuffer::SpillLargest() {
  Open* largest = nullptr;
  for (auto& [xid, t] : open_) {
    if (t.changes.size() > 1 && (largest == nullptr || t.memory > largest->memory)) largest = &t;
  }
  if (largest == nullptr) return;  // single rows only: nothing worth moving
  if (!largest->spilled) largest->spilled = std::make_unique<SpillFile>();
  // The last row stays: a CSF row may continue it, an undo may cancel it.
  const size_t keep = largest->changes.size() - 1;
  for (size_t i = 0; i < keep; ++i) {
    const size_t bytes = largest->changes[i].MemoryBytes();
    largest->spilled->Append(largest->changes[i]);
    largest->memory -= bytes;
    memory_ -= bytes;
  }
  spilled_rows_ += keep;
  largest->changes.erase(largest->changes.begin(), largest->changes.begin() + static_cast<std::ptrdiff_t>(keep));
  largest->changes.shrink_to_fit();
}

std::optional<CommittedTransaction> TransactionBuffer::Add(LogMinerRow&& row) {
  const auto code = static_cast<OperationCode>(row.operation_code);
  switch (code) {
    case OperationCode::kStart: {
      Open& t = open_[row.xid];
      if (t.start_scn == 0) {
        t.start_scn = row.scn;
        t.start_ts_ms = row.timestamp_ms;
      }
      return std::nullopt;
    }
    case OperationCode::kCommit: {
      auto it = open_.find(row.xid);
      if (it == open_.end()) return std::nullopt;  // nothing captured in it
      Forget(it->second);
      CommittedTransaction done;
      done.xid = row.xid;
      done.start_scn = it->second.start_scn;
      done.start_ts_ms = it->second.start_ts_ms;
      done.commit_scn = row.commit_scn != 0 ? row.commit_scn : row.scn;
      done.commit_ts_ms = row.timestamp_ms;
      done.changes = std::move(it->second.changes);
      done.spilled = std::move(it->second.spilled);
      done.spilled_cancels = std::move(it->second.spilled_cancels);
      open_.erase(it);
      if (done.changes.empty() && !done.spilled) return std::nullopt;
      return done;
    }
    case OperationCode::kRollback: {
      auto it = open_.find(row.xid);
      if (it == open_.end()) return std::nullopt;
      Forget(it->second);
      open_.erase(it);  // closes its spill file
      ++rolled_back_;
      return std::nullopt;
    }
    case OperationCode::kInsert:
    case OperationCode::kUpdate:
    case OperationCode::kDelete: {
      Open& t = open_[row.xid];
      if (t.start_scn == 0) {
        t.start_scn = row.scn;
        t.start_ts_ms = row.timestamp_ms;
      }
      if (t.continuing && !t.changes.empty()) {
        LogMinerRow& last = t.changes.back();
        const size_t before = last.MemoryBytes();
        last.sql_redo += row.sql_redo;
        t.continuing = row.csf;
        const size_t after = last.MemoryBytes();
        t.memory += after - before;
        memory_ += after - before;
        if (memory_ > memory_limit_) SpillLargest();
        return std::nullopt;
      }
      if (row.rollback) {
        // Undo of an earlier statement of this transaction (rollback to savepoint): drop the
        // most recent change of the same row.
        bool found = false;
        for (auto it = t.changes.rbegin(); it != t.changes.rend(); ++it) {
          if (it->row_id == row.row_id) {
            const size_t bytes = it->MemoryBytes();
            t.memory -= bytes;
            memory_ -= bytes;
            t.changes.erase(std::next(it).base());
            found = true;
            break;
          }
        }
        if (!found && t.spilled) t.spilled_cancels.emplace_back(t.spilled->Rows(), row.row_id);
        t.continuing = false;
        return std::nullopt;
      }
      t.continuing = row.csf;
      const size_t bytes = row.MemoryBytes();
      t.memory += bytes;
      memory_ += bytes;
      t.changes.push_back(std::move(row));
      if (memory_ > memory_limit_) SpillLargest();
      return std::nullopt;
    }
    default:
      return std::nullopt;  // DDL, LOB locator operations and internal rows are not change events
  }
}

uint64_t TransactionBuffer::OldestOpenScn(uint64_t fallback) const {
  uint64_t oldest = fallback;
  for (const auto& [xid, t] : open_) {
    if (t.start_scn != 0 && t.start_scn < oldest) oldest = t.start_scn;
  }
  return oldest;
}

}  // namespace dbct::oracle
