#include "catalog.hpp"

#include <cstdio>
#include <map>
#include <set>

namespace dbct::sqlserver {

using odbc::CellKind;
using odbc::SourceValue;

std::string QuoteName(const std::string& name) {
  std::string out = "[";
  for (char c : name) {
    out.push_back(c);
    if (c == ']') out.push_back(']');
  }
  out.push_back(']');
  return out;
}

SourceValue CellValue(odbc::Statement& s, size_t i) {
  if (s.IsNull(i)) return SourceValue::Null();
  char buf[64];
  switch (s.Columns()[i].kind) {
    case CellKind::kInt64: return SourceValue::Int(s.Int(i));
    case CellKind::kFloat: return SourceValue::Double(s.Float(i));
    case CellKind::kDouble: return SourceValue::Double(s.Double(i));
    case CellKind::kBool: return SourceValue::Bool(s.Bool(i));
    case CellKind::kBinary: return SourceValue::Bytes(std::string(s.Bytes(i)));
    case CellKind::kDate: {
      const auto d = s.Date(i);
      std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", d.year, d.month, d.day);
      return SourceValue::Text(buf);
    }
    case CellKind::kTimestamp: {
      const auto t = s.Timestamp(i);
      std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02u:%02u:%02u.%09u", t.year, t.month, t.day, t.hour, t.minute,
                    t.second, static_cast<unsigned>(t.fraction));
      return SourceValue::Text(buf);
    }
    default: return SourceValue::Text(std::string(s.Text(i)));
  }
}

namespace {

Lsn LsnOf(odbc::Statement& s, const std::string& what) {
  if (!s.Next() || s.IsNull(0)) {
    throw odbc::OdbcError(what + " returned NULL: is CDC enabled on the database and has its capture job run?", "", 0,
                          false);
  }
  auto lsn = Lsn::FromBytes(s.Bytes(0));
  if (!lsn) throw odbc::OdbcError(what + " did not return a binary(10) LSN", "", 0, false);
  return *lsn;
}

// "nvarchar(255)", "decimal(10,2)", "datetime2(7)" from sys.columns.
std::string TypeText(const std::string& type, int max_length, int precision, int scale) {
  if (type == "nvarchar" || type == "nchar") {
    return type + "(" + (max_length < 0 ? std::string("max") : std::to_string(max_length / 2)) + ")";
  }
  if (type == "varchar" || type == "char" || type == "varbinary" || type == "binary") {
    return type + "(" + (max_length < 0 ? std::string("max") : std::to_string(max_length)) + ")";
  }
  if (type == "decimal" || type == "numeric") {
    return type + "(" + std::to_string(precision) + "," + std::to_string(scale) + ")";
  }
  if (type == "time" || type == "datetime2" || type == "datetimeoffset") return type + "(" + std::to_string(scale) + ")";
  return type;
}

}  // namespace

Lsn MaxLsn(odbc::Connection& c) {
  odbc::Statement s(c);
  s.ExecuteDirect("SELECT sys.fn_cdc_get_max_lsn()");
  return LsnOf(s, "sys.fn_cdc_get_max_lsn()");
}

Lsn MinLsn(odbc::Connection& c, const std::string& instance) {
  odbc::Statement s(c);
  s.Prepare("SELECT sys.fn_cdc_get_min_lsn(?)");
  s.BindText(1, instance);
  s.Execute();
  return LsnOf(s, "sys.fn_cdc_get_min_lsn('" + instance + "')");
}

Lsn IncrementLsn(odbc::Connection& c, const Lsn& lsn) {
  odbc::Statement s(c);
  s.Prepare("SELECT sys.fn_cdc_increment_lsn(?)");
  s.BindBinary(1, lsn.Raw());
  s.Execute();
  return LsnOf(s, "sys.fn_cdc_increment_lsn()");
}

std::vector<CaptureInstance> ReadCaptureInstances(odbc::Connection& c, const config::NameFilter& tables) {
  std::vector<CaptureInstance> out;
  std::map<int64_t, size_t> by_object;
  {
    odbc::Statement s(c);
    s.ExecuteDirect(
        "SELECT ct.capture_instance, SCHEMA_NAME(t.schema_id), t.name, ct.start_lsn, ct.object_id "
        "FROM cdc.change_tables ct JOIN sys.tables t ON ct.source_object_id = t.object_id "
        "ORDER BY SCHEMA_NAME(t.schema_id), t.name, ct.start_lsn");
    while (s.Next()) {
      CaptureInstance i;
      i.name = std::string(s.Text(0));
      i.schema = std::string(s.Text(1));
      i.table = std::string(s.Text(2));
      if (!tables.Matches(i.schema + "." + i.table)) continue;
      if (!s.IsNull(3)) {
        if (auto lsn = Lsn::FromBytes(s.Bytes(3))) i.start_lsn = *lsn;
      }
      by_object[s.Int(4)] = out.size();
      out.push_back(std::move(i));
    }
  }
  for (auto& [object_id, index] : by_object) {
    CaptureInstance& i = out[index];
    std::set<std::string> keys;
    {
      odbc::Statement s(c);
      s.Prepare("SELECT column_name FROM cdc.index_columns WHERE object_id = ?");
      s.BindInt64(1, object_id);
      s.Execute();
      while (s.Next()) keys.insert(std::string(s.Text(0)));
    }
    odbc::Statement s(c);
    s.Prepare(
        "SELECT c.name, TYPE_NAME(c.system_type_id), c.max_length, c.precision, c.scale FROM sys.columns c "
        "WHERE c.object_id = ? AND c.name NOT LIKE '[_][_]$%' ORDER BY c.column_id");
    s.BindInt64(1, object_id);
    s.Execute();
    while (s.Next()) {
      CapturedColumn col;
      col.name = std::string(s.Text(0));
      col.type_text = TypeText(std::string(s.Text(1)), static_cast<int>(s.Int(2)), static_cast<int>(s.Int(3)),
                               static_cast<int>(s.Int(4)));
      auto type = ParseColumnType(col.type_text);
      if (!type) {
        throw odbc::OdbcError("column \"" + col.name + "\" of " + i.SourceTable() + " has type " + col.type_text +
                                  ", which dbct-sqlserver does not know",
                              "", 0, false);
      }
      col.type = *type;
      col.key = keys.count(col.name) > 0;
      i.columns.push_back(std::move(col));
    }
  }
  AssignStopLsns(out);
  return out;
}

std::string DatabaseCdcProblem(const std::string& database) {
  return "CDC is not enabled on database \"" + database + "\": run USE " + QuoteName(database) +
         "; EXEC sys.sp_cdc_enable_db; (as sysadmin)";
}

std::string SnapshotIsolationProblem(const std::string& database, const std::string& snapshot_mode) {
  return "snapshot isolation is off on database \"" + database + "\", and snapshotMode " + snapshot_mode +
         " reads the tables under it: run ALTER DATABASE " + QuoteName(database) +
         " SET ALLOW_SNAPSHOT_ISOLATION ON, or set snapshotMode to no_data";
}

std::string AgentProblem(const std::string& status) {
  return "SQL Server Agent is not running (is " + status + "): start it, its CDC capture job fills the change tables";
}

std::string TableCdcProblem(const std::string& schema, const std::string& table) {
  return "CDC is not enabled on table \"" + schema + "." + table + "\": run EXEC sys.sp_cdc_enable_table @source_schema = N'" +
         schema + "', @source_name = N'" + table + "', @role_name = NULL;";
}

PrerequisiteReport CheckPrerequisites(odbc::Connection& c, const Config& config, std::vector<CaptureInstance>* instances) {
  PrerequisiteReport report;
  {
    odbc::Statement s(c);
    s.Prepare("SELECT is_cdc_enabled, snapshot_isolation_state FROM sys.databases WHERE name = ?");
    s.BindText(1, config.database);
    s.Execute();
    if (!s.Next()) {
      report.problems.push_back("database \"" + config.database + "\" does not exist: check databaseDbname");
      return report;
    }
    if (!s.Bool(0)) {
      report.problems.push_back(DatabaseCdcProblem(config.database));
      return report;
    }
    if (config.snapshot_mode.rfind("initial", 0) == 0 && s.Int(1) != 1) {
      report.problems.push_back(SnapshotIsolationProblem(config.database, config.snapshot_mode));
    }
  }
  try {
    odbc::Statement s(c);
    s.ExecuteDirect("SELECT status_desc FROM sys.dm_server_services WHERE servicename LIKE N'SQL Server Agent%'");
    if (s.Next() && s.Text(0) != "Running") {
      report.problems.push_back(AgentProblem(std::string(s.Text(0))));
    }
  } catch (const odbc::OdbcError& e) {
    if (e.retriable()) throw;
    report.warnings.push_back(std::string("could not check SQL Server Agent (") + e.what() +
                              "): grant VIEW SERVER STATE to the user to have it checked");
  }
  *instances = ReadCaptureInstances(c, config.tables);
  std::set<std::string> captured;
  for (const auto& i : *instances) captured.insert(i.SourceTable());
  odbc::Statement s(c);
  s.ExecuteDirect("SELECT SCHEMA_NAME(schema_id), name FROM sys.tables WHERE is_ms_shipped = 0 AND "
                  "SCHEMA_NAME(schema_id) <> 'cdc' ORDER BY 1, 2");
  size_t included = 0;
  while (s.Next()) {
    const std::string schema(s.Text(0));
    const std::string table(s.Text(1));
    if (!config.tables.Matches(schema + "." + table)) continue;
    ++included;
    if (captured.count(schema + "." + table) == 0) {
      report.problems.push_back(TableCdcProblem(schema, table));
    }
  }
  if (included == 0) {
    report.problems.push_back("no table of database \"" + config.database +
                              "\" matches tableIncludeList/tableExcludeList");
  }
  return report;
}

}  // namespace dbct::sqlserver
