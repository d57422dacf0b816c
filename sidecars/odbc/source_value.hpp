// One column value as a source delivers it, before Debezium's type mapping: what an ODBC cell
// or a replay file gives (integer, floating point, boolean, text, raw bytes or NULL).
// Text carries exact forms: decimals ("-12.50"), temporals ("2024-01-02 03:04:05.1234567").
#ifndef DBCT_ODBC_SOURCE_VALUE_HPP
#define DBCT_ODBC_SOURCE_VALUE_HPP

#include <cstdint>
#include <string>

namespace dbct::odbc {

struct SourceValue {
  enum class Kind { kNull, kInt, kDouble, kBool, kText, kBytes };
  Kind kind = Kind::kNull;
  int64_t i = 0;
  double d = 0;
  bool b = false;
  std::string text;  // kText (UTF-8) and kBytes

  static SourceValue Null() { return {}; }
  static SourceValue Int(int64_t v) { SourceValue s; s.kind = Kind::kInt; s.i = v; return s; }
  static SourceValue Double(double v) { SourceValue s; s.kind = Kind::kDouble; s.d = v; return s; }
  static SourceValue Bool(bool v) { SourceValue s; s.kind = Kind::kBool; s.b = v; return s; }
  static SourceValue Text(std::string v) { SourceValue s; s.kind = Kind::kText; s.text = std::move(v); return s; }
  static SourceValue Bytes(std::string v) { SourceValue s; s.kind = Kind::kBytes; s.text = std::move(v); return s; }

  bool IsNull() const { return kind == Kind::kNull; }
  bool operator==(const SourceValue& o) const {
    return kind == o.kind && i == o.i && (kind != Kind::kDouble || d == o.d) && b == o.b && text == o.text;
  }
  bool operator!=(const SourceValue& o) const { return !(*this == o); }
};

}  // namespace dbct::odbc

#endif  // DBCT_ODBC_SOURCE_VALUE_HPP
