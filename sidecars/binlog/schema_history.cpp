#include "schema_history.hpp"

#include <algorithm>
#include <cctype>

#include "catalog.hpp"

namespace dbct::binlog {

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

enum class TokenKind { kWord, kQuotedName, kString, kPunct, kEnd };

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;  // words lower-cased; names and strings unquoted
  std::string raw;   // words as written (identifiers keep their case)
};

// SQL tokens: words, `names`, 'strings' / "strings", single punctuation characters.
// Comments are skipped; the content of MySQL's executable comments /*! ... */ is kept.
std::vector<Token> Tokenize(std::string_view sql) {
  std::vector<Token> out;
  size_t i = 0;
  const size_t n = sql.size();
  while (i < n) {
    const char c = sql[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '#' || (c == '-' && i + 2 < n && sql[i + 1] == '-' &&
                            std::isspace(static_cast<unsigned char>(sql[i + 2])))) {
      while (i < n && sql[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < n && sql[i + 1] == '*') {
      if (i + 2 < n && sql[i + 2] == '!') {
        i += 3;
        while (i < n && std::isdigit(static_cast<unsigned char>(sql[i]))) ++i;
      } else {
        const size_t end = sql.find("*/", i + 2);
        i = end == std::string_view::npos ? n : end + 2;
      }
    } else if (c == '*' && i + 1 < n && sql[i + 1] == '/') {
      i += 2;  // end of an executable comment
    } else if (c == '`' || c == '\'' || c == '"') {
      Token t;
      t.kind = c == '`' ? TokenKind::kQuotedName : TokenKind::kString;
      ++i;
      while (i < n) {
        if (sql[i] == c && i + 1 < n && sql[i + 1] == c) {
          t.text.push_back(c);
          i += 2;
        } else if (sql[i] == c) {
          ++i;
          break;
        } else if (sql[i] == '\\' && c != '`' && i + 1 < n) {
          t.text.push_back(sql[i + 1]);
          i += 2;
        } else {
          t.text.push_back(sql[i++]);
        }
      }
      t.raw = t.text;
      out.push_back(std::move(t));
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' ||
               static_cast<unsigned char>(c) >= 0x80) {
      const size_t start = i;
      while (i < n && (std::isalnum(static_cast<unsigned char>(sql[i])) || sql[i] == '_' ||
                       sql[i] == '$' || static_cast<unsigned char>(sql[i]) >= 0x80)) {
        ++i;
      }
      Token t;
      t.kind = TokenKind::kWord;
      t.raw = std::string(sql.substr(start, i - start));
      t.text = Lower(t.raw);
      out.push_back(std::move(t));
    } else {
      Token t;
      t.kind = TokenKind::kPunct;
      t.text = std::string(1, c);
      t.raw = t.text;
      out.push_back(std::move(t));
      ++i;
    }
  }
  return out;
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  const Token& Peek(size_t ahead = 0) const {
    static const Token kEnd;
    return pos_ + ahead < tokens_.size() ? tokens_[pos_ + ahead] : kEnd;
  }
  bool AtEnd() const { return pos_ >= tokens_.size(); }
  const Token& Next() {
    const Token& t = Peek();
    if (!AtEnd()) ++pos_;
    return t;
  }
  bool Is(std::string_view word, size_t ahead = 0) const {
    const Token& t = Peek(ahead);
    return t.kind == TokenKind::kWord && t.text == word;
  }
  bool IsPunct(char c) const { return Peek().kind == TokenKind::kPunct && Peek().text[0] == c; }
  bool Accept(std::string_view word) {
    if (!Is(word)) return false;
    ++pos_;
    return true;
  }
  bool AcceptPunct(char c) {
    if (!IsPunct(c)) return false;
    ++pos_;
    return true;
  }
  // An identifier (bare word or `quoted`), as written.
  bool Name(std::string* out) {
    const Token& t = Peek();
    if (t.kind != TokenKind::kWord && t.kind != TokenKind::kQuotedName) return false;
    *out = t.raw;
    ++pos_;
    return true;
  }
  // [db.]table
  bool TableName(std::string_view default_db, std::string* db, std::string* table) {
    std::string first;
    if (!Name(&first)) return false;
    if (AcceptPunct('.')) {
      *db = first;
      return Name(table);
    }
    *db = std::string(default_db);
    *table = first;
    return true;
  }
  // Skips a balanced ( ... ) starting at '('.
  void SkipParens() {
    int depth = 0;
    while (!AtEnd()) {
      const Token& t = Next();
      if (t.kind != TokenKind::kPunct) continue;
      if (t.text[0] == '(') ++depth;
      if (t.text[0] == ')' && --depth == 0) return;
    }
  }
  // Skips to the next ',' at depth 0 (not consumed) or the end.
  void SkipToComma() {
    while (!AtEnd() && !IsPunct(',') && !IsPunct(';')) {
      if (IsPunct('(')) {
        SkipParens();
      } else {
        ++pos_;
      }
    }
  }
  // ( name [(len)] [ASC|DESC], ... )
  std::vector<std::string> NameList() {
    std::vector<std::string> names;
    if (!AcceptPunct('(')) return names;
    while (!AtEnd() && !AcceptPunct(')')) {
      std::string name;
      if (Name(&name)) {
        names.push_back(name);
        if (IsPunct('(')) SkipParens();
        Accept("asc") || Accept("desc");
      } else {
        ++pos_;
      }
      AcceptPunct(',');
    }
    return names;
  }

 private:
  std::vector<Token> tokens_;
  size_t pos_ = 0;
};

bool SameName(const std::string& a, const std::string& b) { return Lower(a) == Lower(b); }

const char* const kBinaryTypes[] = {"binary", "varbinary",  "tinyblob",
                                    "blob",   "mediumblob", "longblob"};
const char* const kTextTypes[] = {"char",       "varchar",   "tinytext", "text",
                                  "mediumtext", "longtext",  "enum",     "set",
                                  "json",       "character", "long"};
const char* const kOtherTypes[] = {"tinyint",
                                   "smallint",
                                   "mediumint",
                                   "int",
                                   "integer",
                                   "bigint",
                                   "float",
                                   "double",
                                   "real",
                                   "decimal",
                                   "numeric",
                                   "dec",
                                   "fixed",
                                   "bit",
                                   "bool",
                                   "boolean",
                                   "date",
                                   "time",
                                   "datetime",
                                   "timestamp",
                                   "year",
                                   "geometry",
                                   "point",
                                   "linestring",
                                   "polygon",
                                   "multipoint",
                                   "multilinestring",
                                   "multipolygon",
                                   "geometrycollection",
                                   "inet4",
                                   "inet6",
                                   "uuid",
                                   "serial"};

bool In(const std::string& word, const char* const* list, size_t n) {
  return std::find_if(list, list + n, [&](const char* w) { return word == w; }) != list + n;
}

enum class Place { kKeep, kFirst, kAfter };

}  // namespace

void SchemaHistory::SetCatalog(MysqlConnection& catalog) {
  const bool first = catalog_ == nullptr;
  catalog_ = &catalog;
  if (!first) return;
  for (const auto& r : catalog_->Query("SELECT ID, COLLATION_NAME, CHARACTER_SET_NAME, IS_DEFAULT "
                                       "FROM information_schema.COLLATIONS")) {
    if (r.size() < 4 || !r[0] || !r[1] || !r[2]) continue;
    const int64_t id = std::stoll(*r[0]);
    collation_ids_[Lower(*r[1])] = id;
    if (r[3] && Lower(*r[3]) == "yes") charset_defaults_[Lower(*r[2])] = id;
  }
}

int64_t SchemaHistory::CollationId(const std::string& name) const {
  std::string n = Lower(name);
  auto it = collation_ids_.find(n);
  if (it == collation_ids_.end() && n.rfind("utf8_", 0) == 0)
    it = collation_ids_.find("utf8mb3" + n.substr(4));
  return it == collation_ids_.end() ? -1 : it->second;
}

int64_t SchemaHistory::DefaultCollationOf(const std::string& charset) const {
  std::string n = Lower(charset);
  if (n == "utf8") n = "utf8mb3";
  auto it = charset_defaults_.find(n);
  return it == charset_defaults_.end() ? -1 : it->second;
}

void SchemaHistory::Load(const std::string& db, const std::string& table) {
  TableMapEvent t = TableFromCatalog(*catalog_, db, table);
  TableDef def;
  for (const auto& c : t.columns) {
    ColumnDef d;
    d.name = c.name;
    d.is_unsigned = c.is_unsigned;
    d.collation = c.collation;
    d.enum_values = c.enum_values;
    d.point = c.geometry_type == 1;
    def.columns.push_back(std::move(d));
  }
  for (uint32_t i : t.primary_key) def.primary_key.push_back(t.columns[i].name);
  const auto collation = catalog_->QueryValue(
      "SELECT TABLE_COLLATION FROM information_schema.TABLES WHERE TABLE_SCHEMA = " +
      catalog_->Quote(db) + " AND TABLE_NAME = " + catalog_->Quote(table));
  if (collation) def.default_collation = CollationId(*collation);
  Define(db, table, std::move(def));
}

void SchemaHistory::Define(const std::string& db, const std::string& table, TableDef def) {
  tables_[db + "." + table] = std::move(def);
}

void SchemaHistory::AddCollation(const std::string& name, const std::string& charset, int64_t id,
                                 bool is_default) {
  collation_ids_[Lower(name)] = id;
  if (is_default) charset_defaults_[Lower(charset)] = id;
}

const TableDef* SchemaHistory::Find(const std::string& db, const std::string& table) const {
  auto it = tables_.find(db + "." + table);
  return it == tables_.end() ? nullptr : &it->second;
}

void SchemaHistory::Fill(TableMapEvent& t) {
  const std::string key = t.database + "." + t.table;
  if (tables_.find(key) == tables_.end()) Load(t.database, t.table);
  const TableDef& def = tables_[key];
  const std::string name = "\"" + key + "\"";
  if (def.columns.size() != t.columns.size()) {
    throw SourceError(
        "table " + name + " has " + std::to_string(def.columns.size()) +
            " columns in the schema history but " + std::to_string(t.columns.size()) +
            " in the binlog (changed by a statement that was not understood, or before "
            "a restart); set binlog_row_metadata=FULL so events carry their own column names",
        false);
  }
  for (size_t i = 0; i < def.columns.size(); ++i) {
    ColumnInfo& col = t.columns[i];
    const ColumnDef& d = def.columns[i];
    if (!t.has_names) col.name = d.name;
    if (!t.has_signedness) col.is_unsigned = d.is_unsigned;
    if (!t.has_charsets && t.IsCharacter(i)) col.collation = d.collation < 0 ? 63 : d.collation;
    if (!t.has_enum_set_values && t.IsEnumOrSet(i)) col.enum_values = d.enum_values;
    if (col.type == ColumnType::kGeometry && d.point) col.geometry_type = 1;
  }
  if (!t.has_primary_key) {
    t.primary_key.clear();
    for (const auto& k : def.primary_key) {
      for (size_t i = 0; i < def.columns.size(); ++i) {
        if (SameName(def.columns[i].name, k)) {
          t.primary_key.push_back(static_cast<uint32_t>(i));
          t.columns[i].in_primary_key = true;
        }
      }
    }
  }
  t.has_names = t.has_signedness = t.has_charsets = t.has_enum_set_values = true;
  t.has_primary_key = true;
}

void SchemaHistory::Apply(std::string_view default_db, std::string_view statement) {
  Parser p(Tokenize(statement));
  std::string db;
  std::string table;

  if (p.Accept("rename")) {
    if (!p.Accept("table") && !p.Accept("tables")) return;
    do {
      std::string db2;
      std::string table2;
      if (!p.TableName(default_db, &db, &table) || !p.Accept("to") ||
          !p.TableName(default_db, &db2, &table2)) {
        return;
      }
      auto node = tables_.extract(db + "." + table);
      tables_.erase(db2 + "." + table2);
      if (!node.empty()) {
        node.key() = db2 + "." + table2;
        tables_.insert(std::move(node));
      }
    } while (p.AcceptPunct(','));
    return;
  }
  if (p.Accept("drop")) {
    if (p.Accept("temporary")) return;
    if (!p.Accept("table") && !p.Accept("tables")) return;
    if (p.Accept("if")) p.Accept("exists");
    do {
      if (!p.TableName(default_db, &db, &table)) return;
      tables_.erase(db + "." + table);
    } while (p.AcceptPunct(','));
    return;
  }
  if (p.Accept("create")) {
    if (p.Accept("or")) p.Accept("replace");
    if (p.Accept("temporary")) return;
    if (!p.Accept("table")) return;
    if (p.Accept("if")) {
      p.Accept("not");
      p.Accept("exists");
    }
    // Known only from the catalog, when first needed.
    if (p.TableName(default_db, &db, &table)) tables_.erase(db + "." + table);
    return;
  }
  if (!p.Accept("alter")) return;
  p.Accept("online");
  p.Accept("ignore");
  if (!p.Accept("table")) return;
  if (p.Accept("if")) p.Accept("exists");
  if (!p.TableName(default_db, &db, &table)) return;
  std::string key = db + "." + table;
  auto found = tables_.find(key);
  if (found == tables_.end()) return;  // not known yet: the catalog will tell when needed
  TableDef def = found->second;        // changed on a copy; a statement not understood forgets it

  auto forget = [&] { tables_.erase(key); };
  auto find_column = [&](const std::string& name) -> int {
    for (size_t i = 0; i < def.columns.size(); ++i) {
      if (SameName(def.columns[i].name, name)) return static_cast<int>(i);
    }
    return -1;
  };
  // A column definition after its name: type, arguments, attributes, FIRST / AFTER x.
  auto column_def = [&](ColumnDef* col, Place* place, std::string* after, bool* primary) {
    const Token& type_token = p.Next();
    if (type_token.kind != TokenKind::kWord) return false;
    const std::string type = type_token.text;
    const bool binary = In(type, kBinaryTypes, std::size(kBinaryTypes));
    const bool text = In(type, kTextTypes, std::size(kTextTypes));
    if (!binary && !text && !In(type, kOtherTypes, std::size(kOtherTypes))) return false;
    if (type == "long") p.Accept("varchar");  // LONG VARCHAR
    if (type == "character") p.Accept("varying");
    if (p.IsPunct('(')) {
      if (type == "enum" || type == "set") {
        p.Next();
        while (!p.AtEnd() && !p.AcceptPunct(')')) {
          const Token& t = p.Next();
          if (t.kind == TokenKind::kString) col->enum_values.push_back(t.text);
        }
      } else {
        p.SkipParens();
      }
    }
    col->point = type == "point";
    std::string charset;
    std::string collate;
    while (!p.AtEnd() && !p.IsPunct(',') && !p.IsPunct(';')) {
      if (p.IsPunct('(')) {
        p.SkipParens();
      } else if (p.Accept("unsigned")) {
        col->is_unsigned = true;
      } else if (p.Accept("zerofill")) {
        col->is_unsigned = true;
      } else if (p.Is("character") && p.Is("set", 1)) {
        p.Next();
        p.Next();
        charset = p.Next().text;
      } else if (p.Accept("charset")) {
        charset = p.Next().text;
      } else if (p.Accept("collate")) {
        collate = p.Next().text;
      } else if (p.Accept("primary")) {
        p.Accept("key");
        *primary = true;
      } else if (p.Accept("first")) {
        *place = Place::kFirst;
      } else if (p.Accept("after")) {
        *place = Place::kAfter;
        if (!p.Name(after)) return false;
      } else {
        p.Next();
      }
    }
    if (type == "serial") col->is_unsigned = true;
    if (binary) {
      col->collation = 63;
    } else if (type == "json") {
      col->collation = CollationId("utf8mb4_bin");
    } else if (text) {
      col->collation = !collate.empty()   ? CollationId(collate)
                       : !charset.empty() ? DefaultCollationOf(charset)
                                          : def.default_collation;
      if (col->collation < 0) return false;
    }
    return true;
  };
  auto place_column = [&](ColumnDef col, int index, Place place, const std::string& after) {
    if (index >= 0) def.columns.erase(def.columns.begin() + index);
    size_t at = index >= 0 ? static_cast<size_t>(index) : def.columns.size();
    if (place == Place::kFirst) at = 0;
    if (place == Place::kAfter) {
      const int a = find_column(after);
      if (a < 0) return false;
      at = static_cast<size_t>(a) + 1;
    }
    at = std::min(at, def.columns.size());
    def.columns.insert(def.columns.begin() + static_cast<long>(at), std::move(col));
    return true;
  };

  do {
    if (p.Accept("add")) {
      if (p.Is("primary") || (p.Is("constraint") && (p.Is("primary", 1) || p.Is("primary", 2)))) {
        while (!p.AtEnd() && !p.Accept("key")) p.Next();
        def.primary_key = p.NameList();
        p.SkipToComma();
        continue;
      }
      if (p.Is("index") || p.Is("key") || p.Is("unique") || p.Is("fulltext") || p.Is("spatial") ||
          p.Is("constraint") || p.Is("foreign") || p.Is("check") || p.Is("partition") ||
          p.Is("period") || p.Is("system")) {
        p.SkipToComma();
        continue;
      }
      p.Accept("column");
      if (p.Accept("if")) {
        p.Accept("not");
        p.Accept("exists");
      }
      if (p.IsPunct('(')) return forget();
      ColumnDef col;
      Place place = Place::kKeep;
      std::string after;
      bool primary = false;
      if (!p.Name(&col.name)) return forget();
      if (find_column(col.name) >= 0) {  // ADD COLUMN IF NOT EXISTS of an existing one
        p.SkipToComma();
        continue;
      }
      if (!column_def(&col, &place, &after, &primary)) return forget();
      if (primary) def.primary_key = {col.name};
      if (!place_column(std::move(col), -1, place, after)) return forget();
    } else if (p.Accept("drop")) {
      if (p.Accept("primary")) {
        p.Accept("key");
        def.primary_key.clear();
        continue;
      }
      if (p.Is("index") || p.Is("key") || p.Is("foreign") || p.Is("constraint") || p.Is("check") ||
          p.Is("partition") || p.Is("period") || p.Is("system")) {
        p.SkipToComma();
        continue;
      }
      p.Accept("column");
      if (p.Accept("if")) p.Accept("exists");
      std::string name;
      if (!p.Name(&name)) return forget();
      const int index = find_column(name);
      if (index >= 0) def.columns.erase(def.columns.begin() + index);
      auto& pk = def.primary_key;
      pk.erase(std::remove_if(pk.begin(), pk.end(),
                              [&](const std::string& k) { return SameName(k, name); }),
               pk.end());
      p.SkipToComma();
    } else if (p.Is("modify") || p.Is("change")) {
      const bool change = p.Next().text == "change";
      p.Accept("column");
      if (p.Accept("if")) p.Accept("exists");
      std::string old_name;
      if (!p.Name(&old_name)) return forget();
      ColumnDef col;
      col.name = old_name;
      if (change && !p.Name(&col.name)) return forget();
      Place place = Place::kKeep;
      std::string after;
      bool primary = false;
      const int index = find_column(old_name);
      if (index < 0) {
        p.SkipToComma();  // IF EXISTS of a missing column
        continue;
      }
      if (!column_def(&col, &place, &after, &primary)) return forget();
      for (auto& k : def.primary_key) {
        if (SameName(k, old_name)) k = col.name;
      }
      if (primary) def.primary_key = {col.name};
      if (!place_column(std::move(col), index, place, after)) return forget();
    } else if (p.Accept("rename")) {
      if (p.Accept("column")) {
        std::string from;
        std::string to;
        if (!p.Name(&from) || !p.Accept("to") || !p.Name(&to)) return forget();
        const int index = find_column(from);
        if (index < 0) return forget();
        def.columns[static_cast<size_t>(index)].name = to;
        for (auto& k : def.primary_key) {
          if (SameName(k, from)) k = to;
        }
      } else if (p.Is("index") || p.Is("key")) {
        p.SkipToComma();
      } else {
        if (!p.Accept("to")) p.Accept("as");
        std::string db2;
        std::string table2;
        if (!p.TableName(db, &db2, &table2)) return forget();
        tables_.erase(key);
        key = db2 + "." + table2;
      }
    } else if (p.Is("convert")) {
      return forget();  // every text column changes charset: ask the catalog
    } else if (p.Is("default") || p.Is("character") || p.Is("charset") || p.Is("collate")) {
      // Table default charset: later ADD COLUMNs without a charset get it.
      p.Accept("default");
      std::string charset;
      std::string collate;
      while (!p.AtEnd() && !p.IsPunct(',')) {
        if (p.Is("character") && p.Is("set", 1)) {
          p.Next();
          p.Next();
          p.AcceptPunct('=');
          charset = p.Next().text;
        } else if (p.Accept("charset")) {
          p.AcceptPunct('=');
          charset = p.Next().text;
        } else if (p.Accept("collate")) {
          p.AcceptPunct('=');
          collate = p.Next().text;
        } else {
          p.Next();
        }
      }
      const int64_t id = !collate.empty() ? CollationId(collate) : DefaultCollationOf(charset);
      if (id >= 0) def.default_collation = id;
    } else if (p.Is("alter") || p.Is("engine") || p.Is("auto_increment") || p.Is("comment") ||
               p.Is("row_format") || p.Is("algorithm") || p.Is("lock") || p.Is("force") ||
               p.Is("order") || p.Is("enable") || p.Is("disable") || p.Is("key_block_size") ||
               p.Is("stats_persistent") || p.Is("stats_auto_recalc") || p.Is("page_compressed") ||
               p.AtEnd()) {
      p.SkipToComma();
    } else {
      return forget();
    }
  } while (p.AcceptPunct(','));
  tables_[key] = std::move(def);
}

}  // namespace dbct::binlog
