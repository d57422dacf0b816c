// Row values -> Debezium JSON, as Debezium's MySQL/MariaDB connectors write them
// (BinlogValueConverters / JdbcValueConverters, JSON converter without schemas):
//
//   TINYINT..INT (signed or unsigned)  number
//   BIGINT                             number; UNSIGNED per bigint.unsigned.handling.mode
//   FLOAT / DOUBLE                     number (FLOAT32 / FLOAT64)
//   DECIMAL                            per decimal.handling.mode (base64 Decimal by default)
//   BIT(1) / BIT(n)                    bool / io.debezium.data.Bits (little-endian bytes)
//   DATE                               io.debezium.time.Date (days)
//   TIME(fsp)                          MicroTime us (adaptive_time_microseconds, MySQL's default)
//   DATETIME(fsp)                      Timestamp ms for fsp 0-3, MicroTimestamp us for 4-6
//   TIMESTAMP(fsp)                     ZonedTimestamp "2024-01-01T12:00:00.123Z" (UTC)
//   YEAR                               io.debezium.time.Year (int)
//   CHAR/VARCHAR/TEXT                  string, decoded from the column's charset
//   BINARY/VARBINARY/BLOB              per binary.handling.mode; BINARY(n) right-padded with 0x00
//   ENUM / SET                         string / comma-separated string
//   JSON                               string holding the JSON text
//   GEOMETRY / POINT                   {"wkb":..,"srid":..} / {"x":..,"y":..,"wkb":..,"srid":..}
// Zero dates (year, month or day 0) become null, or the type's epoch value when the column is
// NOT NULL (Debezium's fallback for a non-optional field).
#ifndef DBCT_BINLOG_VALUE_WRITER_HPP
#define DBCT_BINLOG_VALUE_WRITER_HPP

#include <vector>

#include "dbct/envelope/json_writer.hpp"
#include "dbct/values/modes.hpp"
#include "rows_event.hpp"
#include "table_map_event.hpp"

namespace dbct::binlog {

using envelope::JsonWriter;

// The modes with MySQL's defaults (time.precision.mode=adaptive_time_microseconds).
values::ValueModes MysqlDefaultModes();

// Writes one column's value. `cell.is_null` writes null.
void WriteColumnValue(JsonWriter& w, const ColumnInfo& column, const Cell& cell,
                      const values::ValueModes& modes);

// Writes one column's value from the text protocol (snapshot SELECTs), producing exactly the
// JSON WriteColumnValue makes for the same value in a row image. The session must use
// time_zone '+00:00' and utf8mb4 results; FLOAT columns must be selected as CAST(c AS DOUBLE)
// (the text of a FLOAT has only 6 digits). nullptr writes null.
void WriteTextColumnValue(JsonWriter& w, const ColumnInfo& column, const char* text, size_t size,
                          const values::ValueModes& modes);

// Writes {"col":value,...} for the columns whose `include` flag is set (all when empty).
void WriteRowObject(JsonWriter& w, const TableMapEvent& table, const Row& row,
                    const std::vector<bool>& include, const values::ValueModes& modes);

}  // namespace dbct::binlog

#endif  // DBCT_BINLOG_VALUE_WRITER_HPP
