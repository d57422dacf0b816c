#include "catalog.hpp"

#include "charset.hpp"

namespace dbct::binlog {

namespace {

// 'a','b''c' -> {a, b'c}
std::vector<std::string> ParseEnumMembers(const std::string& column_type) {
  std::vector<std::string> members;
  const size_t open = column_type.find('(');
  if (open == std::string::npos) return members;
  std::string current;
  bool in_quote = false;
  for (size_t i = open + 1; i < column_type.size(); ++i) {
    const char c = column_type[i];
    if (in_quote) {
      if (c == '\'' && i + 1 < column_type.size() && column_type[i + 1] == '\'') {
        current.push_back('\'');
        ++i;
      } else if (c == '\'') {
        in_quote = false;
        members.push_back(current);
        current.clear();
      } else {
        current.push_back(c);
      }
    } else if (c == '\'') {
      in_quote = true;
    } else if (c == ')') {
      break;
    }
  }
  return members;
}

}  // namespace

void LoadCollations(MysqlConnection& connection) {
  for (const auto& row :
       connection.Query("SELECT ID, CHARACTER_SET_NAME FROM information_schema.COLLATIONS")) {
    if (row.size() < 2 || !row[0] || !row[1]) continue;
    CollationMap::Global().Add(static_cast<uint32_t>(std::stoul(*row[0])), *row[1]);
  }
}

void FillFromCatalog(MysqlConnection& c, TableMapEvent& t) {
  const auto rows = c.Query(
      "SELECT c.COLUMN_NAME, c.COLUMN_TYPE, c.COLUMN_KEY, co.ID "
      "FROM information_schema.COLUMNS c LEFT JOIN information_schema.COLLATIONS co "
      "ON co.COLLATION_NAME = c.COLLATION_NAME "
      "WHERE c.TABLE_SCHEMA = " + c.Quote(t.database) + " AND c.TABLE_NAME = " + c.Quote(t.table) +
      " ORDER BY c.ORDINAL_POSITION");
  const std::string name = "\"" + t.database + "." + t.table + "\"";
  if (rows.empty()) {
    throw SourceError("table " + name + " is in the binlog but no longer in the catalog, and "
                      "binlog_row_metadata is not FULL: its column names are unknown", false);
  }
  if (rows.size() != t.columns.size()) {
    throw SourceError("table " + name + " has " + std::to_string(rows.size()) +
                      " columns in the catalog but " + std::to_string(t.columns.size()) +
                      " in the binlog (changed since the event was written); set "
                      "binlog_row_metadata=FULL so events carry their own column names", false);
  }
  const bool fill_pk = !t.has_primary_key;
  for (size_t i = 0; i < rows.size(); ++i) {
    ColumnInfo& col = t.columns[i];
    const std::string type = rows[i][1].value_or("");
    if (!t.has_names) col.name = rows[i][0].value_or("");
    if (!t.has_signedness) col.is_unsigned = type.find("unsigned") != std::string::npos;
    if (!t.has_charsets && rows[i][3]) col.collation = std::stol(*rows[i][3]);
    if (!t.has_charsets && !rows[i][3] && t.IsCharacter(i)) col.collation = 63;  // binary types
    if (!t.has_enum_set_values && t.IsEnumOrSet(i)) col.enum_values = ParseEnumMembers(type);
    if (fill_pk && rows[i][2].value_or("") == "PRI") {
      col.in_primary_key = true;
      t.primary_key.push_back(static_cast<uint32_t>(i));
    }
    if (col.type == ColumnType::kGeometry && type == "point") col.geometry_type = 1;
  }
  t.has_names = t.has_signedness = t.has_charsets = t.has_enum_set_values = true;
  t.has_primary_key = true;
}

}  // namespace dbct::binlog
