// Capture instances (cdc.change_tables) and the rows of cdc.fn_cdc_get_all_changes_<instance>.
#ifndef DBCT_SQLSERVER_CHANGE_TABLE_HPP
#define DBCT_SQLSERVER_CHANGE_TABLE_HPP

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "column_type.hpp"
#include "lsn.hpp"
#include "source_value.hpp"

namespace dbct::sqlserver {

struct CapturedColumn {
  std::string name;
  std::string type_text;  // as declared: "nvarchar(255)"
  ColumnType type;
  bool key = false;       // part of the capture instance's index (primary key)
};

struct CaptureInstance {
  std::string name;    // "dbo_customers"
  std::string schema;  // of the source table
  std::string table;
  Lsn start_lsn;       // cdc.change_tables.start_lsn
  std::optional<Lsn> stop_lsn;  // a newer instance of the same table starts here
  std::vector<CapturedColumn> columns;

  std::string SourceTable() const { return schema + "." + table; }
};

// Debezium's rule for a table with two capture instances (after a schema change): the older
// one is read only up to the newer one's start LSN, the newer one from there on
// (SqlServerStreamingChangeEventSource.getCdcTablesToQuery). Sets stop_lsn on the older ones.
void AssignStopLsns(std::vector<CaptureInstance>& instances);

// CDC operations (__$operation).
enum class CdcOperation : int { kDelete = 1, kInsert = 2, kUpdateBefore = 3, kUpdateAfter = 4 };

struct ChangeRow {
  size_t instance = 0;  // index into the capture instances
  Lsn start_lsn;        // __$start_lsn: the commit LSN of the transaction
  Lsn seqval;           // __$seqval: the change's order in the transaction
  int operation = 0;    // __$operation
  std::string update_mask;
  int64_t commit_time_us = 0;  // sys.fn_cdc_map_lsn_to_time(__$start_lsn), read as UTC
  std::vector<odbc::SourceValue> values;  // one per captured column, in instance order
};

// The order the CDC functions return rows in, merged across instances:
// __$start_lsn, __$seqval, __$operation (stable for equal keys).
void SortRows(std::vector<ChangeRow>& rows);

// Where a page of a polled window ends: the (__$start_lsn, __$seqval) of the last row handed on.
struct RowKey {
  Lsn start;
  Lsn seq;
  bool operator<(const RowKey& o) const { return start < o.start || (start == o.start && seq < o.seq); }
};

// One page of a window, merged across capture instances: `rows` holds what each instance gave
// after the same key, `full_page_last` the last key of each instance whose page was full. Keeps
// (sorted) the rows up to the smallest such key, which it returns: the next page starts after it.
// nullopt when no page was full: the window is done.
std::optional<RowKey> MergePage(std::vector<ChangeRow>* rows, const std::vector<RowKey>& full_page_last);

}  // namespace dbct::sqlserver

#endif  // DBCT_SQLSERVER_CHANGE_TABLE_HPP
