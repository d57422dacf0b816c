#include "change_emitter.hpp"

namespace dbct::sqlserver {

using odbc::SourceValue;

ChangeEmitter::ChangeEmitter(EmitterSettings settings, const std::vector<CaptureInstance>& instances)
    : settings_(std::move(settings)), instances_(instances) {}

bool ChangeEmitter::KeyChanged(const CaptureInstance& instance, const std::vector<SourceValue>& a,
                               const std::vector<SourceValue>& b) {
  for (size_t i = 0; i < instance.columns.size(); ++i) {
    if (instance.columns[i].key && a[i] != b[i]) return true;
  }
  return false;
}

void ChangeEmitter::Add(const ChangeRow& row, const odbc::EventSink& sink) {
  const CaptureInstance& instance = instances_.at(row.instance);
  if (row.values.size() != instance.columns.size()) {
    throw ChangeError("change row of capture instance \"" + instance.name + "\" has " +
                      std::to_string(row.values.size()) + " values for " + std::to_string(instance.columns.size()) +
                      " captured columns");
  }
  // Debezium reads an older capture instance only up to the newer one's start LSN.
  if (instance.stop_lsn && *instance.stop_lsn <= row.start_lsn) return;

  const auto op = static_cast<CdcOperation>(row.operation);
  if (pending_before_ && op != CdcOperation::kUpdateAfter) {
    throw ChangeError("the update before image at " + pending_before_->seqval.ToString() + " of capture instance \"" +
                      instances_.at(pending_before_->instance).name + "\" is not followed by its after image");
  }
  Position position;
  position.commit_lsn = row.start_lsn;
  position.change_lsn = row.seqval;
  switch (op) {
    case CdcOperation::kDelete:
      position.serial = 1;
      Emit(instance, envelope::Op::kDelete, &row.values, nullptr, position, row.commit_time_us, "false", sink);
      return;
    case CdcOperation::kInsert:
      position.serial = 1;
      Emit(instance, envelope::Op::kCreate, nullptr, &row.values, position, row.commit_time_us, "false", sink);
      return;
    case CdcOperation::kUpdateBefore:
      pending_before_ = row;
      return;
    case CdcOperation::kUpdateAfter: {
      if (!pending_before_ || pending_before_->instance != row.instance || pending_before_->seqval != row.seqval) {
        throw ChangeError("the update after image at " + row.seqval.ToString() + " of capture instance \"" +
                          instance.name + "\" has no before image: read the changes with 'all update old'");
      }
      const ChangeRow before = std::move(*pending_before_);
      pending_before_.reset();
      position.serial = 2;  // the update took two change rows
      if (KeyChanged(instance, before.values, row.values)) {
        Emit(instance, envelope::Op::kDelete, &before.values, nullptr, position, row.commit_time_us, "false", sink);
        position.part = 1;
        Emit(instance, envelope::Op::kCreate, nullptr, &row.values, position, row.commit_time_us, "false", sink);
      } else {
        Emit(instance, envelope::Op::kUpdate, &before.values, &row.values, position, row.commit_time_us, "false", sink);
      }
      return;
    }
  }
  throw ChangeError("unknown __$operation " + std::to_string(row.operation) + " in capture instance \"" +
                    instance.name + "\"");
}

void ChangeEmitter::Finish(const odbc::EventSink& sink) {
  if (pending_before_) {
    const std::string at = pending_before_->seqval.ToString();
    pending_before_.reset();
    throw ChangeError("the update before image at " + at + " is not followed by its after image");
  }
  EndTransaction(sink);
}

void ChangeEmitter::SendBoundary(std::string_view payload, const Position& position, const odbc::EventSink& sink) {
  if (resume_ && position.Compare(*resume_) <= 0) return;  // already in the stream
  sender_.SendBoundary(payload, position.ToString(), settings_.transaction_subject, sink);
  last_ = position;
}

void ChangeEmitter::EndTransaction(const odbc::EventSink& sink) {
  if (!tx_.open()) return;
  tx_.Close();
  SendBoundary(tx_.EndEvent(), Position::End(tx_commit_), sink);
}

void ChangeEmitter::AddSnapshotRow(const CaptureInstance& instance, const std::vector<SourceValue>& values,
                                   const Lsn& read_lsn, const Lsn& stream_after, int64_t row_number,
                                   std::string_view marker, int64_t ts_us, const odbc::EventSink& sink) {
  Position position;
  position.snapshot = true;
  position.commit_lsn = stream_after;
  position.serial = row_number;
  position.snapshot_done = marker == "last";
  if (snapshot_table_ != &instance) {
    snapshot_table_ = &instance;
    snapshot_table_rows_ = 0;
  }
  ++snapshot_table_rows_;
  Emit(instance, envelope::Op::kRead, nullptr, &values, position, ts_us, marker, sink, &read_lsn);
}

void ChangeEmitter::WriteRow(const CaptureInstance& instance, const std::vector<SourceValue>& values) {
  w_.BeginObject();
  for (size_t i = 0; i < instance.columns.size(); ++i) {
    w_.Key(instance.columns[i].name);
    try {
      WriteValue(w_, instance.columns[i].type, values[i], settings_.modes);
    } catch (const values::ValueError& e) {
      throw values::ValueError("column \"" + instance.columns[i].name + "\" (" + instance.columns[i].type_text +
                               ") of " + instance.SourceTable() + ": " + e.what());
    }
  }
  w_.EndObject();
}

void ChangeEmitter::Emit(const CaptureInstance& instance, envelope::Op op, const std::vector<SourceValue>* before,
                         const std::vector<SourceValue>* after, const Position& position, int64_t ts_us,
                         std::string_view snapshot_marker, const odbc::EventSink& sink, const Lsn* read_lsn) {
  if (settings_.skipped_operations.find(static_cast<char>(op)) != std::string::npos) return;
  table_name_ = settings_.database + "." + instance.schema + "." + instance.table;
  const envelope::TransactionBlock* block = nullptr;
  if (settings_.provide_transaction_metadata && !position.snapshot) {
    if (tx_.open() && tx_commit_ != position.commit_lsn) EndTransaction(sink);
    if (!tx_.open()) {
      tx_commit_ = position.commit_lsn;
      tx_ts_ms_ = ts_us / 1000;
      tx_.Begin(position.commit_lsn.ToString(), tx_ts_ms_);
      SendBoundary(tx_.BeginEvent(), Position::Begin(position.commit_lsn), sink);
    }
    block = &tx_.Count(table_name_);  // counted even when skipped below: orders stay the same
  }
  if (resume_ && !position.snapshot && position.Compare(*resume_) <= 0) return;

  w_.Clear();
  envelope::BeginChange(w_);
  w_.KeyLiteral("before");
  if (before) {
    WriteRow(instance, *before);
  } else {
    w_.Null();
  }
  w_.KeyLiteral("after");
  const size_t after_begin = w_.View().size();
  if (after) {
    WriteRow(instance, *after);
  } else {
    w_.Null();
  }
  const size_t after_end = w_.View().size();
  const envelope::SourceCommon common =
      odbc::CommonSource(settings_, "sqlserver", envelope::EventTime::FromMicros(ts_us), snapshot_marker);
  envelope::WriteSource(w_, common, [&](envelope::JsonWriter& w) {
    w.KeyLiteral("schema");
    w.String(instance.schema);
    w.KeyLiteral("table");
    w.String(instance.table);
    w.KeyLiteral("change_lsn");
    if (position.snapshot) {
      w.Null();
    } else {
      w.String(position.change_lsn.ToString());
    }
    w.KeyLiteral("commit_lsn");
    w.String((read_lsn ? *read_lsn : position.commit_lsn).ToString());
    w.KeyLiteral("event_serial_no");
    if (position.snapshot) {
      w.Null();
    } else {
      w.Int(position.serial);
    }
  });
  envelope::EndChange(w_, op, settings_.now(), block);

  key_.Clear();
  bool has_key = false;
  const std::vector<SourceValue>& key_row = after ? *after : *before;
  key_.BeginObject();
  for (size_t i = 0; i < instance.columns.size(); ++i) {
    if (!instance.columns[i].key) continue;
    has_key = true;
    key_.Key(instance.columns[i].name);
    WriteValue(key_, instance.columns[i].type, key_row[i], settings_.modes);
  }
  key_.EndObject();

  odbc::ChangeEvent change;
  change.op = op;
  change.payload = w_.View();
  change.key = has_key ? key_.View() : std::string_view();
  change.table = table_name_;
  change.source_ts_ms = position.snapshot ? 0 : ts_us / 1000;
  change.snapshot = position.snapshot;
  change.snapshot_row = w_.View().substr(after_begin, after_end - after_begin);
  change.snapshot_table_rows = snapshot_table_rows_;
  sender_.SendChange(change, position.ToString(), sink);
  last_ = position;
  ++emitted_;
}

}  // namespace dbct::sqlserver
