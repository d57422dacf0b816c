// LogMiner rows (V$LOGMNR_CONTENTS) and the transaction buffer: mining runs with
// committed-data-only off, so rows of every transaction arrive interleaved in SCN order; they
// are kept per XID and handed on only when the transaction's COMMIT arrives (so in commit SCN
// order); a ROLLBACK drops them; SQL_REDO split over several rows (CSF = 1) is joined; a row
// with ROLLBACK = 1 (a statement undone by a rollback to savepoint) cancels the change it undoes.
#ifndef DBCT_ORACLE_TRANSACTION_BUFFER_HPP
#define DBCT_ORACLE_TRANSACTION_BUFFER_HPP

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace dbct::oracle {

// OPERATION_CODE values of V$LOGMNR_CONTENTS.
enum class OperationCode : int {
  kInternal = 0, kInsert = 1, kDelete = 2, kUpdate = 3, kDdl = 5, kStart = 6, kCommit = 7,
  kSelectLobLocator = 9, kLobWrite = 10, kLobTrim = 11, kSelectForUpdate = 25, kLobErase = 28,
  kMissingScn = 34, kRollback = 36, kUnsupported = 255
};

struct LogMinerRow {
  uint64_t scn = 0;
  uint64_t commit_scn = 0;   // 0 when not known (NULL)
  std::string xid;           // RAWTOHEX(XID), lower case
  int operation_code = 0;
  std::string seg_owner;
  std::string table_name;
  std::string row_id;
  std::string sql_redo;
  bool csf = false;          // SQL_REDO continues in the next row
  bool rollback = false;     // ROLLBACK = 1
  int64_t timestamp_ms = 0;  // TIMESTAMP
  std::string rs_id;
  int64_t ssn = 0;
  int thread = 1;            // THREAD#
  std::string username;
};

struct CommittedTransaction {
  std::string xid;
  uint64_t start_scn = 0;
  int64_t start_ts_ms = 0;
  uint64_t commit_scn = 0;
  int64_t commit_ts_ms = 0;
  std::vector<LogMinerRow> changes;  // DML rows, SQL_REDO joined
};

class TransactionBuffer {
 public:
  // Takes the next row in mining order; returns the transaction it commits, if any.
  std::optional<CommittedTransaction> Add(LogMinerRow&& row);

  // The lowest start SCN of the open transactions (mining must restart there), or `fallback`.
  uint64_t OldestOpenScn(uint64_t fallback) const;
  size_t OpenTransactions() const { return open_.size(); }
  uint64_t RolledBack() const { return rolled_back_; }

 private:
  struct Open {
    uint64_t start_scn = 0;
    int64_t start_ts_ms = 0;
    std::vector<LogMinerRow> changes;
    bool continuing = false;  // the last change's SQL_REDO goes on (CSF)
  };
  std::map<std::string, Open> open_;
  uint64_t rolled_back_ = 0;
};

}  // namespace dbct::oracle

#endif  // DBCT_ORACLE_TRANSACTION_BUFFER_HPP
