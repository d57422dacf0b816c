#include "oracle/logminer_source.hpp"

#include <set>

#include "dbct/values/temporal.hpp"
#include "odbc_statement.hpp"
#include "oracle/catalog.hpp"

namespace dbct::oracle {

std::optional<Position> LogMinerSource::ReadThrough() const {
  if (!mined_ || from_ == 0) return std::nullopt;
  Position p;
  p.commit_scn = from_ - 1;
  p.xid = "idle";
  p.restart_scn = buffer_.OldestOpenScn(from_);
  return p;
}

void LogMinerSource::Restart() {
  buffer_ = TransactionBuffer(buffer_memory_limit_);
  mined_ = false;
  if (emitter_.LastPosition()) {
    from_ = emitter_.LastPosition()->restart_scn;
    emitter_.ResumeAfter(emitter_.LastPosition());
  } else {
    from_ = start_;
  }
}

size_t LogMinerSource::Mine(odbc::Connection& c, const odbc::EventSink& sink) {
  const uint64_t end = CurrentScn(c);
  if (from_ == 0) from_ = end;
  if (start_ == 0) start_ = from_;
  if (end <= from_) {
    mined_ = true;  // nothing new: still read through end - 1
    return 0;
  }

  // The logs holding SCNs from `from_` on: online logs, and archived ones no longer online.
  std::set<std::string> files;
  {
    odbc::Statement s(c);
    s.Prepare("SELECT MIN(f.MEMBER) FROM V$LOG l JOIN V$LOGFILE f ON f.GROUP# = l.GROUP# "
              "WHERE l.NEXT_CHANGE# > ? AND l.STATUS IN ('CURRENT','ACTIVE','INACTIVE') GROUP BY l.GROUP#");
    s.BindInt64(1, static_cast<int64_t>(from_));
    s.Execute();
    while (s.Next()) files.insert(std::string(s.Text(0)));
    odbc::Statement a(c);
    a.Prepare("SELECT NAME FROM V$ARCHIVED_LOG WHERE NAME IS NOT NULL AND STATUS = 'A' AND NEXT_CHANGE# > ? "
              "AND SEQUENCE# NOT IN (SELECT SEQUENCE# FROM V$LOG) AND DEST_ID = (SELECT MIN(DEST_ID) FROM "
              "V$ARCHIVE_DEST_STATUS WHERE STATUS = 'VALID' AND TYPE = 'LOCAL')");
    a.BindInt64(1, static_cast<int64_t>(from_));
    a.Execute();
    while (a.Next()) files.insert(std::string(a.Text(0)));
    odbc::Statement first(c);
    first.ExecuteDirect("SELECT TO_CHAR(LEAST(NVL((SELECT MIN(FIRST_CHANGE#) FROM V$ARCHIVED_LOG WHERE STATUS = 'A'), "
                        "9E37), (SELECT MIN(FIRST_CHANGE#) FROM V$LOG))) FROM DUAL");
    if (first.Next() && std::stoull(std::string(first.Text(0))) > from_) {
      throw LostPositionError("SCN " + std::to_string(from_) +
                              " is no longer in the online or archived logs: keep archived logs longer and take "
                              "a new snapshot");
    }
  }
  bool first_file = true;
  for (const std::string& file : files) {
    odbc::Statement s(c);
    s.Prepare(std::string("BEGIN DBMS_LOGMNR.ADD_LOGFILE(LOGFILENAME => ?, OPTIONS => ") +
              (first_file ? "DBMS_LOGMNR.NEW" : "DBMS_LOGMNR.ADDFILE") + "); END;");
    s.BindText(1, file);
    s.Execute();
    first_file = false;
  }
  {
    odbc::Statement s(c);
    s.Prepare("BEGIN DBMS_LOGMNR.START_LOGMNR(STARTSCN => ?, ENDSCN => ?, "
              "OPTIONS => DBMS_LOGMNR.DICT_FROM_ONLINE_CATALOG); END;");
    s.BindInt64(1, static_cast<int64_t>(from_));
    s.BindInt64(2, static_cast<int64_t>(end));
    s.Execute();
  }
  std::string owners;
  std::set<std::string> seen;
  for (const auto& [name, t] : tables_) {
    if (!seen.insert(t.schema).second) continue;
    std::string quoted = "'";
    for (char ch : t.schema) {
      quoted.push_back(ch);
      if (ch == '\'') quoted.push_back('\'');
    }
    owners += (owners.empty() ? "" : ",") + quoted + "'";
  }
  size_t rows = 0;
  {
    odbc::Statement s(c);
    s.Prepare("SELECT TO_CHAR(SCN), TO_CHAR(COMMIT_SCN), LOWER(RAWTOHEX(XID)), OPERATION_CODE, SEG_OWNER, TABLE_NAME, "
              "ROW_ID, SQL_REDO, CSF, TO_CHAR(TIMESTAMP, 'YYYY-MM-DD HH24:MI:SS'), RS_ID, SSN, THREAD#, USERNAME, "
              "ROLLBACK FROM V$LOGMNR_CONTENTS WHERE SCN >= ? AND SCN < ? AND (OPERATION_CODE IN (6, 7, 36) OR "
              "(OPERATION_CODE IN (1, 2, 3) AND SEG_OWNER IN (" + owners + ")))");
    s.BindInt64(1, static_cast<int64_t>(from_));
    s.BindInt64(2, static_cast<int64_t>(end));
    s.Execute();
    while (s.Next()) {
      LogMinerRow row;
      row.scn = std::stoull(std::string(s.Text(0)));
      row.commit_scn = s.IsNull(1) ? 0 : std::stoull(std::string(s.Text(1)));
      row.xid = std::string(s.Text(2));
      row.operation_code = static_cast<int>(s.Int(3));
      row.seg_owner = std::string(s.Text(4));
      row.table_name = std::string(s.Text(5));
      row.row_id = std::string(s.Text(6));
      row.sql_redo = std::string(s.Text(7));
      row.csf = !s.IsNull(8) && s.Int(8) != 0;
      int64_t ms = 0;
      if (!s.IsNull(9)) {
        int y, mo, d, h, mi, sec;
        const std::string t(s.Text(9));
        if (std::sscanf(t.c_str(), "%d-%d-%d %d:%d:%d", &y, &mo, &d, &h, &mi, &sec) == 6) {
          ms = (values::DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) * 1000;
        }
      }
      row.timestamp_ms = ms;
      row.rs_id = std::string(s.Text(10));
      while (!row.rs_id.empty() && row.rs_id.back() == ' ') row.rs_id.pop_back();
      while (!row.rs_id.empty() && row.rs_id.front() == ' ') row.rs_id.erase(0, 1);
      row.ssn = s.IsNull(11) ? 0 : s.Int(11);
      row.thread = s.IsNull(12) ? 1 : static_cast<int>(s.Int(12));
      row.username = std::string(s.Text(13));
      row.rollback = !s.IsNull(14) && s.Int(14) != 0;
      ++rows;
      const uint64_t scn = row.scn;
      if (auto tx = buffer_.Add(std::move(row))) emitter_.EmitTransaction(*tx, buffer_.OldestOpenScn(scn), sink);
    }
  }
  c.Execute("BEGIN DBMS_LOGMNR.END_LOGMNR; END;");
  from_ = end;
  mined_ = true;
  return rows;
}

}  // namespace dbct::oracle
