// Debezium marks each snapshot row in source.snapshot: "first" (of the snapshot),
// "first_in_data_collection", "true", "last_in_data_collection", "last" (of the snapshot). The
// last two need one row of look-ahead: rows go in through Add and come out through `emit` one
// row late, numbered from 1, with their marker.
#ifndef DBCT_ODBC_SNAPSHOT_ROWS_HPP
#define DBCT_ODBC_SNAPSHOT_ROWS_HPP

#include <cstdint>
#include <functional>
#include <utility>

namespace dbct::odbc {

template <typename Table, typename Values>
class SnapshotRows {
 public:
  using Emit = std::function<void(const Table& table, const Values& values, int64_t row_number, const char* marker)>;

  explicit SnapshotRows(Emit emit) : emit_(std::move(emit)) {}

  // A row of `table`; the tables are read one after the other.
  void Add(const Table& table, Values values) {
    Flush(false);
    first_in_table_ = last_table_ != &table;
    last_table_ = &table;
    last_in_table_ = false;
    values_ = std::move(values);
    pending_ = true;
  }

  // After the last row of `table`.
  void EndTable(const Table& table) {
    if (pending_ && last_table_ == &table) last_in_table_ = true;
  }

  // After the last table.
  void Finish() { Flush(true); }

 private:
  void Flush(bool last_overall) {
    if (!pending_) return;
    pending_ = false;
    ++row_number_;
    const char* marker = "true";
    if (last_overall) marker = "last";
    else if (row_number_ == 1) marker = "first";
    else if (first_in_table_) marker = "first_in_data_collection";
    else if (last_in_table_) marker = "last_in_data_collection";
    emit_(*last_table_, values_, row_number_, marker);
  }

  Emit emit_;
  bool pending_ = false;
  const Table* last_table_ = nullptr;
  Values values_;
  bool first_in_table_ = false;
  bool last_in_table_ = false;
  int64_t row_number_ = 0;
};

}  // namespace dbct::odbc

#endif  // DBCT_ODBC_SNAPSHOT_ROWS_HPP
