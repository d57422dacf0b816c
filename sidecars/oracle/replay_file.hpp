// --replay for dbct-oracle: V$LOGMNR_CONTENTS rows from a JSON-lines file (docs/oracle.md).
//
// A line with "columns" declares a table (what ALL_TAB_COLUMNS and the primary key say):
//   {"table":"DEBEZIUM.CUSTOMERS","columns":[{"name":"ID","type":"NUMBER(9,0)","key":true},
//    {"name":"EMAIL","type":"VARCHAR2(255)"}]}
// Any other line is one row of V$LOGMNR_CONTENTS, by its column names:
//   {"SCN":2122185,"COMMIT_SCN":null,"XID":"06001c0027030000","OPERATION_CODE":1,
//    "SEG_OWNER":"DEBEZIUM","TABLE_NAME":"CUSTOMERS","ROW_ID":"AAASgjAAMAAAACnAAA",
//    "SQL_REDO":"insert into ...","CSF":0,"TIMESTAMP":"2018-03-03 13:52:34","RS_ID":" 0x001234.00012345.0124 ",
//    "SSN":1,"THREAD#":1,"USERNAME":"USER","ROLLBACK":0}
#ifndef DBCT_ORACLE_REPLAY_FILE_HPP
#define DBCT_ORACLE_REPLAY_FILE_HPP

#include <istream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "oracle/change_emitter.hpp"
#include "oracle/transaction_buffer.hpp"

namespace dbct::oracle {

class ReplayError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ReplayInput {
  std::map<std::string, OracleTable> tables;
  std::vector<LogMinerRow> rows;  // in file (mining) order
};

ReplayInput ReadReplay(std::istream& in, const std::string& name);

// "2018-03-03 13:52:34[.fff]" (UTC) -> epoch milliseconds.
bool ParseTimestampMs(const std::string& text, int64_t* ms);

}  // namespace dbct::oracle

#endif  // DBCT_ORACLE_REPLAY_FILE_HPP
