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

namespace {

struct TypeRule {
  const char* data_type;
  ColumnType type;
};

constexpr TypeRule kTypeRules[] = {
    {"tinyint", ColumnType::kTiny},
    {"smallint", ColumnType::kShort},
    {"mediumint", ColumnType::kInt24},
    {"int", ColumnType::kLong},
    {"bigint", ColumnType::kLongLong},
    {"float", ColumnType::kFloat},
    {"double", ColumnType::kDouble},
    {"decimal", ColumnType::kNewDecimal},
    {"bit", ColumnType::kBit},
    {"date", ColumnType::kDate},
    {"time", ColumnType::kTime2},
    {"datetime", ColumnType::kDatetime2},
    {"timestamp", ColumnType::kTimestamp2},
    {"year", ColumnType::kYear},
    {"char", ColumnType::kString},
    {"binary", ColumnType::kString},
    {"varchar", ColumnType::kVarchar},
    {"varbinary", ColumnType::kVarchar},
    {"tinytext", ColumnType::kBlob},
    {"text", ColumnType::kBlob},
    {"mediumtext", ColumnType::kBlob},
    {"longtext", ColumnType::kBlob},
    {"tinyblob", ColumnType::kBlob},
    {"blob", ColumnType::kBlob},
    {"mediumblob", ColumnType::kBlob},
    {"longblob", ColumnType::kBlob},
    {"enum", ColumnType::kString},
    {"set", ColumnType::kString},
    {"json", ColumnType::kJson},
    {"geometry", ColumnType::kGeometry},
    {"point", ColumnType::kGeometry},
    {"linestring", ColumnType::kGeometry},
    {"polygon", ColumnType::kGeometry},
    {"multipoint", ColumnType::kGeometry},
    {"multilinestring", ColumnType::kGeometry},
    {"multipolygon", ColumnType::kGeometry},
    {"geometrycollection", ColumnType::kGeometry},
    {"geomcollection", ColumnType::kGeometry},
};

int64_t ToInt(const std::optional<std::string>& v) { return v ? std::stoll(*v) : 0; }

}  // namespace

TableMapEvent TableFromCatalog(MysqlConnection& c, const std::string& database,
                               const std::string& table) {
  const auto rows = c.Query(
      "SELECT c.COLUMN_NAME, c.DATA_TYPE, c.COLUMN_TYPE, c.IS_NULLABLE, c.COLUMN_KEY, co.ID, "
      "c.CHARACTER_OCTET_LENGTH, c.NUMERIC_PRECISION, c.NUMERIC_SCALE, c.DATETIME_PRECISION "
      "FROM information_schema.COLUMNS c LEFT JOIN information_schema.COLLATIONS co "
      "ON co.COLLATION_NAME = c.COLLATION_NAME "
      "WHERE c.TABLE_SCHEMA = " +
      c.Quote(database) + " AND c.TABLE_NAME = " + c.Quote(table) + " ORDER BY c.ORDINAL_POSITION");
  if (rows.empty()) {
    throw SourceError("table \"" + database + "." + table + "\" is not in the catalog", false);
  }
  TableMapEvent t;
  t.database = database;
  t.table = table;
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    ColumnInfo col;
    col.name = r[0].value_or("");
    const std::string data_type = r[1].value_or("");
    const std::string column_type = r[2].value_or("");
    bool known = false;
    for (const auto& rule : kTypeRules) {
      if (data_type == rule.data_type) {
        col.type = rule.type;
        known = true;
        break;
      }
    }
    if (!known) {
      throw SourceError("column \"" + col.name + "\" of table \"" + database + "." + table +
                            "\" has type " + data_type + ", which is not supported",
                        false);
    }
    col.real_type = col.type;
    if (data_type == "enum") col.real_type = ColumnType::kEnum;
    if (data_type == "set") col.real_type = ColumnType::kSet;
    col.nullable = r[3].value_or("YES") == "YES";
    col.is_unsigned = column_type.find("unsigned") != std::string::npos;
    col.collation = r[5] ? std::stol(*r[5]) : -1;
    if (!r[5] && (data_type == "binary" || data_type == "varbinary" ||
                  data_type.find("blob") != std::string::npos)) {
      col.collation = 63;
    }
    col.max_length = static_cast<uint32_t>(ToInt(r[6]));
    switch (col.type) {
      case ColumnType::kNewDecimal:
        col.precision = static_cast<uint8_t>(ToInt(r[7]));
        col.scale = static_cast<uint8_t>(ToInt(r[8]));
        break;
      case ColumnType::kBit:
        col.bits = static_cast<uint32_t>(ToInt(r[7]));
        break;
      case ColumnType::kTime2:
      case ColumnType::kDatetime2:
      case ColumnType::kTimestamp2:
        col.fsp = static_cast<uint8_t>(ToInt(r[9]));
        break;
      default:
        break;
    }
    if (col.real_type == ColumnType::kEnum || col.real_type == ColumnType::kSet) {
      col.enum_values = ParseEnumMembers(column_type);
    }
    if (data_type == "point") col.geometry_type = 1;
    if (r[4].value_or("") == "PRI") {
      col.in_primary_key = true;
      t.primary_key.push_back(static_cast<uint32_t>(i));
    }
    t.columns.push_back(std::move(col));
  }
  // Key order, not column order, as the table's PRIMARY index defines it.
  const auto key_rows =
      c.Query("SELECT COLUMN_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = " +
              c.Quote(database) + " AND TABLE_NAME = " + c.Quote(table) +
              " AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX");
  if (key_rows.size() == t.primary_key.size()) {
    t.primary_key.clear();
    for (const auto& k : key_rows) {
      for (size_t i = 0; i < t.columns.size(); ++i) {
        if (t.columns[i].name == k[0].value_or(""))
          t.primary_key.push_back(static_cast<uint32_t>(i));
      }
    }
  }
  t.has_names = t.has_signedness = t.has_charsets = t.has_enum_set_values = true;
  t.has_primary_key = true;
  return t;
}

std::vector<std::pair<std::string, std::string>> ListUserTables(MysqlConnection& c) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& r : c.Query("SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES "
                               "WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA NOT IN "
                               "('mysql', 'information_schema', 'performance_schema', 'sys') "
                               "ORDER BY TABLE_SCHEMA, TABLE_NAME")) {
    out.emplace_back(r[0].value_or(""), r[1].value_or(""));
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> IncludedTables(MysqlConnection& c,
                                                                const config::NameFilter& databases,
                                                                const config::NameFilter& tables) {
  std::vector<std::pair<std::string, std::string>> out;
  for (auto& [db, name] : ListUserTables(c)) {
    if (databases.Matches(db) && tables.Matches(db + "." + name)) out.emplace_back(db, name);
  }
  return out;
}

MetadataLock::MetadataLock(const MysqlSettings& settings,
                           const std::vector<std::pair<std::string, std::string>>& tables)
    : connection_(settings) {
  auto quote = [](const std::string& name) {
    std::string out = "`";
    for (char ch : name) {
      if (ch == '`') out.push_back('`');
      out.push_back(ch);
    }
    return out + "`";
  };
  // Behind a long transaction an ALTER waits, and new readers queue behind the ALTER: give up
  // (and retry the attempt) rather than wait for ever.
  connection_.Execute("SET SESSION lock_wait_timeout = 60");
  connection_.Execute("START TRANSACTION");
  for (const auto& [db, table] : tables) {
    connection_.Query("SELECT 1 FROM " + quote(db) + "." + quote(table) + " LIMIT 0");
  }
}

std::vector<std::string> ListUserViews(MysqlConnection& c) {
  std::vector<std::string> out;
  for (const auto& r : c.Query("SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES "
                               "WHERE TABLE_TYPE = 'VIEW' AND TABLE_SCHEMA NOT IN "
                               "('mysql', 'information_schema', 'performance_schema', 'sys') "
                               "ORDER BY TABLE_SCHEMA, TABLE_NAME")) {
    out.push_back(r[0].value_or("") + "." + r[1].value_or(""));
  }
  return out;
}

}  // namespace dbct::binlog
