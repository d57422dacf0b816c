// The C ABI of the event library (c_api/dbct.h). Every entry point catches every exception
// and leaves its text on the handle: C callers (the PostgreSQL output plugin) never see a C++
// exception cross the boundary.
#include "dbct/c_api/dbct.h"

#include <cstring>
#include <new>
#include <string>

#include "dbct/c_api/value_writer.hpp"
#include "dbct/envelope/envelope_writer.hpp"
#include "dbct/values/binary.hpp"
#include "dbct/values/numeric.hpp"
#include "dbct/values/structured.hpp"
#include "dbct/values/temporal.hpp"

#ifndef DBCT_VERSION
#define DBCT_VERSION "0.0.0"
#endif

namespace dbct::c_api {

namespace {

using envelope::JsonWriter;
using values::ValueError;

std::string_view View(const char* data, size_t len) {
  if (data == nullptr) {
    if (len != 0) throw ValueError("value has a length but no data");
    return {};
  }
  return {data, len};
}

std::string_view CStr(const char* s) { return s == nullptr ? std::string_view() : s; }

values::Special ToSpecial(int32_t special) {
  switch (special) {
    case DBCT_SPECIAL_POS_INFINITY:
      return values::Special::kPosInfinity;
    case DBCT_SPECIAL_NEG_INFINITY:
      return values::Special::kNegInfinity;
    default:
      return values::Special::kNone;
  }
}

}  // namespace

void WriteValue(JsonWriter& w, const dbct_value& v, const values::ValueModes& modes,
                std::string_view placeholder) {
  switch (v.kind) {
    case DBCT_V_NULL:
      w.Null();
      return;
    case DBCT_V_BOOL:
      w.Bool(v.i64 != 0);
      return;
    case DBCT_V_INT64:
      w.Int(v.i64);
      return;
    case DBCT_V_FLOAT32:
      w.Float(static_cast<float>(v.f64));
      return;
    case DBCT_V_FLOAT64:
      w.Double(v.f64);
      return;
    case DBCT_V_STRING:
      w.String(View(v.data, v.len));
      return;
    case DBCT_V_DECIMAL:
      values::WriteDecimal(w, View(v.data, v.len), v.scale, modes.decimal);
      return;
    case DBCT_V_MONEY:
      values::WriteMoney(w, View(v.data, v.len), v.scale, modes.decimal);
      return;
    case DBCT_V_BYTES:
      values::WriteBytes(w, View(v.data, v.len), modes.binary);
      return;
    case DBCT_V_BITS:
      values::WriteBits(w, View(v.data, v.len), v.precision);
      return;
    case DBCT_V_DATE:
      values::WriteDate(w, v.i64, ToSpecial(v.special));
      return;
    case DBCT_V_TIME:
      values::WriteTime(w, v.i64, v.precision, modes.time_precision);
      return;
    case DBCT_V_TIMETZ:
      values::WriteTimeTz(w, v.i64, v.zone_seconds);
      return;
    case DBCT_V_TIMESTAMP:
      values::WriteTimestamp(w, v.i64, v.precision, modes.time_precision, ToSpecial(v.special));
      return;
    case DBCT_V_TIMESTAMPTZ:
      values::WriteTimestampTz(w, v.i64, v.precision, ToSpecial(v.special));
      return;
    case DBCT_V_INTERVAL:
      values::WriteInterval(w, v.months, v.days, v.i64, modes.interval);
      return;
    case DBCT_V_UNAVAILABLE:
      if (v.i64 == 1) {
        values::WriteBytes(w, placeholder, modes.binary);
      } else if (v.i64 == 2) {
        w.BeginArray();
        w.String(placeholder);
        w.EndArray();
      } else if (v.i64 == 3 || v.i64 == 4) {
        values::WriteHstorePlaceholder(w, placeholder, v.i64 == 4);
      } else {
        w.String(placeholder);
      }
      return;
    case DBCT_V_ARRAY:
      if (v.elements == nullptr && v.count != 0) {
        throw ValueError("array value has a count but no elements");
      }
      w.BeginArray();
      for (size_t i = 0; i < v.count; ++i) WriteValue(w, v.elements[i], modes, placeholder);
      w.EndArray();
      return;
    case DBCT_V_RAW_JSON:
      w.Raw(View(v.data, v.len));
      return;
    case DBCT_V_POINT: {
      double xy[2];
      if (v.data == nullptr || v.len != sizeof xy) {
        throw ValueError("point value needs 16 bytes of coordinates");
      }
      std::memcpy(xy, v.data, sizeof xy);
      values::WritePoint(w, xy[0], xy[1]);
      return;
    }
    case DBCT_V_HSTORE:
      values::WriteHstore(w, View(v.data, v.len), v.i64 == 1);
      return;
    default:
      throw ValueError("value kind " + std::to_string(v.kind) + " is not known");
  }
}

void WriteRow(JsonWriter& w, const dbct_row& row, const values::ValueModes& modes,
              std::string_view placeholder) {
  if (row.columns == nullptr && row.count != 0) {
    throw ValueError("row has a column count but no columns");
  }
  w.BeginObject();
  for (size_t i = 0; i < row.count; ++i) {
    const dbct_column& column = row.columns[i];
    const std::string_view name = View(column.name, column.name_len);
    w.Key(name);
    try {
      WriteValue(w, column.value, modes, placeholder);
    } catch (const ValueError& e) {
      throw ValueError("column \"" + std::string(name) + "\": " + e.what());
    }
  }
  w.EndObject();
}

}  // namespace dbct::c_api

using dbct::c_api::CStr;
using dbct::c_api::View;
using dbct::c_api::WriteRow;
using dbct::envelope::JsonWriter;

struct dbct_writer {
  dbct::values::ValueModes modes;
  std::string placeholder{dbct::c_api::kDefaultUnavailablePlaceholder};
  bool deterministic = false;
  std::string create_error;  // a bad option: every later call fails with it
  std::string error;
  JsonWriter value{4096};
  JsonWriter key{256};
  JsonWriter tx{512};
};

namespace {

dbct::values::ValueModes ModesFromC(const dbct_value_modes& m) {
  using namespace dbct::values;
  ValueModes modes;
  if (m.decimal_mode < DBCT_DECIMAL_PRECISE || m.decimal_mode > DBCT_DECIMAL_STRING) {
    throw ValueError("decimal_mode " + std::to_string(m.decimal_mode) + " is not valid");
  }
  if (m.time_precision_mode < DBCT_TIME_ADAPTIVE || m.time_precision_mode > DBCT_TIME_CONNECT) {
    throw ValueError("time_precision_mode " + std::to_string(m.time_precision_mode) +
                     " is not valid");
  }
  if (m.binary_mode < DBCT_BINARY_BYTES || m.binary_mode > DBCT_BINARY_HEX) {
    throw ValueError("binary_mode " + std::to_string(m.binary_mode) + " is not valid");
  }
  if (m.interval_mode < DBCT_INTERVAL_NUMERIC || m.interval_mode > DBCT_INTERVAL_STRING) {
    throw ValueError("interval_mode " + std::to_string(m.interval_mode) + " is not valid");
  }
  static constexpr DecimalMode kDecimal[] = {DecimalMode::kPrecise, DecimalMode::kDouble,
                                             DecimalMode::kString};
  static constexpr TimePrecisionMode kTime[] = {TimePrecisionMode::kAdaptive,
                                                TimePrecisionMode::kAdaptiveTimeMicroseconds,
                                                TimePrecisionMode::kConnect};
  static constexpr BinaryMode kBinary[] = {BinaryMode::kBytes, BinaryMode::kBase64,
                                           BinaryMode::kBase64UrlSafe, BinaryMode::kHex};
  static constexpr IntervalMode kInterval[] = {IntervalMode::kNumeric, IntervalMode::kString};
  modes.decimal = kDecimal[m.decimal_mode];
  modes.time_precision = kTime[m.time_precision_mode];
  modes.binary = kBinary[m.binary_mode];
  modes.interval = kInterval[m.interval_mode];
  return modes;
}

// Runs `body`, turning any exception into DBCT_ERROR with its text on the handle.
template <typename Body>
dbct_status Guard(dbct_writer* writer, Body&& body) {
  if (writer == nullptr) return DBCT_ERROR;
  try {
    writer->error.clear();
    if (!writer->create_error.empty()) {
      writer->error = writer->create_error;
      return DBCT_ERROR;
    }
    body();
    return DBCT_OK;
  } catch (const std::bad_alloc&) {
    writer->error.assign("out of memory");
  } catch (const std::exception& e) {
    try {
      writer->error.assign(e.what());
    } catch (...) {
    }
  } catch (...) {
    try {
      writer->error.assign("unknown error");
    } catch (...) {
    }
  }
  return DBCT_ERROR;
}

dbct::envelope::Op ToOp(char op) {
  switch (op) {
    case 'c':
    case 'u':
    case 'd':
    case 'r':
    case 't':
    case 'm':
      return static_cast<dbct::envelope::Op>(op);
    default:
      throw dbct::values::ValueError(std::string("change op '") + op +
                                     "' is not valid: use one of c, u, d, r, t, m");
  }
}

void WriteChange(dbct_writer* writer, const dbct_change* change) {
  using namespace dbct::envelope;
  using dbct::values::ValueError;
  if (change == nullptr) throw ValueError("change is NULL");
  if (change->source == nullptr) throw ValueError("change has no source");
  const Op op = ToOp(change->op);
  const dbct_pg_source& src = *change->source;

  EventTime now;
  if (!writer->deterministic) {
    now = change->ts_ms != 0 ? EventTime::FromMillis(change->ts_ms) : EventTime::Now();
  }
  char sequence[64];
  SourceCommon common;
  common.version = DBCT_VERSION;
  common.connector = "postgresql";
  common.name = CStr(src.name);
  common.ts = src.ts_us != 0 ? EventTime::FromMicros(src.ts_us) : EventTime::FromMillis(src.ts_ms);
  common.snapshot = src.snapshot != nullptr ? std::string_view(src.snapshot) : "false";
  common.db = CStr(src.db);
  common.sequence = sequence;
  common.sequence_len = FormatPgSequence(sequence, src.last_commit_lsn, src.lsn);
  PgSourceFields pg;
  pg.schema = CStr(src.schema);
  pg.table = CStr(src.table);
  pg.tx_id = src.tx_id;
  pg.lsn = src.lsn;
  pg.xmin = src.xmin;

  TransactionBlock tx_block;
  const TransactionBlock* tx = nullptr;
  if (change->transaction != nullptr) {
    tx_block.id = CStr(change->transaction->id);
    tx_block.total_order = change->transaction->total_order;
    tx_block.data_collection_order = change->transaction->data_collection_order;
    tx = &tx_block;
  }

  JsonWriter& w = writer->value;
  JsonWriter& key = writer->key;
  w.Clear();
  key.Clear();
  if (op == Op::kTruncate || op == Op::kMessage) {
    BeginSourceOnlyEvent(w);
    WriteSource(w, common, pg);
    if (op == Op::kTruncate) {
      EndTruncate(w, now, tx);
      key.Null();
    } else {
      const std::string_view prefix = CStr(change->message_prefix);
      const std::string_view content = View(change->message_content, change->message_content_len);
      EndMessage(w, now, tx, prefix, content, writer->modes.binary);
      key.BeginObject();
      key.KeyLiteral("prefix");
      key.String(prefix);
      key.EndObject();
    }
    return;
  }
  BeginChange(w);
  w.KeyLiteral("before");
  if (change->before != nullptr) {
    WriteRow(w, *change->before, writer->modes, writer->placeholder);
  } else {
    w.Null();
  }
  w.KeyLiteral("after");
  if (change->after != nullptr) {
    WriteRow(w, *change->after, writer->modes, writer->placeholder);
  } else {
    w.Null();
  }
  WriteSource(w, common, pg);
  EndChange(w, op, now, tx);
  if (change->key != nullptr) {
    WriteRow(key, *change->key, writer->modes, writer->placeholder);
  } else {
    key.Null();
  }
}

}  // namespace

extern "C" {

dbct_writer* dbct_writer_create(const dbct_writer_options* options) {
  dbct_writer* writer = new (std::nothrow) dbct_writer;
  if (writer == nullptr) return nullptr;
  try {
    if (options != nullptr) {
      writer->modes = ModesFromC(options->modes);
      if (options->unavailable_value_placeholder != nullptr) {
        writer->placeholder = options->unavailable_value_placeholder;
      }
      writer->deterministic = options->deterministic != 0;
    }
  } catch (const std::exception& e) {
    try {
      writer->create_error = std::string("invalid writer option: ") + e.what();
    } catch (...) {
      delete writer;
      return nullptr;
    }
  }
  writer->error = writer->create_error;
  return writer;
}

void dbct_writer_destroy(dbct_writer* writer) { delete writer; }

const char* dbct_writer_error(const dbct_writer* writer) {
  return writer == nullptr ? "writer is NULL" : writer->error.c_str();
}

dbct_status dbct_write_change(dbct_writer* writer, const dbct_change* change,
                              const char** value_json, size_t* value_len, const char** key_json,
                              size_t* key_len) {
  return Guard(writer, [&] {
    WriteChange(writer, change);
    if (value_json != nullptr) *value_json = writer->value.Str().c_str();
    if (value_len != nullptr) *value_len = writer->value.Size();
    if (key_json != nullptr) *key_json = writer->key.Str().c_str();
    if (key_len != nullptr) *key_len = writer->key.Size();
  });
}

dbct_status dbct_write_tx_boundary(dbct_writer* writer, const dbct_tx_boundary* boundary,
                                   const char** json, size_t* len) {
  return Guard(writer, [&] {
    using namespace dbct::envelope;
    if (boundary == nullptr) throw dbct::values::ValueError("transaction boundary is NULL");
    if (boundary->collections == nullptr && boundary->collection_count != 0) {
      throw dbct::values::ValueError("transaction boundary has a collection count but no collections");
    }
    JsonWriter& w = writer->tx;
    w.Clear();
    const int64_t ts_ms = writer->deterministic ? 0 : boundary->ts_ms;
    if (!boundary->is_end) {
      WriteTransactionBegin(w, CStr(boundary->id), ts_ms);
    } else {
      w.BeginObject();
      // Written in place rather than through a temporary CollectionCount array.
      w.KeyLiteral("status");
      w.StringLiteral("END");
      w.KeyLiteral("id");
      w.String(CStr(boundary->id));
      w.KeyLiteral("event_count");
      w.Int(boundary->event_count);
      w.KeyLiteral("data_collections");
      w.BeginArray();
      for (size_t i = 0; i < boundary->collection_count; ++i) {
        w.BeginObject();
        w.KeyLiteral("data_collection");
        w.String(CStr(boundary->collections[i].data_collection));
        w.KeyLiteral("event_count");
        w.Int(boundary->collections[i].event_count);
        w.EndObject();
      }
      w.EndArray();
      w.KeyLiteral("ts_ms");
      w.Int(ts_ms);
      w.EndObject();
    }
    if (json != nullptr) *json = w.Str().c_str();
    if (len != nullptr) *len = w.Size();
  });
}

const char* dbct_version(void) { return DBCT_VERSION; }

}  // extern "C"
