// MySQL's binary JSON column format (MySQL 5.7+, sql/json_binary.h) turned into JSON text the
// way Debezium prints it (mysql-binlog-connector-java's JsonBinary + JsonStringFormatter):
// compact ({"a":1,"b":[true,null]}), doubles as Java's Double.toString (plain BigDecimal text
// when that would use an exponent), DECIMAL as plain text, dates and times as quoted
// "YYYY-MM-DD hh:mm:ss[.ffffff]" text, other opaque values as base64 strings.
// MariaDB stores JSON as text (a LONGTEXT), so this is only for MySQL servers.
#ifndef DBCT_BINLOG_MYSQL_JSON_HPP
#define DBCT_BINLOG_MYSQL_JSON_HPP

#include <string>
#include <string_view>

namespace dbct::binlog {

// Appends the JSON text of one binary JSON value. An empty value (a JSON column set from an
// empty string in non-strict mode) gives "null". Throws DecodeError on corrupt data.
void AppendMysqlJsonText(std::string& out, std::string_view binary);

// Java's Double.toString for finite values (shortest digits that read back; "1.0", "1.0E10").
// Exposed for tests.
std::string JavaDoubleText(double value);

}  // namespace dbct::binlog

#endif  // DBCT_BINLOG_MYSQL_JSON_HPP
