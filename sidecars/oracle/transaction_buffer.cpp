#include "transaction_buffer.hpp"

namespace dbct::oracle {

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
      CommittedTransaction done;
      done.xid = row.xid;
      done.start_scn = it->second.start_scn;
      done.start_ts_ms = it->second.start_ts_ms;
      done.commit_scn = row.commit_scn != 0 ? row.commit_scn : row.scn;
      done.commit_ts_ms = row.timestamp_ms;
      done.changes = std::move(it->second.changes);
      open_.erase(it);
      if (done.changes.empty()) return std::nullopt;
      return done;
    }
    case OperationCode::kRollback:
      if (open_.erase(row.xid) > 0) ++rolled_back_;
      return std::nullopt;
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
        last.sql_redo += row.sql_redo;
        t.continuing = row.csf;
        return std::nullopt;
      }
      if (row.rollback) {
        // Undo of an earlier statement of this transaction (rollback to savepoint): drop the
        // most recent change of the same row.
        for (auto it = t.changes.rbegin(); it != t.changes.rend(); ++it) {
          if (it->row_id == row.row_id) {
            t.changes.erase(std::next(it).base());
            break;
          }
        }
        t.continuing = false;
        return std::nullopt;
      }
      t.continuing = row.csf;
      t.changes.push_back(std::move(row));
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
