// Oracle column types and Debezium's Oracle type mapping (OracleValueConverters).
#ifndef DBCT_ORACLE_COLUMN_TYPE_HPP
#define DBCT_ORACLE_COLUMN_TYPE_HPP

#include <optional>
#include <string>
#include <string_view>

#include "dbct/envelope/json_writer.hpp"
#include "dbct/values/modes.hpp"
#include "oracle/redo_parser.hpp"

namespace dbct::oracle {

enum class TypeId {
  kNumber, kFloat, kBinaryFloat, kBinaryDouble, kChar, kVarChar2, kNChar, kNVarChar2, kDate, kTimestamp,
  kTimestampTz, kTimestampLtz, kIntervalYearToMonth, kIntervalDayToSecond, kRaw, kClob, kNClob, kBlob, kRowId
};

struct ColumnType {
  TypeId id = TypeId::kNumber;
  int precision = -1;  // NUMBER(p,s); -1: NUMBER without precision
  int scale = -1;      // NUMBER scale (-1: not declared), TIMESTAMP fraction digits
};

// "NUMBER", "NUMBER(10,2)", "NUMBER(*,0)", "VARCHAR2(255)", "TIMESTAMP(6) WITH TIME ZONE",
// "INTERVAL DAY(2) TO SECOND(6)", "RAW(16)", "CLOB"... nullopt for an unknown type.
std::optional<ColumnType> ParseColumnType(std::string_view text);

struct WriteOptions {
  values::ValueModes modes;
  std::string unavailable_placeholder = "__debezium_unavailable_value";
};

// Writes one value as Debezium's Oracle connector does:
//  NUMBER(p,s>0) -> Decimal; NUMBER(p,s<=0): p-s<3 INT8, <5 INT16, <10 INT32, <19 INT64, else
//  Decimal; NUMBER / FLOAT -> VariableScaleDecimal {"scale","value"} (decimal.handling.mode
//  string/double: text/number); BINARY_FLOAT/DOUBLE -> FLOAT32/64; character types -> string;
//  DATE -> Timestamp (ms); TIMESTAMP(p) -> p<=3 ms, p<=6 us, else ns (connect: ms);
//  TIMESTAMP WITH TIME ZONE -> ZonedTimestamp with its offset, fraction padded to p;
//  WITH LOCAL TIME ZONE -> ZonedTimestamp in UTC; INTERVAL -> MicroDuration (numeric) or ISO
//  string; RAW -> bytes; CLOB/NCLOB/BLOB: LOB mining is off, so EMPTY_CLOB()/EMPTY_BLOB() or a
//  value LogMiner cannot give is the unavailable-value placeholder (BLOB: its bytes).
// Throws values::ValueError.
void WriteValue(envelope::JsonWriter& w, const ColumnType& type, const RedoValue& value, const WriteOptions& options);

}  // namespace dbct::oracle

#endif  // DBCT_ORACLE_COLUMN_TYPE_HPP
