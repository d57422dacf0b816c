// A parser for the SQL_REDO statements LogMiner writes into V$LOGMNR_CONTENTS:
//
//   insert into "S"."T"("A","B","C") values ('1',NULL,TO_DATE('2020-01-01 00:00:00', 'YYYY-MM-DD HH24:MI:SS'));
//   update "S"."T" set "B" = 'x', "C" = NULL where "A" = '1' and "B" = 'y' and "C" IS NULL and ROWID = 'AAAS...';
//   delete from "S"."T" where "A" = '1' and "B" IS NULL and ROWID = 'AAAS...';
//
// Values: NULL, string literals ('' doubles a quote; LogMiner splits long ones with ||),
// unquoted numbers, TO_DATE(...), TO_TIMESTAMP(...), TO_TIMESTAMP_TZ(...), HEXTORAW('..'),
// EMPTY_CLOB()/EMPTY_BLOB(), unistr('..\00e4..'), TO_YMINTERVAL/TO_DSINTERVAL('..'),
// and function forms of numbers (TO_BINARY_FLOAT/TO_BINARY_DOUBLE).
// An update's before image is its where clause (all columns with supplemental logging ALL
// COLUMNS), its after image the before image with the set clause applied, as Debezium's
// LogMinerDmlParser builds them.
#ifndef DBCT_ORACLE_REDO_PARSER_HPP
#define DBCT_ORACLE_REDO_PARSER_HPP

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace dbct::oracle {

struct RedoValue {
  enum class Kind {
    kNull,
    kText,        // a string literal or a number, as text (unistr escapes decoded)
    kDate,        // TO_DATE('2020-01-01 00:00:00', fmt): the text
    kTimestamp,   // TO_TIMESTAMP('2020-01-01 00:00:00.123456'[, fmt])
    kTimestampTz, // TO_TIMESTAMP_TZ('2020-01-01 00:00:00.123456 +02:00'[, fmt])
    kInterval,    // TO_YMINTERVAL('+01-02') / TO_DSINTERVAL('+01 02:03:04.5')
    kBytes,       // HEXTORAW('0a0b'): the decoded bytes
    kEmptyLob,    // EMPTY_CLOB() / EMPTY_BLOB(): the LOB's content is not in the redo
  };
  Kind kind = Kind::kNull;
  std::string text;
  bool year_month = false;  // kInterval: TO_YMINTERVAL

  bool operator==(const RedoValue& o) const { return kind == o.kind && text == o.text && year_month == o.year_month; }
};

struct ColumnValue {
  std::string column;
  RedoValue value;
};

enum class RedoOp { kInsert, kUpdate, kDelete };

struct ParsedRedo {
  RedoOp op = RedoOp::kInsert;
  std::string schema;
  std::string table;
  std::vector<ColumnValue> before;  // update/delete: the where clause (ROWID left out)
  std::vector<ColumnValue> after;   // insert: the values; update: before + set
};

class RedoParseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws RedoParseError naming the position and what was expected.
ParsedRedo ParseRedo(std::string_view sql);

}  // namespace dbct::oracle

#endif  // DBCT_ORACLE_REDO_PARSER_HPP
