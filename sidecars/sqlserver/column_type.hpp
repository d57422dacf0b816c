// SQL Server column types and Debezium's SQL Server type mapping (SqlServerValueConverters on
// top of JdbcValueConverters), written straight into the event's JSON.
#ifndef DBCT_SQLSERVER_COLUMN_TYPE_HPP
#define DBCT_SQLSERVER_COLUMN_TYPE_HPP

#include <optional>
#include <string>
#include <string_view>

#include "dbct/envelope/json_writer.hpp"
#include "dbct/values/modes.hpp"
#include "source_value.hpp"

namespace dbct::sqlserver {

enum class TypeId {
  kBit, kTinyInt, kSmallInt, kInt, kBigInt, kReal, kFloat, kDecimal, kMoney, kSmallMoney,
  kChar, kVarChar, kText, kNChar, kNVarChar, kNText, kXml, kUniqueIdentifier, kSysName,
  kDate, kTime, kDateTime, kSmallDateTime, kDateTime2, kDateTimeOffset,
  kBinary, kVarBinary, kImage, kRowVersion, kGeometry, kGeography, kHierarchyId, kSqlVariant
};

struct ColumnType {
  TypeId id = TypeId::kInt;
  int precision = -1;  // decimal precision; -1 when not applicable
  int scale = -1;      // decimal scale, or fractional second digits of time/datetime2/datetimeoffset
};

// "int", "nvarchar(255)", "decimal(10,2)", "datetime2(7)", "float(24)", "varbinary(max)"...
// Case-insensitive. Defaults as SQL Server's: decimal(18,0), time/datetime2/datetimeoffset(7),
// float(53); float(1-24) is real. nullopt for a name it does not know.
std::optional<ColumnType> ParseColumnType(std::string_view text);

// Writes one value following Debezium's SQL Server mapping:
//  bit -> bool; tinyint/smallint/int/bigint -> number; real -> FLOAT32; float -> FLOAT64;
//  decimal/numeric/money/smallmoney -> Decimal by decimal.handling.mode (money scale 4);
//  char/varchar/text/nchar/nvarchar/ntext/xml/uniqueidentifier -> string;
//  date -> days; time(p)/datetime/smalldatetime/datetime2(p) by time.precision.mode
//  (adaptive: p<=3 ms, p<=6 us, 7 ns [NanoTime/NanoTimestamp]; connect: ms);
//  datetimeoffset -> ZonedTimestamp, the local time with its offset in ISO_OFFSET_DATE_TIME
//  ("2019-01-01T12:00:00.1234567+02:00"; "Z" for +00:00; fraction without trailing zeros);
//  binary/varbinary/image/rowversion/geometry/geography/hierarchyid -> bytes by
//  binary.handling.mode (Debezium has no spatial mapping for SQL Server: the driver's bytes).
// Temporal values come as text "YYYY-MM-DD[ hh:mm:ss[.fffffff]][ +hh:mm]" (also with 'T').
// Throws values::ValueError naming what is wrong.
void WriteValue(envelope::JsonWriter& w, const ColumnType& type, const odbc::SourceValue& value,
                const values::ValueModes& modes);

// "YYYY-MM-DD hh:mm:ss[.fffffff][ +hh:mm]" (or with 'T', or 'Z') -> microseconds since the
// epoch, the offset applied (none means UTC). False when it is not such a text.
bool ParseDateTimeMicros(std::string_view text, int64_t* micros);

}  // namespace dbct::sqlserver

#endif  // DBCT_SQLSERVER_COLUMN_TYPE_HPP
