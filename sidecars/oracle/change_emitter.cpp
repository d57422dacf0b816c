#include "change_emitter.hpp"

#include <cstdlib>

namespace dbct::oracle {

bool Position::Covers(const Position& p) const {
  if (Through() || Snapshot()) return p.commit_scn <= commit_scn;
  if (p.commit_scn != commit_scn) return p.commit_scn < commit_scn;
  if (p.xid != xid) return false;  // another transaction of the same SCN
  return p.tx_seq < tx_seq || (p.tx_seq == tx_seq && p.part <= part);
}

int Position::Compare(const Position& o) const {
  if (commit_scn != o.commit_scn) return commit_scn < o.commit_scn ? -1 : 1;
  if (Through() != o.Through()) return Through() ? 1 : -1;
  if (Through() || xid != o.xid) return 0;
  if (tx_seq != o.tx_seq) return tx_seq < o.tx_seq ? -1 : 1;
  return part < o.part ? -1 : part > o.part ? 1 : 0;
}

std::string Position::ToString() const {
  std::string out = std::to_string(commit_scn) + "/" + xid + "/" + (tx_seq == kEnd ? "end" : std::to_string(tx_seq));
  if (part != 0) out += "." + std::to_string(part);
  return out + "@" + std::to_string(restart_scn);
}

std::optional<Position> Position::Parse(std::string_view text) {
  const size_t s1 = text.find('/');
  const size_t s2 = s1 == std::string_view::npos ? s1 : text.find('/', s1 + 1);
  const size_t at = text.find('@');
  if (s1 == std::string_view::npos || s2 == std::string_view::npos || at == std::string_view::npos || at < s2) {
    return std::nullopt;
  }
  auto number = [](std::string_view s, uint64_t* out) {
    if (s.empty() || s.size() > 19) return false;
    uint64_t v = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return false;
      v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    *out = v;
    return true;
  };
  Position p;
  uint64_t seq = 0, part = 0;
  std::string_view seq_text = text.substr(s2 + 1, at - s2 - 1);
  const size_t dot = seq_text.find('.');
  if (dot != std::string_view::npos) {
    if (!number(seq_text.substr(dot + 1), &part) || part > 1) return std::nullopt;
    seq_text = seq_text.substr(0, dot);
  }
  if (seq_text == "end" && dot == std::string_view::npos) {
    seq = static_cast<uint64_t>(kEnd);
  } else if (!number(seq_text, &seq)) {
    return std::nullopt;
  }
  if (!number(text.substr(0, s1), &p.commit_scn) ||
      !number(text.substr(at + 1), &p.restart_scn)) {
    return std::nullopt;
  }
  p.xid = std::string(text.substr(s1 + 1, s2 - s1 - 1));
  if (p.xid.empty()) return std::nullopt;
  p.tx_seq = static_cast<int64_t>(seq);
  p.part = static_cast<int>(part);
  return p;
}

ChangeEmitter::ChangeEmitter(EmitterSettings settings, const std::map<std::string, OracleTable>& tables)
    : settings_(std::move(settings)), tables_(tables) {}

namespace {

// The image in table column order; a column the redo does not name is NULL, or for a LOB the
// placeholder (LOB content is not mined).
std::vector<RedoValue> Image(const OracleTable& table, const std::vector<ColumnValue>& values) {
  std::vector<RedoValue> out(table.columns.size());
  std::vector<bool> seen(table.columns.size(), false);
  for (const ColumnValue& cv : values) {
    bool found = false;
    for (size_t i = 0; i < table.columns.size(); ++i) {
      if (table.columns[i].name == cv.column) {
        out[i] = cv.value;
        seen[i] = true;
        found = true;
        break;
      }
    }
    if (!found) {
      throw values::ValueError("SQL_REDO names column \"" + cv.column + "\", which table " + table.FullName() +
                               " does not have: was it altered? restart the tracking to read its columns again");
    }
  }
  for (size_t i = 0; i < table.columns.size(); ++i) {
    const TypeId id = table.columns[i].type.id;
    if (!seen[i] && (id == TypeId::kClob || id == TypeId::kNClob || id == TypeId::kBlob)) {
      out[i].kind = RedoValue::Kind::kEmptyLob;
    }
  }
  return out;
}

}  // namespace

void ChangeEmitter::SendBoundary(std::string_view payload, const Position& position, const odbc::EventSink& sink) {
  if (AlreadyPublished(position)) return;
  sender_.SendBoundary(payload, position.ToString(), settings_.transaction_subject, sink);
  last_ = position;
}

void ChangeEmitter::EmitTransaction(const CommittedTransaction& tx, uint64_t restart_scn, const odbc::EventSink& sink) {
  restart_scn_ = restart_scn;
  tx_.Close();
  int64_t seq = 0;
  tx.ForEachChange([&](const LogMinerRow& row) {
    auto it = tables_.find(row.seg_owner + "." + row.table_name);
    ParsedRedo parsed;
    if (it == tables_.end()) {
      if (!row.seg_owner.empty() || !row.table_name.empty()) return;  // not an included table
      parsed = ParseRedo(row.sql_redo);
      it = tables_.find(parsed.schema + "." + parsed.table);
      if (it == tables_.end()) return;
    } else {
      try {
        parsed = ParseRedo(row.sql_redo);
      } catch (const RedoParseError& e) {
        throw RedoParseError(std::string(e.what()) + " (table " + it->second.FullName() + ", SCN " +
                             std::to_string(row.scn) + ")");
      }
    }
    const OracleTable& table = it->second;
    ++seq;
    Position position;
    position.commit_scn = tx.commit_scn;
    position.xid = tx.xid;
    position.tx_seq = seq;
    position.restart_scn = restart_scn;
    switch (parsed.op) {
      case RedoOp::kInsert: {
        const auto after = Image(table, parsed.after);
        Emit(table, envelope::Op::kCreate, nullptr, &after, tx, row, position, sink);
        break;
      }
      case RedoOp::kDelete: {
        const auto before = Image(table, parsed.before);
        Emit(table, envelope::Op::kDelete, &before, nullptr, tx, row, position, sink);
        break;
      }
      case RedoOp::kUpdate: {
        const auto before = Image(table, parsed.before);
        const auto after = Image(table, parsed.after);
        bool key_changed = false;
        for (size_t i = 0; i < table.columns.size(); ++i) {
          if (table.columns[i].key && !(before[i] == after[i])) key_changed = true;
        }
        if (key_changed) {
          Emit(table, envelope::Op::kDelete, &before, nullptr, tx, row, position, sink);
          position.part = 1;
          Emit(table, envelope::Op::kCreate, nullptr, &after, tx, row, position, sink);
        } else {
          Emit(table, envelope::Op::kUpdate, &before, &after, tx, row, position, sink);
        }
        break;
      }
    }
  });
  if (tx_.open()) {
    tx_.Close();
    Position end;
    end.commit_scn = tx.commit_scn;
    end.xid = tx.xid;
    end.tx_seq = Position::kEnd;
    end.restart_scn = restart_scn;
    SendBoundary(tx_.EndEvent(), end, sink);
  }
}

void ChangeEmitter::WriteRow(envelope::JsonWriter& w, const OracleTable& table, const std::vector<RedoValue>& values,
                             bool key_only) {
  w.BeginObject();
  for (size_t i = 0; i < table.columns.size(); ++i) {
    if (key_only && !table.columns[i].key) continue;
    w.Key(table.columns[i].name);
    try {
      WriteValue(w, table.columns[i].type, values[i], settings_.values);
    } catch (const values::ValueError& e) {
      throw values::ValueError("column \"" + table.columns[i].name + "\" (" + table.columns[i].type_text + ") of " +
                               table.FullName() + ": " + e.what());
    }
  }
  w.EndObject();
}

void ChangeEmitter::Emit(const OracleTable& table, envelope::Op op, const std::vector<RedoValue>* before,
                         const std::vector<RedoValue>* after, const CommittedTransaction& tx, const LogMinerRow& row,
                         const Position& position, const odbc::EventSink& sink) {
  if (settings_.skipped_operations.find(static_cast<char>(op)) != std::string::npos) return;
  table_name_ = settings_.database + "." + table.schema + "." + table.table;
  const envelope::TransactionBlock* block = nullptr;
  if (settings_.provide_transaction_metadata) {
    if (!tx_.open()) {  // BEGIN comes with the first event of an included table
      tx_.Begin(tx.xid, tx.commit_ts_ms);
      Position begin;
      begin.commit_scn = tx.commit_scn;
      begin.xid = tx.xid;
      begin.restart_scn = restart_scn_;
      SendBoundary(tx_.BeginEvent(), begin, sink);
    }
    block = &tx_.Count(table_name_);  // counted even when skipped below: orders stay the same
  }
  if (AlreadyPublished(position)) return;
  w_.Clear();
  envelope::BeginChange(w_);
  w_.KeyLiteral("before");
  if (before) {
    WriteRow(w_, table, *before, false);
  } else {
    w_.Null();
  }
  w_.KeyLiteral("after");
  if (after) {
    WriteRow(w_, table, *after, false);
  } else {
    w_.Null();
  }
  const envelope::SourceCommon common =
      odbc::CommonSource(settings_, "oracle", envelope::EventTime::FromMillis(tx.commit_ts_ms), "false");
  envelope::WriteSource(w_, common, [&](envelope::JsonWriter& w) {
    auto text_or_null = [&](std::string_view key, const std::string& v) {
      w.Key(key);
      if (v.empty()) {
        w.Null();
      } else {
        w.String(v);
      }
    };
    w.KeyLiteral("schema");
    w.String(table.schema);
    w.KeyLiteral("table");
    w.String(table.table);
    w.KeyLiteral("txId");
    w.String(tx.xid);
    w.KeyLiteral("scn");
    w.String(std::to_string(row.scn));
    w.KeyLiteral("commit_scn");
    w.String(std::to_string(tx.commit_scn));
    w.KeyLiteral("lcr_position");
    w.Null();
    text_or_null("rs_id", row.rs_id);
    w.KeyLiteral("ssn");
    w.Int(row.ssn);
    w.KeyLiteral("redo_thread");
    w.Int(row.thread);
    text_or_null("user_name", row.username);
    w.KeyLiteral("redo_sql");
    w.Null();
    text_or_null("row_id", row.row_id);
    w.KeyLiteral("commit_ts_ms");
    w.Int(tx.commit_ts_ms);
    w.KeyLiteral("start_scn");
    w.String(std::to_string(tx.start_scn));
    w.KeyLiteral("start_ts_ms");
    w.Int(tx.start_ts_ms);
    w.KeyLiteral("txSeq");
    w.Int(position.tx_seq);
  });
  envelope::EndChange(w_, op, settings_.now(), block);

  Publish(table, after ? *after : *before, op, position, tx.commit_ts_ms, {}, sink);
}

void ChangeEmitter::Publish(const OracleTable& table, const std::vector<RedoValue>& key_row, envelope::Op op,
                            const Position& position, int64_t source_ts_ms, std::string_view snapshot_row,
                            const odbc::EventSink& sink) {
  bool has_key = false;
  for (const auto& c : table.columns) has_key = has_key || c.key;
  key_.Clear();
  if (has_key) WriteRow(key_, table, key_row, true);

  table_name_ = settings_.database + "." + table.schema + "." + table.table;
  odbc::ChangeEvent change;
  change.op = op;
  change.payload = w_.View();
  change.key = has_key ? key_.View() : std::string_view();
  change.table = table_name_;
  change.source_ts_ms = source_ts_ms;
  change.snapshot = position.Snapshot() || position.xid == "snapshot-done";
  change.snapshot_row = snapshot_row;
  change.snapshot_table_rows = snapshot_table_rows_;
  sender_.SendChange(change, position.ToString(), sink);
  last_ = position;
  ++emitted_;
}

void ChangeEmitter::EmitSnapshotRow(const OracleTable& table, const std::vector<RedoValue>& values, uint64_t read_scn,
                                    uint64_t stream_after, int64_t row_number, std::string_view marker, int64_t ts_ms,
                                    const odbc::EventSink& sink) {
  const uint64_t scn = read_scn;
  Position position;
  position.commit_scn = stream_after;
  position.xid = marker == "last" ? "snapshot-done" : "snapshot";
  position.tx_seq = row_number;
  position.restart_scn = stream_after;
  if (snapshot_table_ != &table) {
    snapshot_table_ = &table;
    snapshot_table_rows_ = 0;
  }
  ++snapshot_table_rows_;
  w_.Clear();
  envelope::BeginChange(w_);
  w_.KeyLiteral("before");
  w_.Null();
  w_.KeyLiteral("after");
  const size_t row_begin = w_.View().size();
  WriteRow(w_, table, values, false);
  const size_t row_end = w_.View().size();
  const envelope::SourceCommon common =
      odbc::CommonSource(settings_, "oracle", envelope::EventTime::FromMillis(ts_ms), marker);
  envelope::WriteSource(w_, common, [&](envelope::JsonWriter& w) {
    w.KeyLiteral("schema");
    w.String(table.schema);
    w.KeyLiteral("table");
    w.String(table.table);
    w.KeyLiteral("txId");
    w.Null();
    w.KeyLiteral("scn");
    w.String(std::to_string(scn));
    for (const char* key : {"commit_scn", "lcr_position", "rs_id", "ssn", "redo_thread", "user_name", "redo_sql",
                            "row_id", "commit_ts_ms", "start_scn", "start_ts_ms", "txSeq"}) {
      w.Key(key);
      w.Null();
    }
  });
  envelope::EndChange(w_, envelope::Op::kRead, settings_.now(), nullptr);
  // Publish writes the key into its own writer: the row's view into w_ stays valid.
  Publish(table, values, envelope::Op::kRead, position, 0, w_.View().substr(row_begin, row_end - row_begin), sink);
}

}  // namespace dbct::oracle
