#include "snapshot_source.hpp"

#include <chrono>
#include <optional>

#include "catalog.hpp"
#include "odbc_statement.hpp"
#include "snapshot_rows.hpp"

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
  odbc::SnapshotRows<CaptureInstance, std::vector<odbc::SourceValue>> rows(
      [&](const CaptureInstance& instance, const std::vector<odbc::SourceValue>& values, int64_t row_number,
          const char* marker) {
        emitter.AddSnapshotRow(instance, values, max_lsn, after, row_number, marker, now_us, sink);
      });
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
    while (s.Next()) {
      std::vector<odbc::SourceValue> values;
      values.reserve(instance.columns.size());
      for (size_t k = 0; k < instance.columns.size(); ++k) values.push_back(CellValue(s, k));
      rows.Add(instance, std::move(values));
    }
    rows.EndTable(instance);
  }
  rows.Finish();
  c.Commit();
  c.SetAutocommit(true);
  return after;
}

}  // namespace dbct::sqlserver
