#include "change_table.hpp"

#include <algorithm>
#include <map>

namespace dbct::sqlserver {

void AssignStopLsns(std::vector<CaptureInstance>& instances) {
  std::map<std::string, std::vector<CaptureInstance*>> by_table;
  for (auto& i : instances) by_table[i.SourceTable()].push_back(&i);
  for (auto& [table, list] : by_table) {
    std::sort(list.begin(), list.end(),
              [](const CaptureInstance* a, const CaptureInstance* b) { return a->start_lsn < b->start_lsn; });
    for (size_t k = 0; k + 1 < list.size(); ++k) list[k]->stop_lsn = list[k + 1]->start_lsn;
  }
}

void SortRows(std::vector<ChangeRow>& rows) {
  std::stable_sort(rows.begin(), rows.end(), [](const ChangeRow& a, const ChangeRow& b) {
    if (int c = a.start_lsn.Compare(b.start_lsn)) return c < 0;
    if (int c = a.seqval.Compare(b.seqval)) return c < 0;
    return a.operation < b.operation;
  });
}

std::optional<RowKey> MergePage(std::vector<ChangeRow>* rows, const std::vector<RowKey>& full_page_last) {
  std::optional<RowKey> bound;
  for (const RowKey& k : full_page_last) {
    if (!bound || k < *bound) bound = k;
  }
  if (bound) {
    rows->erase(std::remove_if(rows->begin(), rows->end(),
                               [&](const ChangeRow& r) { return *bound < RowKey{r.start_lsn, r.seqval}; }),
                rows->end());
  }
  SortRows(*rows);
  return bound;
}

}  // namespace dbct::sqlserver
