#include "odbc_statement.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "dbct/values/utf8.hpp"

namespace dbct::odbc {

namespace {

// Driver-specific SQL types we know by number (msodbcsql / FreeTDS headers).
constexpr SQLSMALLINT kSsTime2 = -154;
constexpr SQLSMALLINT kSsTimestampOffset = -155;

constexpr size_t kMaxBlockBytes = 4 * 1024 * 1024;  // bound memory per fetch block
constexpr size_t kChunk = 8192;                     // SQLGetData chunk

// A fixed-size cell's value (cells of a row-wise block are not aligned).
template <typename T>
T Load(const unsigned char* cell) {
  T v;
  std::memcpy(&v, cell, sizeof v);
  return v;
}

SQLSMALLINT CTypeOf(CellKind kind) {
  switch (kind) {
    case CellKind::kInt64: return SQL_C_SBIGINT;
    case CellKind::kFloat: return SQL_C_FLOAT;
    case CellKind::kDouble: return SQL_C_DOUBLE;
    case CellKind::kBool: return SQL_C_BIT;
    case CellKind::kDecimal: return SQL_C_CHAR;
    case CellKind::kText: return SQL_C_WCHAR;
    case CellKind::kBinary: return SQL_C_BINARY;
    case CellKind::kDate: return SQL_C_TYPE_DATE;
    case CellKind::kTime: return SQL_C_CHAR;
    case CellKind::kTimestamp: return SQL_C_TYPE_TIMESTAMP;
  }
  return SQL_C_CHAR;
}

SQLLEN FixedSize(CellKind kind) {
  switch (kind) {
    case CellKind::kInt64: return sizeof(int64_t);
    case CellKind::kFloat: return sizeof(float);
    case CellKind::kDouble: return sizeof(double);
    case CellKind::kBool: return sizeof(unsigned char);
    case CellKind::kDate: return sizeof(SQL_DATE_STRUCT);
    case CellKind::kTimestamp: return sizeof(SQL_TIMESTAMP_STRUCT);
    default: return 0;
  }
}

}  // namespace

const char* CellKindName(CellKind kind) {
  switch (kind) {
    case CellKind::kInt64: return "int64";
    case CellKind::kFloat: return "float";
    case CellKind::kDouble: return "double";
    case CellKind::kBool: return "bool";
    case CellKind::kDecimal: return "decimal";
    case CellKind::kText: return "text";
    case CellKind::kBinary: return "binary";
    case CellKind::kDate: return "date";
    case CellKind::kTime: return "time";
    case CellKind::kTimestamp: return "timestamp";
  }
  return "?";
}

CellKind KindOfSqlType(SQLSMALLINT t) {
  switch (t) {
    case SQL_TINYINT: case SQL_SMALLINT: case SQL_INTEGER: case SQL_BIGINT:
      return CellKind::kInt64;
    case SQL_REAL:
      return CellKind::kFloat;
    case SQL_FLOAT: case SQL_DOUBLE:
      return CellKind::kDouble;
    case SQL_BIT:
      return CellKind::kBool;
    case SQL_DECIMAL: case SQL_NUMERIC:
      return CellKind::kDecimal;
    case SQL_BINARY: case SQL_VARBINARY: case SQL_LONGVARBINARY:
      return CellKind::kBinary;
    case SQL_TYPE_DATE: case SQL_DATE:
      return CellKind::kDate;
    case SQL_TYPE_TIMESTAMP: case SQL_TIMESTAMP:
      return CellKind::kTimestamp;
    case SQL_TYPE_TIME: case SQL_TIME: case kSsTime2:
      return CellKind::kTime;
    default:
      return CellKind::kText;  // char types, GUID, datetimeoffset, xml, intervals, unknown
  }
}

void AppendUtf8FromUtf16(std::string& out, const SQLWCHAR* u, size_t count) {
  values::AppendUtf8FromUtf16(out, count, [u](size_t i) { return uint32_t{u[i]}; });
}

std::u16string Utf16FromUtf8(std::string_view s) {
  std::u16string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    uint32_t cp = 0xFFFD;
    size_t n = 1;
    if (c < 0x80) {
      cp = c;
    } else if ((c >> 5) == 0x6 && i + 1 < s.size()) {
      cp = ((c & 0x1F) << 6) | (s[i + 1] & 0x3F);
      n = 2;
    } else if ((c >> 4) == 0xE && i + 2 < s.size()) {
      cp = ((c & 0x0F) << 12) | ((s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F);
      n = 3;
    } else if ((c >> 3) == 0x1E && i + 3 < s.size()) {
      cp = ((c & 0x07) << 18) | ((s[i + 1] & 0x3F) << 12) | ((s[i + 2] & 0x3F) << 6) | (s[i + 3] & 0x3F);
      n = 4;
    }
    i += n;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
  }
  return out;
}

Statement::Statement(Connection& connection) : connection_(&connection) {
  SQLHANDLE stmt = SQL_NULL_HANDLE;
  Check(SQLAllocHandle(SQL_HANDLE_STMT, connection.get(), &stmt), "could not allocate an ODBC statement",
        SQL_HANDLE_DBC, connection.get());
  handle_ = Handle(SQL_HANDLE_STMT, stmt);
  const auto timeout = connection.options().query_timeout.count();
  if (timeout > 0) {
    SQLSetStmtAttr(stmt, SQL_ATTR_QUERY_TIMEOUT, reinterpret_cast<SQLPOINTER>(static_cast<SQLULEN>(timeout)), 0);
  }
}

void Statement::Fail(const std::string& what) const { throw MakeError(what, SQL_HANDLE_STMT, handle_.get()); }

void Statement::Prepare(std::string_view sql) {
  Reset();
  const SQLRETURN rc = SQLPrepare(get(), reinterpret_cast<SQLCHAR*>(const_cast<char*>(sql.data())),
                                  static_cast<SQLINTEGER>(sql.size()));
  if (!Succeeded(rc)) Fail("could not prepare statement");
}

void Statement::BindText(SQLUSMALLINT index, std::string_view utf8) {
  const std::u16string wide = Utf16FromUtf8(utf8);
  parameter_values_.emplace_back(reinterpret_cast<const char*>(wide.data()), wide.size() * sizeof(char16_t));
  parameter_values_.back().append(2, '\0');
  parameter_lengths_.push_back(static_cast<SQLLEN>(wide.size() * sizeof(char16_t)));
  std::string& v = parameter_values_.back();
  const SQLRETURN rc = SQLBindParameter(get(), index, SQL_PARAM_INPUT, SQL_C_WCHAR, SQL_WVARCHAR,
                                        std::max<SQLULEN>(wide.size(), 1), 0, v.data(),
                                        static_cast<SQLLEN>(v.size()), &parameter_lengths_.back());
  if (!Succeeded(rc)) Fail("could not bind parameter " + std::to_string(index));
}

void Statement::BindInt64(SQLUSMALLINT index, int64_t value) {
  parameter_values_.emplace_back(reinterpret_cast<const char*>(&value), sizeof value);
  parameter_lengths_.push_back(0);
  const SQLRETURN rc = SQLBindParameter(get(), index, SQL_PARAM_INPUT, SQL_C_SBIGINT, SQL_BIGINT, 0, 0,
                                        parameter_values_.back().data(), 0, &parameter_lengths_.back());
  if (!Succeeded(rc)) Fail("could not bind parameter " + std::to_string(index));
}

void Statement::BindBinary(SQLUSMALLINT index, std::string_view bytes) {
  parameter_values_.emplace_back(bytes);
  parameter_lengths_.push_back(static_cast<SQLLEN>(bytes.size()));
  std::string& v = parameter_values_.back();
  const SQLRETURN rc = SQLBindParameter(get(), index, SQL_PARAM_INPUT, SQL_C_BINARY, SQL_VARBINARY,
                                        std::max<SQLULEN>(bytes.size(), 1), 0, v.data(),
                                        static_cast<SQLLEN>(v.size()), &parameter_lengths_.back());
  if (!Succeeded(rc)) Fail("could not bind parameter " + std::to_string(index));
}

void Statement::BindNull(SQLUSMALLINT index, SQLSMALLINT sql_type) {
  parameter_values_.emplace_back();
  parameter_lengths_.push_back(SQL_NULL_DATA);
  const SQLRETURN rc = SQLBindParameter(get(), index, SQL_PARAM_INPUT, SQL_C_CHAR, sql_type, 1, 0, nullptr, 0,
                                        &parameter_lengths_.back());
  if (!Succeeded(rc)) Fail("could not bind parameter " + std::to_string(index));
}

void Statement::Execute() {
  const SQLRETURN rc = SQLExecute(get());
  if (!Succeeded(rc) && rc != SQL_NO_DATA) Fail("query failed");
  DescribeResult();
}

void Statement::ExecuteDirect(std::string_view sql) {
  Reset();
  const SQLRETURN rc = SQLExecDirect(get(), reinterpret_cast<SQLCHAR*>(const_cast<char*>(sql.data())),
                                     static_cast<SQLINTEGER>(sql.size()));
  if (!Succeeded(rc) && rc != SQL_NO_DATA) Fail("query failed");
  DescribeResult();
}

void Statement::Reset() {
  SQLFreeStmt(get(), SQL_CLOSE);
  SQLFreeStmt(get(), SQL_UNBIND);
  SQLFreeStmt(get(), SQL_RESET_PARAMS);
  columns_.clear();
  buffers_.clear();
  parameter_values_.clear();
  parameter_lengths_.clear();
  started_ = false;
  rows_fetched_ = 0;
  row_ = 0;
}

int64_t Statement::AffectedRows() {
  SQLLEN n = 0;
  if (!Succeeded(SQLRowCount(get(), &n))) Fail("could not read the row count");
  return n;
}

bool Statement::NextResult() {
  const SQLRETURN rc = SQLMoreResults(get());
  if (rc == SQL_NO_DATA) return false;
  if (!Succeeded(rc)) Fail("could not read the next result");
  SQLFreeStmt(get(), SQL_UNBIND);
  DescribeResult();
  return true;
}

void Statement::DescribeResult() {
  columns_.clear();
  buffers_.clear();
  started_ = false;
  rows_fetched_ = 0;
  row_ = 0;
  SQLSMALLINT count = 0;
  if (!Succeeded(SQLNumResultCols(get(), &count))) Fail("could not describe the result");
  if (count <= 0) return;
  columns_.resize(static_cast<size_t>(count));
  buffers_.resize(static_cast<size_t>(count));
  first_unbound_ = columns_.size();
  size_t row_bytes = 0;
  for (SQLUSMALLINT i = 0; i < count; ++i) {
    SQLCHAR name[256];
    SQLSMALLINT name_length = 0;
    ColumnInfo& c = columns_[i];
    SQLSMALLINT nullable = SQL_NULLABLE_UNKNOWN;
    if (!Succeeded(SQLDescribeCol(get(), i + 1, name, sizeof name, &name_length, &c.sql_type, &c.size,
                                  &c.decimal_digits, &nullable))) {
      Fail("could not describe result column " + std::to_string(i + 1));
    }
    c.name.assign(reinterpret_cast<char*>(name), std::min<size_t>(name_length, sizeof name - 1));
    c.nullable = nullable != SQL_NO_NULLS;
    c.kind = KindOfSqlType(c.sql_type);
    Buffer& b = buffers_[i];
    b.c_type = CTypeOf(c.kind);
    b.element = FixedSize(c.kind);
    if (b.element == 0) {
      const bool long_type = c.sql_type == SQL_LONGVARCHAR || c.sql_type == SQL_WLONGVARCHAR ||
                             c.sql_type == SQL_LONGVARBINARY;
      const bool known = c.sql_type == SQL_CHAR || c.sql_type == SQL_VARCHAR || c.sql_type == SQL_WCHAR ||
                         c.sql_type == SQL_WVARCHAR || c.sql_type == SQL_BINARY || c.sql_type == SQL_VARBINARY ||
                         c.sql_type == SQL_DECIMAL || c.sql_type == SQL_NUMERIC || c.sql_type == SQL_GUID ||
                         c.kind == CellKind::kTime || c.sql_type == kSsTimestampOffset;
      c.is_long = long_type || !known || c.size == 0 || c.size > kMaxBoundChars;
      switch (c.kind) {
        case CellKind::kText:
          // Two UTF-16 units per character covers characters outside the BMP.
          b.element = static_cast<SQLLEN>((c.size * 2 + 1) * sizeof(SQLWCHAR));
          break;
        case CellKind::kDecimal:
          b.element = static_cast<SQLLEN>(std::max<SQLULEN>(c.size + 3, 64));
          break;
        case CellKind::kTime:
          b.element = 48;
          break;
        default:  // binary
          b.element = static_cast<SQLLEN>(std::max<SQLULEN>(c.size, 1));
          break;
      }
    }
    if (c.is_long && first_unbound_ == columns_.size()) first_unbound_ = i;
    if (i < first_unbound_) row_bytes += static_cast<size_t>(b.element) + sizeof(SQLLEN);
  }
  block_rows_ = first_unbound_ < columns_.size() ? 1 : array_size_;
  if (row_bytes > 0) block_rows_ = std::max<size_t>(1, std::min(block_rows_, kMaxBlockBytes / row_bytes));
  SQLSetStmtAttr(get(), SQL_ATTR_ROW_BIND_TYPE, reinterpret_cast<SQLPOINTER>(SQL_BIND_BY_COLUMN), 0);
  if (!Succeeded(SQLSetStmtAttr(get(), SQL_ATTR_ROW_ARRAY_SIZE,
                                reinterpret_cast<SQLPOINTER>(static_cast<SQLULEN>(block_rows_)), 0))) {
    block_rows_ = 1;  // a driver without block cursors: one row per fetch
  }
  SQLSetStmtAttr(get(), SQL_ATTR_ROWS_FETCHED_PTR, &rows_fetched_, 0);
  for (size_t i = 0; i < columns_.size(); ++i) {
    Buffer& b = buffers_[i];
    const size_t rows = i < first_unbound_ ? block_rows_ : 1;
    b.data.assign(static_cast<size_t>(b.element) * rows, 0);
    b.indicator.assign(rows, 0);
    if (i >= first_unbound_) continue;
    if (!Succeeded(SQLBindCol(get(), static_cast<SQLUSMALLINT>(i + 1), b.c_type, b.data.data(), b.element,
                              b.indicator.data()))) {
      Fail("could not bind result column \"" + columns_[i].name + "\"");
    }
  }
}

bool Statement::Next() {
  if (columns_.empty()) return false;
  if (started_ && row_ + 1 < rows_fetched_) {
    ++row_;
  } else {
    rows_fetched_ = 0;
    const SQLRETURN rc = SQLFetch(get());
    if (rc == SQL_NO_DATA) return false;
    if (!Succeeded(rc)) Fail("could not fetch rows");
    if (rows_fetched_ == 0) rows_fetched_ = 1;  // drivers that ignore ROWS_FETCHED_PTR for 1-row blocks
    started_ = true;
    row_ = 0;
  }
  // A bound variable-length value longer than its buffer was truncated by the driver.
  for (size_t i = 0; i < first_unbound_; ++i) {
    const Buffer& b = buffers_[i];
    if (FixedSize(columns_[i].kind) != 0) continue;
    const SQLLEN ind = b.indicator[row_];
    const SQLLEN terminator = b.c_type == SQL_C_WCHAR ? sizeof(SQLWCHAR) : b.c_type == SQL_C_CHAR ? 1 : 0;
    if (ind == SQL_NO_TOTAL || ind > b.element - terminator) {
      throw OdbcError("value of column \"" + columns_[i].name + "\" is longer than its declared size " +
                          std::to_string(columns_[i].size) + " reported by the driver",
                      "01004", 0, false);
    }
  }
  ReadLongColumns();
  return true;
}

void Statement::ReadLongColumns() {
  for (size_t i = first_unbound_; i < columns_.size(); ++i) {
    Buffer& b = buffers_[i];
    const ColumnInfo& c = columns_[i];
    b.long_value.clear();
    b.long_null = false;
    const SQLUSMALLINT col = static_cast<SQLUSMALLINT>(i + 1);
    if (FixedSize(c.kind) != 0) {
      const SQLRETURN rc = SQLGetData(get(), col, b.c_type, b.data.data(), b.element, &b.indicator[0]);
      if (!Succeeded(rc)) Fail("could not read column \"" + c.name + "\"");
      continue;
    }
    // Chunks until SQL_NO_DATA. Character chunks end with a terminator the driver adds.
    const bool wide = b.c_type == SQL_C_WCHAR;
    const size_t terminator = wide ? sizeof(SQLWCHAR) : b.c_type == SQL_C_CHAR ? 1 : 0;
    std::string raw;
    unsigned char chunk[kChunk];
    for (;;) {
      SQLLEN ind = 0;
      const SQLRETURN rc = SQLGetData(get(), col, b.c_type, chunk, sizeof chunk, &ind);
      if (rc == SQL_NO_DATA) break;
      if (!Succeeded(rc)) Fail("could not read column \"" + c.name + "\"");
      if (ind == SQL_NULL_DATA) {
        b.long_null = true;
        break;
      }
      size_t got;
      if (ind == SQL_NO_TOTAL || static_cast<size_t>(ind) + terminator > sizeof chunk) {
        got = sizeof chunk - terminator;  // a full chunk; more follows
      } else {
        got = static_cast<size_t>(ind);
      }
      if (wide) got -= got % sizeof(SQLWCHAR);
      raw.append(reinterpret_cast<char*>(chunk), got);
      if (rc == SQL_SUCCESS) break;  // the last piece
    }
    b.indicator[0] = b.long_null ? SQL_NULL_DATA : static_cast<SQLLEN>(raw.size());
    if (wide) {
      AppendUtf8FromUtf16(b.long_value, reinterpret_cast<const SQLWCHAR*>(raw.data()), raw.size() / sizeof(SQLWCHAR));
    } else {
      b.long_value = std::move(raw);
    }
  }
}

const unsigned char* Statement::Cell(size_t column) const {
  const Buffer& b = buffers_[column];
  const size_t row = column < first_unbound_ ? row_ : 0;
  return b.data.data() + static_cast<size_t>(b.element) * row;
}

bool Statement::IsNull(size_t column) const {
  const Buffer& b = buffers_.at(column);
  if (column >= first_unbound_) return FixedSize(columns_[column].kind) != 0 ? b.indicator[0] == SQL_NULL_DATA : b.long_null;
  return b.indicator[row_] == SQL_NULL_DATA;
}

int64_t Statement::Int(size_t column) const { return Load<int64_t>(Cell(column)); }

float Statement::Float(size_t column) const { return Load<float>(Cell(column)); }

double Statement::Double(size_t column) const { return Load<double>(Cell(column)); }

bool Statement::Bool(size_t column) const { return *Cell(column) != 0; }

SQL_DATE_STRUCT Statement::Date(size_t column) const { return Load<SQL_DATE_STRUCT>(Cell(column)); }

SQL_TIMESTAMP_STRUCT Statement::Timestamp(size_t column) const { return Load<SQL_TIMESTAMP_STRUCT>(Cell(column)); }

std::string_view Statement::Text(size_t column) {
  Buffer& b = buffers_.at(column);
  if (column < first_unbound_ && b.c_type == SQL_C_WCHAR && b.indicator[row_] != SQL_NULL_DATA) {
    b.utf8.clear();
    AppendUtf8FromUtf16(b.utf8, reinterpret_cast<const SQLWCHAR*>(Cell(column)),
                        static_cast<size_t>(b.indicator[row_]) / sizeof(SQLWCHAR));
    return b.utf8;
  }
  return Bytes(column);  // the bytes are the text
}

std::string_view Statement::Bytes(size_t column) {
  Buffer& b = buffers_.at(column);
  if (column >= first_unbound_) return b.long_value;
  const SQLLEN length = b.indicator[row_];
  if (length == SQL_NULL_DATA) return {};
  return std::string_view(reinterpret_cast<const char*>(Cell(column)), static_cast<size_t>(length));
}

std::string Statement::AsText(size_t column) {
  if (IsNull(column)) return "NULL";
  char buf[96];
  switch (columns_.at(column).kind) {
    case CellKind::kInt64:
      return std::to_string(Int(column));
    case CellKind::kFloat:
      std::snprintf(buf, sizeof buf, "%.9g", Float(column));
      return buf;
    case CellKind::kDouble:
      std::snprintf(buf, sizeof buf, "%.17g", Double(column));
      return buf;
    case CellKind::kBool:
      return Bool(column) ? "true" : "false";
    case CellKind::kDate: {
      const auto d = Date(column);
      std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", d.year, d.month, d.day);
      return buf;
    }
    case CellKind::kTimestamp: {
      const auto t = Timestamp(column);
      std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02u:%02u:%02u.%09u", t.year, t.month, t.day, t.hour,
                    t.minute, t.second, static_cast<unsigned>(t.fraction));
      return buf;
    }
    case CellKind::kBinary: {
      std::string hex;
      static const char* digits = "0123456789abcdef";
      for (unsigned char ch : Bytes(column)) {
        hex.push_back(digits[ch >> 4]);
        hex.push_back(digits[ch & 15]);
      }
      return hex;
    }
    default:
      return std::string(Text(column));
  }
}

}  // namespace dbct::odbc
