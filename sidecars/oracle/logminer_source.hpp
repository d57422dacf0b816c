// Streaming with LogMiner: each window (last SCN, CURRENT_SCN] adds the online and archived
// logs that hold it, starts DBMS_LOGMNR with the online catalog (committed-data-only off),
// reads V$LOGMNR_CONTENTS into the transaction buffer and emits each committed transaction.
#ifndef DBCT_ORACLE_LOGMINER_SOURCE_HPP
#define DBCT_ORACLE_LOGMINER_SOURCE_HPP

#include <map>
#include <optional>
#include <stdexcept>
#include <string>

#include "odbc_connection.hpp"
#include "oracle/change_emitter.hpp"
#include "oracle/transaction_buffer.hpp"

namespace dbct::oracle {

class LostPositionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class LogMinerSource {
 public:
  LogMinerSource(const std::map<std::string, OracleTable>& tables, ChangeEmitter& emitter,
                 size_t buffer_memory_limit = TransactionBuffer::kDefaultMemoryLimit)
      : tables_(tables), emitter_(emitter), buffer_memory_limit_(buffer_memory_limit), buffer_(buffer_memory_limit) {}

  // Mining reads SCNs from `scn` on.
  void StartAt(uint64_t scn) { from_ = scn; }
  // One window. Returns the rows read. Throws odbc::OdbcError, LostPositionError,
  // RedoParseError, values::ValueError.
  size_t Mine(odbc::Connection& connection, const odbc::EventSink& sink);
  // After a failed window: drop the buffer and restart from the last event's restart SCN.
  void Restart();

  // After a window: every transaction committed before its end SCN has been handed on, and
  // mining must restart at the oldest open transaction's start. What an idle window or a
  // heartbeat stores ("<end-1>/idle/0@<restart>"); nullopt before the first window.
  std::optional<Position> ReadThrough() const;
  const TransactionBuffer& Buffer() const { return buffer_; }

 private:
  const std::map<std::string, OracleTable>& tables_;
  ChangeEmitter& emitter_;
  size_t buffer_memory_limit_;
  TransactionBuffer buffer_;
  bool mined_ = false;  // a window has been read since the last (re)start
  uint64_t from_ = 0;
  uint64_t start_ = 0;  // where this buffer's mining began
};

}  // namespace dbct::oracle

#endif  // DBCT_ORACLE_LOGMINER_SOURCE_HPP
