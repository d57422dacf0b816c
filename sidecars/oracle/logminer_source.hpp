// Streaming with LogMiner: each window (last SCN, CURRENT_SCN] adds the online and archived
// logs that hold it, starts DBMS_LOGMNR with the online catalog (committed-data-only off),
// reads V$LOGMNR_CONTENTS into the transaction buffer and emits each committed transaction.
#ifndef DBCT_ORACLE_LOGMINER_SOURCE_HPP
#define DBCT_ORACLE_LOGMINER_SOURCE_HPP

#include <map>
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
  LogMinerSource(const std::map<std::string, OracleTable>& tables, ChangeEmitter& emitter)
      : tables_(tables), emitter_(emitter) {}

  // Mining reads SCNs from `scn` on.
  void StartAt(uint64_t scn) { from_ = scn; }
  // One window. Returns the rows read. Throws odbc::OdbcError, LostPositionError,
  // RedoParseError, values::ValueError.
  size_t Mine(odbc::Connection& connection, const odbc::EventSink& sink);
  // After a failed window: drop the buffer and restart from the last event's restart SCN.
  void Restart();

 private:
  const std::map<std::string, OracleTable>& tables_;
  ChangeEmitter& emitter_;
  TransactionBuffer buffer_;
  uint64_t from_ = 0;
  uint64_t start_ = 0;  // where this buffer's mining began
};

}  // namespace dbct::oracle

#endif  // DBCT_ORACLE_LOGMINER_SOURCE_HPP
