#include "oracle/catalog.hpp"

#include <set>

#include "odbc_statement.hpp"

namespace dbct::oracle {

uint64_t CurrentScn(odbc::Connection& c) {
  odbc::Statement s(c);
  s.ExecuteDirect("SELECT TO_CHAR(CURRENT_SCN) FROM V$DATABASE");
  if (!s.Next()) throw odbc::OdbcError("V$DATABASE returned no row", "", 0, false);
  return std::stoull(std::string(s.Text(0)));
}

void SetSessionFormats(odbc::Connection& c) {
  c.Execute("ALTER SESSION SET NLS_DATE_FORMAT = 'YYYY-MM-DD HH24:MI:SS' "
            "NLS_TIMESTAMP_FORMAT = 'YYYY-MM-DD HH24:MI:SS.FF9' "
            "NLS_TIMESTAMP_TZ_FORMAT = 'YYYY-MM-DD HH24:MI:SS.FF9 TZH:TZM' NLS_NUMERIC_CHARACTERS = '.,' "
            "TIME_ZONE = '00:00'");
}

void JudgeDatabaseLogging(const std::string& log_mode, const std::string& min, std::vector<std::string>* problems) {
  if (log_mode != "ARCHIVELOG") {
    problems->push_back("the database must be in ARCHIVELOG mode (is " + log_mode +
                        "): as SYSDBA run SHUTDOWN IMMEDIATE; STARTUP MOUNT; ALTER DATABASE ARCHIVELOG; "
                        "ALTER DATABASE OPEN;");
  }
  if (min != "YES" && min != "IMPLICIT") {
    problems->push_back("minimal supplemental logging is off (SUPPLEMENTAL_LOG_DATA_MIN is " + min +
                        "): run ALTER DATABASE ADD SUPPLEMENTAL LOG DATA;");
  }
}

void JudgePrivileges(const std::string& user, const std::vector<std::string>& privileges, bool may_run_logminer,
                     std::vector<std::string>* problems) {
  const std::set<std::string> held(privileges.begin(), privileges.end());
  for (const char* needed : {"LOGMINING", "SELECT ANY TRANSACTION", "SELECT ANY DICTIONARY"}) {
    if (!held.count(needed)) {
      problems->push_back(std::string("user ") + user + " lacks the privilege " + needed + ": run GRANT " + needed +
                          " TO " + user + ";");
    }
  }
  if (!may_run_logminer) {
    problems->push_back("user " + user + " may not run DBMS_LOGMNR: run GRANT EXECUTE ON DBMS_LOGMNR TO " + user + ";");
  }
}

std::string TableLoggingProblem(const std::string& table) {
  return "supplemental logging of all columns is off for table " + table + ": run ALTER TABLE " + table +
         " ADD SUPPLEMENTAL LOG DATA (ALL) COLUMNS;";
}

PrerequisiteReport CheckPrerequisites(odbc::Connection& c, const Config& config,
                                      std::map<std::string, OracleTable>* tables) {
  PrerequisiteReport report;
  bool all_columns_db = false;
  {
    odbc::Statement s(c);
    s.ExecuteDirect("SELECT LOG_MODE, SUPPLEMENTAL_LOG_DATA_MIN, SUPPLEMENTAL_LOG_DATA_ALL FROM V$DATABASE");
    if (s.Next()) {
      JudgeDatabaseLogging(std::string(s.Text(0)), std::string(s.Text(1)), &report.problems);
      all_columns_db = s.Text(2) == "YES";
    }
  }
  {
    std::vector<std::string> privileges;
    odbc::Statement s(c);
    s.ExecuteDirect("SELECT PRIVILEGE FROM SESSION_PRIVS");
    while (s.Next()) privileges.emplace_back(s.Text(0));
    odbc::Statement e(c);
    e.ExecuteDirect("SELECT COUNT(*) FROM ALL_PROCEDURES WHERE OBJECT_NAME = 'DBMS_LOGMNR'");
    JudgePrivileges(config.user, privileges, !(e.Next() && e.Int(0) == 0), &report.problems);
  }
  // Tables and columns.
  {
    odbc::Statement s(c);
    s.ExecuteDirect(
        "SELECT c.OWNER, c.TABLE_NAME, c.COLUMN_NAME, c.DATA_TYPE, NVL(TO_CHAR(c.DATA_PRECISION), '-'), "
        "NVL(TO_CHAR(c.DATA_SCALE), '-') FROM ALL_TAB_COLUMNS c JOIN ALL_TABLES t ON t.OWNER = c.OWNER AND "
        "t.TABLE_NAME = c.TABLE_NAME WHERE c.OWNER NOT IN ('SYS','SYSTEM','XDB','MDSYS','CTXSYS','ORDSYS','OUTLN',"
        "'DBSNMP','AUDSYS','LBACSYS','WMSYS','OJVMSYS','GSMADMIN_INTERNAL','APPQOSSYS','DVSYS') "
        "ORDER BY c.OWNER, c.TABLE_NAME, c.COLUMN_ID");
    while (s.Next()) {
      const std::string owner(s.Text(0)), name(s.Text(1));
      if (!config.schemas.Matches(owner) || !config.tables.Matches(owner + "." + name)) continue;
      OracleTable& t = (*tables)[owner + "." + name];
      t.schema = owner;
      t.table = name;
      TableColumn col;
      col.name = std::string(s.Text(2));
      std::string type(s.Text(3));
      const std::string precision(s.Text(4)), scale(s.Text(5));
      if (type == "NUMBER" && precision != "-") type += "(" + precision + "," + (scale == "-" ? "0" : scale) + ")";
      col.type_text = type;
      auto parsed = ParseColumnType(type);
      if (!parsed) {
        report.problems.push_back("column " + col.name + " of " + owner + "." + name + " has type " + type +
                                  ", which dbct-oracle does not support: exclude the table");
        continue;
      }
      col.type = *parsed;
      t.columns.push_back(std::move(col));
    }
  }
  if (tables->empty()) report.problems.push_back("no table matches schemaIncludeList/tableIncludeList");
  for (auto& [full, t] : *tables) {
    odbc::Statement k(c);
    k.Prepare("SELECT cc.COLUMN_NAME FROM ALL_CONSTRAINTS ac JOIN ALL_CONS_COLUMNS cc ON cc.OWNER = ac.OWNER AND "
              "cc.CONSTRAINT_NAME = ac.CONSTRAINT_NAME WHERE ac.CONSTRAINT_TYPE = 'P' AND ac.OWNER = ? AND "
              "ac.TABLE_NAME = ?");
    k.BindText(1, t.schema);
    k.BindText(2, t.table);
    k.Execute();
    while (k.Next()) {
      const std::string key(k.Text(0));
      for (auto& col : t.columns) col.key = col.key || col.name == key;
    }
    if (all_columns_db) continue;
    odbc::Statement g(c);
    g.Prepare("SELECT COUNT(*) FROM ALL_LOG_GROUPS WHERE OWNER = ? AND TABLE_NAME = ? AND "
              "LOG_GROUP_TYPE = 'ALL COLUMN LOGGING'");
    g.BindText(1, t.schema);
    g.BindText(2, t.table);
    g.Execute();
    if (g.Next() && g.Int(0) == 0) {
      report.problems.push_back(TableLoggingProblem(full));
    }
  }
  return report;
}

}  // namespace dbct::oracle
