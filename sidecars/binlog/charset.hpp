// Character sets of text columns, from the collation ids in TABLE_MAP metadata or the catalog.
//
// Values are decoded to UTF-8 for JSON. Debezium decodes with the Java charset MySQL's
// Connector/J maps the MySQL charset to: latin1 is Cp1252 (Windows-1252), not ISO-8859-1.
#ifndef DBCT_BINLOG_CHARSET_HPP
#define DBCT_BINLOG_CHARSET_HPP

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace dbct::binlog {

enum class Charset : uint8_t {
  kUnknown,
  kBinary,
  kUtf8,  // utf8mb3, utf8mb4 and ascii: bytes pass through
  kLatin1,
  kUcs2,   // big-endian UCS-2
  kUtf16,  // big-endian UTF-16
  kUtf16le,
  kUtf32,  // big-endian UTF-32
  kOther,  // known to the server but not decoded here
};

// The charset of a MySQL/MariaDB charset name ("utf8mb4", "latin1", "binary"...).
Charset CharsetFromName(std::string_view name);

// Collation id -> charset. Starts with the ids MySQL and MariaDB share for the charsets we
// decode; Load() adds every collation the server reports (information_schema.COLLATIONS),
// including MariaDB's and MySQL 8's large ids.
class CollationMap {
 public:
  CollationMap();
  void Add(uint32_t collation_id, std::string_view charset_name);
  Charset Lookup(uint32_t collation_id) const;
  std::string NameOf(uint32_t collation_id) const;

  // The process-wide map the decoder uses.
  static CollationMap& Global();

 private:
  std::unordered_map<uint32_t, std::pair<Charset, std::string>> map_;
};

// Appends `bytes` in `charset` to `out` as UTF-8. Throws UnsupportedError for kOther/kUnknown.
void AppendUtf8(std::string& out, std::string_view bytes, Charset charset);

}  // namespace dbct::binlog

#endif  // DBCT_BINLOG_CHARSET_HPP
