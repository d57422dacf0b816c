#include "snapshot_source.hpp"

#include <nlohmann/json.hpp>

#include "catalog.hpp"
#include "dbct/envelope/envelope_writer.hpp"
#include "value_writer.hpp"

#ifndef DBCT_VERSION
#define DBCT_VERSION "0.0.0"
#endif

namespace dbct::binlog {

namespace {

struct SnapshotTable {
  TableMapEvent map;
  std::string full_name;
  std::vector<bool> columns;  // included columns
};

std::string QuoteName(const std::string& name) {
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out.push_back('`');
    out.push_back(c);
  }
  out.push_back('`');
  return out;
}

bool IsIntegerType(ColumnType t) {
  return t == ColumnType::kTiny || t == ColumnType::kShort || t == ColumnType::kInt24 ||
         t == ColumnType::kLong || t == ColumnType::kLongLong;
}

bool IsTextType(const ColumnInfo& c) {
  const bool string_type = c.type == ColumnType::kString || c.type == ColumnType::kVarchar ||
                           c.type == ColumnType::kBlob;
  return string_type && c.real_type != ColumnType::kEnum && c.real_type != ColumnType::kSet &&
         c.collation != 63;
}

// "(`a`,`b`) > (1,'x')" from the Dbct-Key of the last event, or "" when the key cannot be
// turned back into SQL values (see the header).
std::string KeyCondition(MysqlConnection& c, const SnapshotTable& t, const std::string& key_json) {
  if (t.map.primary_key.empty() || key_json.empty()) return "";
  const auto key = nlohmann::json::parse(key_json, nullptr, false);
  if (!key.is_object()) return "";
  std::string columns;
  std::string values;
  for (uint32_t i : t.map.primary_key) {
    const ColumnInfo& col = t.map.columns[i];
    auto it = key.find(col.name);
    if (it == key.end()) return "";
    if (!columns.empty()) {
      columns += ",";
      values += ",";
    }
    columns += QuoteName(col.name);
    if (IsIntegerType(col.type) && it->is_number_integer()) {
      values += it->dump();
    } else if (IsTextType(col) && it->is_string()) {
      values += c.Quote(it->get<std::string>());
    } else {
      return "";
    }
  }
  return "(" + columns + ") > (" + values + ")";
}

const char* Marker(bool first_table, bool last_table, bool first_row, bool last_row) {
  // Debezium's SnapshotRecord, as RelationalSnapshotChangeEventSource sets it.
  if (last_row && last_table) return "last";
  if (first_row && first_table) return "first";
  if (first_row) return "first_in_data_collection";
  if (last_row) return "last_in_data_collection";
  return "true";
}

// A row copied out of the result, held back one row to know whether it is a table's last.
struct HeldRow {
  std::vector<std::string> values;
  std::vector<bool> nulls;
  uint64_t number = 0;
};

}  // namespace

SnapshotSource::SnapshotSource(const ConnectorConfig& config, const ServerFacts& facts,
                               ChangeEmitter& emitter, sidecar::Telemetry& telemetry,
                               const std::atomic<bool>& stop, SchemaHistory* history)
    : config_(config),
      facts_(facts),
      emitter_(emitter),
      telemetry_(telemetry),
      stop_(stop),
      history_(history) {}

std::optional<BinlogPosition> SnapshotSource::Run(const std::optional<SnapshotResume>& resume) {
  MysqlConnection c(config_.mysql);
  // TIMESTAMPs as UTC text; long pauses of the reader (JetStream back-pressure) are fine.
  c.Execute("SET SESSION time_zone = '+00:00', SESSION net_write_timeout = 3600");
  c.Execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ");

  // On MariaDB, no DDL on the tables while their definitions and the snapshot's position are
  // read: the snapshot's columns and the schema history's first entry are those of that
  // position. (On MySQL the global read lock below does it for the schema history.)
  const auto included = IncludedTables(c, config_.databases, config_.tables);
  std::optional<MetadataLock> ddl_lock;
  if (facts_.mariadb) ddl_lock.emplace(config_.mysql, included);
  std::vector<SnapshotTable> tables;
  for (const auto& [db, name] : included) {
    const std::string full = db + "." + name;
    SnapshotTable t;
    t.map = TableFromCatalog(c, db, name);
    t.full_name = full;
    t.columns.assign(t.map.columns.size(), true);
    if (!config_.columns.MatchesEverything()) {
      for (size_t i = 0; i < t.map.columns.size(); ++i) {
        t.columns[i] = config_.columns.Matches(full + "." + t.map.columns[i].name);
      }
    }
    tables.push_back(std::move(t));
  }

  // The consistent read and its binlog position.
  std::string file;
  uint64_t pos = 0;
  if (facts_.mariadb) {
    c.Execute("START TRANSACTION WITH CONSISTENT SNAPSHOT");
    for (const auto& r : c.Query("SHOW STATUS LIKE 'binlog_snapshot_%'")) {
      if (r.size() < 2 || !r[0] || !r[1]) continue;
      if (*r[0] == "Binlog_snapshot_file") file = *r[1];
      if (*r[0] == "Binlog_snapshot_position") pos = std::stoull(*r[1]);
    }
  } else {
    c.Execute("FLUSH TABLES WITH READ LOCK");
    c.Execute("START TRANSACTION WITH CONSISTENT SNAPSHOT");
    const auto rows = c.Query("SHOW MASTER STATUS");
    if (!rows.empty() && rows[0].size() >= 2 && rows[0][0] && rows[0][1] && history_ != nullptr &&
        !resume) {
      CatalogLoan loan(history_, c);
      history_->StartFromCatalog(*rows[0][0], std::stoull(*rows[0][1]), included);
    }
    c.Execute("UNLOCK TABLES");
    if (!rows.empty() && rows[0].size() >= 2 && rows[0][0] && rows[0][1]) {
      file = *rows[0][0];
      pos = std::stoull(*rows[0][1]);
    }
  }
  if (file.empty()) {
    throw SourceError("the server did not tell the binlog position of the snapshot: is log_bin on?",
                      false);
  }

  if (history_ != nullptr && !resume && facts_.mariadb) {
    // The schema history's first entry: these tables as of the snapshot's position.
    CatalogLoan loan(history_, c);
    history_->StartFromCatalog(file, pos, included);
  }
  ddl_lock.reset();

  SnapshotPosition base{file, pos, 0, 0};
  size_t first_index = 0;
  std::string continue_after;
  if (resume) {
    base.file = resume->position.file;
    base.pos = resume->position.pos;
    first_index = tables.size();
    for (size_t i = 0; i < tables.size(); ++i) {
      if (tables[i].full_name == resume->table) {
        first_index = i;
        break;
      }
    }
    if (first_index == tables.size()) {
      first_index = std::min<size_t>(resume->position.table_index + 1, tables.size());
    } else {
      continue_after = KeyCondition(c, tables[first_index], resume->key);
      if (continue_after.empty() && resume->position.row > 0) {
        telemetry_.Warn(
            "snapshot of table \"" + resume->table +
            "\" reads it again from its first row: its primary key cannot be continued");
      }
    }
    telemetry_.Info("continuing the snapshot at table " + std::to_string(first_index + 1) + " of " +
                    std::to_string(tables.size()) + "; streaming will start at " + base.file + ":" +
                    std::to_string(base.pos));
  } else {
    telemetry_.Info("snapshot of " + std::to_string(tables.size()) + " tables at binlog position " +
                    file + ":" + std::to_string(pos));
  }

  nats::SnapshotProgress progress;
  progress.tables_total = static_cast<int64_t>(tables.size());
  progress.tables_done = static_cast<int64_t>(first_index);
  {
    const auto total = c.QueryValue(
        "SELECT SUM(TABLE_ROWS) FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE'");
    if (total) progress.rows_total = std::stoll(*total);  // an estimate, all databases
  }

  envelope::JsonWriter w(4096);
  envelope::JsonWriter key(256);
  std::string position_text;
  const std::string connector = facts_.mariadb ? "mariadb" : "mysql";

  for (size_t ti = first_index; ti < tables.size(); ++ti) {
    const SnapshotTable& t = tables[ti];
    const bool resumed_table = resume && ti == first_index && !continue_after.empty();
    uint64_t row_number = resumed_table ? resume->position.row : 0;
    progress.current_table = t.full_name;
    telemetry_.SetSnapshot(progress);

    std::string sql = "SELECT ";
    for (size_t i = 0; i < t.map.columns.size(); ++i) {
      if (i > 0) sql += ",";
      const std::string name = QuoteName(t.map.columns[i].name);
      sql += t.map.columns[i].type == ColumnType::kFloat ? "CAST(" + name + " AS DOUBLE)" : name;
    }
    sql += " FROM " + QuoteName(t.map.database) + "." + QuoteName(t.map.table);
    if (resumed_table) sql += " WHERE " + continue_after;
    if (!t.map.primary_key.empty()) {
      sql += " ORDER BY ";
      for (size_t k = 0; k < t.map.primary_key.size(); ++k) {
        if (k > 0) sql += ",";
        sql += QuoteName(t.map.columns[t.map.primary_key[k]].name);
      }
    }
    if (mysql_real_query(c.get(), sql.data(), sql.size()) != 0)
      c.Fail("snapshot query failed (" + sql + ")");
    MYSQL_RES* res = mysql_use_result(c.get());
    if (res == nullptr) c.Fail("snapshot query failed (" + sql + ")");
    std::unique_ptr<MYSQL_RES, void (*)(MYSQL_RES*)> result(res, mysql_free_result);
    const unsigned int fields = mysql_num_fields(res);
    if (fields != t.map.columns.size()) {
      throw SourceError("table \"" + t.full_name + "\" changed during the snapshot", true);
    }

    HeldRow held;
    bool have_held = false;
    bool first_row = !resumed_table || row_number == 0;
    auto emit = [&](const HeldRow& row, bool last_row) {
      const SnapshotPosition p{base.file, base.pos, ti, row.number};
      position_text = p.ToString();
      const char* marker = Marker(ti == 0, ti + 1 == tables.size(), first_row, last_row);
      first_row = false;
      w.Clear();
      envelope::BeginChange(w);
      w.KeyLiteral("before");
      w.Null();
      w.KeyLiteral("after");
      w.BeginObject();
      for (size_t i = 0; i < t.map.columns.size(); ++i) {
        if (!t.columns[i]) continue;
        w.Key(t.map.columns[i].name);
        WriteTextColumnValue(w, t.map.columns[i], row.nulls[i] ? nullptr : row.values[i].data(),
                             row.values[i].size(), config_.modes);
      }
      w.EndObject();
      const envelope::EventTime now = envelope::EventTime::Now();
      envelope::SourceCommon common;
      common.version = DBCT_VERSION;
      common.connector = connector;
      common.name = config_.server_name;
      common.ts = now;
      common.snapshot = marker;
      common.db = t.map.database;
      MysqlSourceFields fields_out;
      fields_out.table = t.map.table;
      fields_out.file = base.file;
      fields_out.pos = static_cast<int64_t>(base.pos);
      envelope::WriteSource(w, common, fields_out);
      envelope::EndChange(w, envelope::Op::kRead, now, nullptr);
      key.Clear();
      key.BeginObject();
      for (uint32_t i : t.map.primary_key) {
        key.Key(t.map.columns[i].name);
        WriteTextColumnValue(key, t.map.columns[i], row.nulls[i] ? nullptr : row.values[i].data(),
                             row.values[i].size(), config_.modes);
      }
      key.EndObject();
      emitter_.Send(w.View(), position_text, 'r', t.full_name,
                    t.map.primary_key.empty() ? std::string_view() : key.View(), 0);
      emitter_.CommitOffsets();
    };

    while (MYSQL_ROW r = mysql_fetch_row(res)) {
      if (stop_.load()) return std::nullopt;
      const unsigned long* lengths = mysql_fetch_lengths(res);
      if (have_held) emit(held, false);
      held.values.resize(fields);
      held.nulls.resize(fields);
      for (unsigned int i = 0; i < fields; ++i) {
        held.nulls[i] = r[i] == nullptr;
        if (r[i] != nullptr) {
          held.values[i].assign(r[i], lengths[i]);
        } else {
          held.values[i].clear();
        }
      }
      held.number = ++row_number;
      have_held = true;
      if (row_number % 1000 == 0) {
        progress.rows_done += 1000;
        telemetry_.SetSnapshot(progress);
      }
    }
    if (mysql_errno(c.get()) != 0) c.Fail("reading table \"" + t.full_name + "\" failed");
    if (have_held) emit(held, true);
    ++progress.tables_done;
  }
  c.Execute("COMMIT");
  telemetry_.SetSnapshot(std::nullopt);
  telemetry_.Info("snapshot done");
  return BinlogPosition{base.file, base.pos, 0};
}

}  // namespace dbct::binlog
