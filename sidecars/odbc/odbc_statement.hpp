// A statement handle with parameters and a typed, bulk (row-array) result reader.
//
// Columns are bound column-wise into arrays of `array_size` rows and fetched a block at a
// time. Each column is read as the C type that keeps its value exact:
//   integers -> int64, real -> float, float/double -> double, bit -> bool,
//   decimal/numeric -> its text, char/varchar/nchar/nvarchar -> UTF-8 (fetched as UTF-16,
//   so no driver or locale conversion can lose characters), binary -> bytes,
//   date/timestamp -> the ODBC structs (timestamp fraction in nanoseconds),
//   time and driver-specific types (SQL Server time(7), datetimeoffset, xml...) -> text.
// Long columns (LONGVARCHAR/LONGVARBINARY, unknown or large sizes) are not bound: they are read
// with SQLGetData in chunks, whatever their length. ODBC only allows SQLGetData on columns
// after the last bound one and on single-row blocks, so a result with a long column binds the
// columns before the first long one and reads the rest with SQLGetData, one row per fetch.
#ifndef DBCT_ODBC_ODBC_STATEMENT_HPP
#define DBCT_ODBC_ODBC_STATEMENT_HPP

#include <sql.h>
#include <sqlext.h>

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "odbc_connection.hpp"

namespace dbct::odbc {

enum class CellKind { kInt64, kFloat, kDouble, kBool, kDecimal, kText, kBinary, kDate, kTime, kTimestamp };

const char* CellKindName(CellKind kind);

struct ColumnInfo {
  std::string name;
  SQLSMALLINT sql_type = 0;   // SQL_INTEGER, SQL_WVARCHAR, -155 (SQL Server datetimeoffset)...
  SQLULEN size = 0;           // column size (characters, digits or bytes)
  SQLSMALLINT decimal_digits = 0;
  bool nullable = true;
  CellKind kind = CellKind::kText;
  bool is_long = false;       // read with SQLGetData
};

// Which cell kind a column of this SQL type is read as.
CellKind KindOfSqlType(SQLSMALLINT sql_type);

class Statement {
 public:
  static constexpr size_t kDefaultArraySize = 256;
  static constexpr SQLULEN kMaxBoundChars = 4000;  // larger columns are read with SQLGetData

  explicit Statement(Connection& connection);
  Statement(Statement&&) noexcept = default;
  Statement& operator=(Statement&&) noexcept = default;

  SQLHSTMT get() const { return static_cast<SQLHSTMT>(handle_.get()); }

  // Rows per fetch block (before Execute).
  void SetArraySize(size_t rows) { array_size_ = rows == 0 ? 1 : rows; }

  void Prepare(std::string_view sql);
  // Parameters, 1-based, bound until the statement is destroyed or Reset. Values are copied.
  void BindText(SQLUSMALLINT index, std::string_view utf8);
  void BindInt64(SQLUSMALLINT index, int64_t value);
  void BindBinary(SQLUSMALLINT index, std::string_view bytes);
  void BindNull(SQLUSMALLINT index, SQLSMALLINT sql_type);
  // Executes the prepared statement, or `sql` directly. Opens the result set, if any.
  void Execute();
  void ExecuteDirect(std::string_view sql);
  // Closes the cursor and forgets parameters, so the statement can run again.
  void Reset();

  bool HasResult() const { return !columns_.empty(); }
  const std::vector<ColumnInfo>& Columns() const { return columns_; }
  int64_t AffectedRows();
  // The next result set of a batch; false when there is none.
  bool NextResult();

  // Moves to the next row; false at the end of the result.
  bool Next();
  // Reads of the current row. The view stays valid until the next call to Next().
  bool IsNull(size_t column) const;
  int64_t Int(size_t column) const;
  float Float(size_t column) const;
  double Double(size_t column) const;
  bool Bool(size_t column) const;
  std::string_view Text(size_t column);   // kText, kDecimal, kTime: UTF-8
  std::string_view Bytes(size_t column);  // kBinary (any kind: its raw buffer)
  SQL_DATE_STRUCT Date(size_t column) const;
  SQL_TIMESTAMP_STRUCT Timestamp(size_t column) const;
  // Any cell as text, for messages and tests: numbers, "2024-01-01", "...T12:00:00.123456789".
  std::string AsText(size_t column);

 private:
  struct Buffer {
    SQLSMALLINT c_type = SQL_C_CHAR;
    SQLLEN element = 0;              // bytes per row
    std::vector<unsigned char> data;
    std::vector<SQLLEN> indicator;
    std::string long_value;          // long columns: this row's value (UTF-8 or bytes)
    bool long_null = false;
    std::string utf8;                // converted text of the current row
  };

  void DescribeResult();
  void ReadLongColumns();
  [[noreturn]] void Fail(const std::string& what) const;
  const unsigned char* Cell(size_t column) const;

  Connection* connection_;
  Handle handle_;
  size_t array_size_ = kDefaultArraySize;
  size_t block_rows_ = 1;
  std::vector<ColumnInfo> columns_;
  std::vector<Buffer> buffers_;
  size_t first_unbound_ = 0;  // columns from here on are read with SQLGetData
  SQLULEN rows_fetched_ = 0;
  size_t row_ = 0;             // index in the current block
  bool started_ = false;
  std::deque<std::string> parameter_values_;
  std::deque<SQLLEN> parameter_lengths_;
};

// UTF-16 code units (SQLWCHAR, little-endian host order) to UTF-8; unpaired surrogates become
// U+FFFD.
void AppendUtf8FromUtf16(std::string& out, const SQLWCHAR* units, size_t count);
// UTF-8 to UTF-16 code units.
std::u16string Utf16FromUtf8(std::string_view utf8);

}  // namespace dbct::odbc

#endif  // DBCT_ODBC_ODBC_STATEMENT_HPP
