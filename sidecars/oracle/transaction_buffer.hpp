// LogMiner rows (V$LOGMNR_CONTENTS) and the transaction buffer: mining runs with
// committed-data-only off, so rows of every transaction arrive interleaved in SCN order; they
// are kept per XID and handed on only when the transaction's COMMIT arrives (so in commit SCN
// order); a ROLLBACK drops them; SQL_REDO split over several rows (CSF = 1) is joined; a row
// with ROLLBACK = 1 (a statement undone by a rollback to savepoint) cancels the change it undoes.
//
// Bounded memory: when the rows held for open transactions pass `memory_limit` bytes, the
// largest open transaction's rows (all but its last, which a CSF row or an undo may still
// change) go to a temporary file of its own, unlinked at once (in $TMPDIR, else /tmp), and are
// read back in order at its COMMIT. A ROLLBACK just closes the file.
#ifndef DBCT_ORACLE_TRANSACTION_BUFFER_HPP
#define DBCT_ORACLE_TRANSACTION_BUFFER_HPP

#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
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

  size_t MemoryBytes() const;  // what holding it costs, roughly
};

// A transaction's rows written to disk; an unlinked temporary file (gone when closed).
class SpillFile {
 public:
  // Throws SpillError when no temporary file can be made.
  SpillFile();
  ~SpillFile();
  SpillFile(const SpillFile&) = delete;
  SpillFile& operator=(const SpillFile&) = delete;

  void Append(const LogMinerRow& row);
  uint64_t Rows() const { return rows_; }
  // Reads every row back in order.
  void ForEach(const std::function<void(const LogMinerRow&)>& fn);

 private:
  std::FILE* file_ = nullptr;
  uint64_t rows_ = 0;
};

class SpillError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct CommittedTransaction {
  std::string xid;
  uint64_t start_scn = 0;
  int64_t start_ts_ms = 0;
  uint64_t commit_scn = 0;
  int64_t commit_ts_ms = 0;
  std::vector<LogMinerRow> changes;  // DML rows, SQL_REDO joined (after the spilled ones)
  std::unique_ptr<SpillFile> spilled;  // earlier rows on disk; null when none
  // Undo rows (rollback to savepoint) that cancel a spilled row: (rows spilled when the undo
  // came, ROW_ID): the latest of those rows with that ROW_ID is dropped.
  std::vector<std::pair<uint64_t, std::string>> spilled_cancels;

  // Calls fn for each change in order: the spilled ones, then those in memory.
  void ForEachChange(const std::function<void(const LogMinerRow&)>& fn) const;
};

class TransactionBuffer {
 public:
  static constexpr size_t kDefaultMemoryLimit = size_t{256} << 20;
  explicit TransactionBuffer(size_t memory_limit = kDefaultMemoryLimit) : memory_limit_(memory_limit) {}

  // Takes the next row in mining order; returns the transaction it commits, if any.
  // Throws SpillError when rows cannot be written to disk.
  std::optional<CommittedTransaction> Add(LogMinerRow&& row);

  // The lowest start SCN of the open transactions (mining must restart there), or `fallback`.
  uint64_t OldestOpenScn(uint64_t fallback) const;
  size_t OpenTransactions() const { return open_.size(); }
  uint64_t RolledBack() const { return rolled_back_; }
  size_t MemoryBytes() const { return memory_; }
  uint64_t SpilledRows() const { return spilled_rows_; }

 private:
  struct Open {
    uint64_t start_scn = 0;
    int64_t start_ts_ms = 0;
    std::vector<LogMinerRow> changes;
    size_t memory = 0;
    bool continuing = false;  // the last change's SQL_REDO goes on (CSF)
    std::unique_ptr<SpillFile> spilled;
    std::vector<std::pair<uint64_t, std::string>> spilled_cancels;
  };
  void Forget(Open& t) { memory_ -= t.memory; }
  void SpillLargest();

  size_t memory_limit_;
  size_t memory_ = 0;
  uint64_t spilled_rows_ = 0;
  std::map<std::string, Open> open_;
  uint64_t rolled_back_ = 0;
};

}  // namespace dbct::oracle

#endif  // DBCT_ORACLE_TRANSACTION_BUFFER_HPP
