#include "snapshot_source.hpp"

#include <chrono>
#include <optional>

#include "catalog.hpp"
#include "odbc_statement.hpp"

namespace dbct::sqlserver {

Lsn RunSnapshot(odbc::Connection& c, const std::vector<CaptureInstance>& instances, ChangeEmitter& emitter,
                const odbc::EventSink& sink, std::optional<Lsn> stream_after) {
  std::vector<const CaptureInstance*> tables;
  for (const auto& i : instances) {
    if (!i.stop_lsn) tables.push_back(&i);  // the newest instance describes the table now
  }
  c.SetAutocommit(false);
  c.Execute("SET TRANSACTION ISOLATION LEVEL SNAPSHOT");
  const Lsn max_lsn = MaxLsn(c);
  const Lsn after = stream_after ? *stream_after : max_lsn;
  const int64_t now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  // One row of look-ahead, so the last row of each table and of the snapshot gets its marker.
  struct Pending {
    const CaptureInstance* instance;
    std::vector<odbc::SourceValue> values;
    bool first_in_table;
    bool last_in_table;
  };
  std::optional<Pending> pending;
  int64_t row_number = 0;
  auto flush = [&](bool last_overall) {
    if (!pending) return;
    ++row_number;
    const char* marker = "true";
    if (last_overall) marker = "last";
    else if (row_number == 1) marker = "first";
    else if (pending->first_in_table) marker = "first_in_data_collection";
    else if (pending->last_in_table) marker = "last_in_data_collection";
    emitter.AddSnapshotRow(*pending->instance, pending->values, max_lsn, after, row_number, marker, now_us, sink);
    pending.reset();
  };
  for (const CaptureInstance* table : tables) {
    const CaptureInstance& instance = *table;
    std::string sql = "SELECT ";
    for (size_t k = 0; k < instance.columns.size(); ++k) {
      if (k) sql += ", ";
      sql += QuoteName(instance.columns[k].name);
    }
    sql += " FROM " + QuoteName(instance.schema) + "." + QuoteName(instance.table);
    odbc::Statement s(c);
    s.ExecuteDirect(sql);
    bool first = true;
    while (s.Next()) {
      flush(false);
      Pending p{&instance, {}, first, false};
      first = false;
      for (size_t k = 0; k < instance.columns.size(); ++k) p.values.push_back(CellValue(s, k));
      pending = std::move(p);
    }
    if (pending && pending->instance == &instance) pending->last_in_table = true;
  }
  flush(true);
  c.Commit();
  c.SetAutocommit(true);
  return after;
}

}  // namespace dbct::sqlserver
