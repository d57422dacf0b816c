#include "streaming_source.hpp"

#include <algorithm>

#include "catalog.hpp"
#include "odbc_statement.hpp"

namespace dbct::sqlserver {

void StreamingSource::Restart() {
  emitter_.Restart();
  if (emitter_.LastPosition() && !emitter_.LastPosition()->snapshot) StartAt(emitter_.LastPosition()->commit_lsn);
}

size_t StreamingSource::ReadPage(odbc::Connection& c, size_t index, const Lsn& lower, const Lsn& to,
                                 const std::optional<RowKey>& after, std::vector<ChangeRow>* rows) {
  const CaptureInstance& instance = instances_[index];
  std::string sql = "SELECT TOP (" + std::to_string(fetch_size_) +
                    ") WITH TIES *, sys.fn_cdc_map_lsn_to_time(__$start_lsn) AS __dbct_commit_time FROM cdc." +
                    QuoteName("fn_cdc_get_all_changes_" + instance.name) + "(?, ?, N'all update old')";
  std::vector<std::string> where;
  if (after) where.push_back("(__$start_lsn > ? OR (__$start_lsn = ? AND __$seqval > ?))");
  // Debezium reads an older capture instance only up to the newer one's start LSN.
  if (instance.stop_lsn) where.push_back("__$start_lsn < ?");
  for (size_t k = 0; k < where.size(); ++k) sql += (k == 0 ? " WHERE " : " AND ") + where[k];
  sql += " ORDER BY __$start_lsn, __$seqval";
  odbc::Statement s(c);
  s.Prepare(sql);
  int p = 1;
  s.BindBinary(p++, lower.Raw());
  s.BindBinary(p++, to.Raw());
  if (after) {
    s.BindBinary(p++, after->start.Raw());
    s.BindBinary(p++, after->start.Raw());
    s.BindBinary(p++, after->seq.Raw());
  }
  if (instance.stop_lsn) s.BindBinary(p++, instance.stop_lsn->Raw());
  s.Execute();
  // Result columns: __$start_lsn, __$end_lsn, __$seqval, __$operation, __$update_mask,
  // [__$command_id (2016+)], the captured columns, __dbct_commit_time.
  const auto& columns = s.Columns();
  std::vector<size_t> value_at(instance.columns.size(), SIZE_MAX);
  size_t start = SIZE_MAX, seq = SIZE_MAX, op = SIZE_MAX, mask = SIZE_MAX, time = SIZE_MAX;
  for (size_t k = 0; k < columns.size(); ++k) {
    const std::string& n = columns[k].name;
    if (n == "__$start_lsn") start = k;
    else if (n == "__$seqval") seq = k;
    else if (n == "__$operation") op = k;
    else if (n == "__$update_mask") mask = k;
    else if (n == "__dbct_commit_time") time = k;
    for (size_t j = 0; j < instance.columns.size(); ++j) {
      if (instance.columns[j].name == n) value_at[j] = k;
    }
  }
  for (size_t j = 0; j < value_at.size(); ++j) {
    if (value_at[j] == SIZE_MAX) {
      throw ChangeError("the change function of capture instance \"" + instance.name + "\" returns no column \"" +
                        instance.columns[j].name + "\"");
    }
  }
  size_t read = 0;
  while (s.Next()) {
    ChangeRow row;
    row.instance = index;
    row.start_lsn = *Lsn::FromBytes(s.Bytes(start));
    row.seqval = *Lsn::FromBytes(s.Bytes(seq));
    row.operation = static_cast<int>(s.Int(op));
    if (mask != SIZE_MAX && !s.IsNull(mask)) row.update_mask = std::string(s.Bytes(mask));
    if (time != SIZE_MAX && !s.IsNull(time)) {
      const odbc::SourceValue t = CellValue(s, time);
      ParseDateTimeMicros(t.text, &row.commit_time_us);
    }
    row.values.reserve(value_at.size());
    for (size_t k : value_at) row.values.push_back(CellValue(s, k));
    rows->push_back(std::move(row));
    ++read;
  }
  return read;
}

size_t StreamingSource::Poll(odbc::Connection& c, const odbc::EventSink& sink) {
  const Lsn to = MaxLsn(c);
  Lsn from;
  if (!from_) {
    from = to;  // nothing to resume: start with what comes after now
    from_ = to;
    from_inclusive_ = false;
    return 0;
  }
  if (from_inclusive_) {
    from = *from_;
  } else {
    if (!(*from_ < to)) return 0;
    from = IncrementLsn(c, *from_);
  }
  if (to < from) return 0;

  // Each instance's lower bound in this window; instances with nothing to read are left out.
  std::vector<std::pair<size_t, Lsn>> readers;
  for (size_t index = 0; index < instances_.size(); ++index) {
    const CaptureInstance& instance = instances_[index];
    if (instance.stop_lsn && *instance.stop_lsn <= from) continue;  // replaced before this window
    const Lsn min = MinLsn(c, instance.name);
    if (to < min) continue;  // nothing captured yet by this instance
    Lsn lower = from;
    if (lower < min) {
      // A new instance starts after our position; an old one purged by the CDC cleanup job
      // has lost changes we have not read.
      if (!(from < instance.start_lsn)) {
        throw LostPositionError("the changes of capture instance \"" + instance.name + "\" from " + from.ToString() +
                                " on were removed by the CDC cleanup job (its oldest LSN is " + min.ToString() +
                                "): raise the retention (sys.sp_cdc_change_job @retention) and take a new snapshot");
      }
      lower = min;
    }
    readers.emplace_back(index, lower);
  }

  size_t total = 0;
  std::optional<RowKey> after;
  std::vector<ChangeRow> rows;
  std::vector<RowKey> full;
  for (;;) {
    rows.clear();
    full.clear();
    for (const auto& [index, lower] : readers) {
      if (ReadPage(c, index, lower, to, after, &rows) >= fetch_size_) {
        full.push_back(RowKey{rows.back().start_lsn, rows.back().seqval});
      }
    }
    ++pages_;
    const std::optional<RowKey> bound = MergePage(&rows, full);
    for (const ChangeRow& row : rows) emitter_.Add(row, sink);
    total += rows.size();
    if (!bound) break;
    after = bound;
  }
  emitter_.Finish(sink);
  from_ = to;
  from_inclusive_ = false;
  return total;
}

}  // namespace dbct::sqlserver
