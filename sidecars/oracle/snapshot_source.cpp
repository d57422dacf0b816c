#include "oracle/snapshot_source.hpp"

#include <chrono>

#include "odbc_statement.hpp"
#include "snapshot_rows.hpp"
#include "oracle/catalog.hpp"

namespace dbct::oracle {

namespace {

std::string Quote(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    out.push_back(c);
    if (c == '"') out.push_back('"');
  }
  return out + "\"";
}

// The select-list item that gives a column as the text SQL_REDO would hold, and its kind.
std::string SelectItem(const TableColumn& c, RedoValue::Kind* kind) {
  const std::string q = Quote(c.name);
  switch (c.type.id) {
    case TypeId::kDate: *kind = RedoValue::Kind::kDate; return "TO_CHAR(" + q + ", 'YYYY-MM-DD HH24:MI:SS')";
    case TypeId::kTimestamp: *kind = RedoValue::Kind::kTimestamp; return "TO_CHAR(" + q + ", 'YYYY-MM-DD HH24:MI:SS.FF9')";
    case TypeId::kTimestampTz: case TypeId::kTimestampLtz:
      *kind = RedoValue::Kind::kTimestampTz;
      return "TO_CHAR(CAST(" + q + " AS TIMESTAMP(9) WITH TIME ZONE), 'YYYY-MM-DD HH24:MI:SS.FF9 TZH:TZM')";
    case TypeId::kIntervalYearToMonth: case TypeId::kIntervalDayToSecond:
      *kind = RedoValue::Kind::kInterval; return "TO_CHAR(" + q + ")";
    case TypeId::kRaw: *kind = RedoValue::Kind::kBytes; return "RAWTOHEX(" + q + ")";
    case TypeId::kClob: case TypeId::kNClob: case TypeId::kBlob:
      *kind = RedoValue::Kind::kEmptyLob; return "CASE WHEN " + q + " IS NULL THEN NULL ELSE 'x' END";
    case TypeId::kNumber: case TypeId::kFloat: case TypeId::kBinaryFloat: case TypeId::kBinaryDouble:
      *kind = RedoValue::Kind::kText; return "TO_CHAR(" + q + ")";
    default: *kind = RedoValue::Kind::kText; return q;
  }
}

std::string Unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

}  // namespace

uint64_t RunSnapshot(odbc::Connection& c, const std::map<std::string, OracleTable>& tables, ChangeEmitter& emitter,
                     const odbc::EventSink& sink, std::optional<uint64_t> stream_after) {
  SetSessionFormats(c);
  const uint64_t scn = CurrentScn(c);
  const uint64_t after = stream_after ? *stream_after : scn;
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch()).count();
  odbc::SnapshotRows<OracleTable, std::vector<RedoValue>> rows(
      [&](const OracleTable& table, const std::vector<RedoValue>& values, int64_t row_number, const char* marker) {
        emitter.EmitSnapshotRow(table, values, scn, after, row_number, marker, now_ms, sink);
      });
  for (const auto& [name, table] : tables) {
    std::vector<RedoValue::Kind> kinds(table.columns.size());
    std::string sql = "SELECT ";
    for (size_t k = 0; k < table.columns.size(); ++k) {
      if (k) sql += ", ";
      sql += SelectItem(table.columns[k], &kinds[k]);
    }
    sql += " FROM " + Quote(table.schema) + "." + Quote(table.table) + " AS OF SCN " + std::to_string(scn);
    odbc::Statement s(c);
    s.ExecuteDirect(sql);
    while (s.Next()) {
      std::vector<RedoValue> values(table.columns.size());
      for (size_t k = 0; k < table.columns.size(); ++k) {
        if (s.IsNull(k)) continue;
        RedoValue& v = values[k];
        v.kind = kinds[k];
        v.text = std::string(s.Text(k));
        if (v.kind == RedoValue::Kind::kBytes) v.text = Unhex(v.text);
        if (v.kind == RedoValue::Kind::kInterval) v.year_month = table.columns[k].type.id == TypeId::kIntervalYearToMonth;
      }
      rows.Add(table, std::move(values));
    }
    rows.EndTable(table);
  }
  rows.Finish();
  return after;
}

}  // namespace dbct::oracle
