#include "schema_history.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include <nlohmann/json.hpp>

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

ColumnKind KindOf(const ColumnInfo& c) {
  switch (c.type) {
    case ColumnType::kDecimal:
    case ColumnType::kTiny:
    case ColumnType::kShort:
    case ColumnType::kLong:
    case ColumnType::kFloat:
    case ColumnType::kDouble:
    case ColumnType::kLongLong:
    case ColumnType::kInt24:
    case ColumnType::kNewDecimal:
      return ColumnKind::kNumeric;
    case ColumnType::kBit:
      return ColumnKind::kBit;
    case ColumnType::kTimestamp:
    case ColumnType::kDate:
    case ColumnType::kTime:
    case ColumnType::kDatetime:
    case ColumnType::kYear:
    case ColumnType::kNewDate:
    case ColumnType::kTimestamp2:
    case ColumnType::kDatetime2:
    case ColumnType::kTime2:
      return ColumnKind::kTemporal;
    case ColumnType::kEnum:
      return ColumnKind::kEnum;
    case ColumnType::kSet:
      return ColumnKind::kSet;
    case ColumnType::kString:
      if (c.real_type == ColumnType::kEnum) return ColumnKind::kEnum;
      if (c.real_type == ColumnType::kSet) return ColumnKind::kSet;
      return ColumnKind::kCharacter;
    case ColumnType::kVarchar:
    case ColumnType::kVarString:
    case ColumnType::kBlob:
    case ColumnType::kTinyBlob:
    case ColumnType::kMediumBlob:
    case ColumnType::kLongBlob:
    case ColumnType::kVarcharCompressed:
    case ColumnType::kBlobCompressed:
    case ColumnType::kJson:
      return ColumnKind::kCharacter;
    case ColumnType::kGeometry:
      return ColumnKind::kGeometry;
    default:
      return ColumnKind::kUnknown;
  }
}

ColumnKind KindOfSqlType(std::string_view word) {
  static const std::pair<const char*, ColumnKind> kKinds[] = {
      {"tinyint", ColumnKind::kNumeric},     {"smallint", ColumnKind::kNumeric},
      {"mediumint", ColumnKind::kNumeric},   {"int", ColumnKind::kNumeric},
      {"integer", ColumnKind::kNumeric},     {"bigint", ColumnKind::kNumeric},
      {"float", ColumnKind::kNumeric},       {"double", ColumnKind::kNumeric},
      {"real", ColumnKind::kNumeric},        {"decimal", ColumnKind::kNumeric},
      {"numeric", ColumnKind::kNumeric},     {"dec", ColumnKind::kNumeric},
      {"fixed", ColumnKind::kNumeric},       {"bool", ColumnKind::kNumeric},
      {"boolean", ColumnKind::kNumeric},     {"serial", ColumnKind::kNumeric},
      {"bit", ColumnKind::kBit},             {"date", ColumnKind::kTemporal},
      {"time", ColumnKind::kTemporal},       {"datetime", ColumnKind::kTemporal},
      {"timestamp", ColumnKind::kTemporal},  {"year", ColumnKind::kTemporal},
      {"char", ColumnKind::kCharacter},      {"varchar", ColumnKind::kCharacter},
      {"character", ColumnKind::kCharacter}, {"long", ColumnKind::kCharacter},
      {"tinytext", ColumnKind::kCharacter},  {"text", ColumnKind::kCharacter},
      {"mediumtext", ColumnKind::kCharacter}, {"longtext", ColumnKind::kCharacter},
      {"json", ColumnKind::kCharacter},      {"binary", ColumnKind::kCharacter},
      {"varbinary", ColumnKind::kCharacter}, {"tinyblob", ColumnKind::kCharacter},
      {"blob", ColumnKind::kCharacter},      {"mediumblob", ColumnKind::kCharacter},
      {"longblob", ColumnKind::kCharacter},  {"enum", ColumnKind::kEnum},
      {"set", ColumnKind::kSet},             {"geometry", ColumnKind::kGeometry},
      {"point", ColumnKind::kGeometry},      {"linestring", ColumnKind::kGeometry},
      {"polygon", ColumnKind::kGeometry},    {"multipoint", ColumnKind::kGeometry},
      {"multilinestring", ColumnKind::kGeometry}, {"multipolygon", ColumnKind::kGeometry},
      {"geometrycollection", ColumnKind::kGeometry},
  };
  for (const auto& [name, kind] : kKinds) {
    if (word == name) return kind;
  }
  return ColumnKind::kUnknown;  // inet4, inet6, uuid, ...: not compared
}

namespace {

constexpr std::pair<ColumnKind, const char*> kKindNames[] = {
    {ColumnKind::kUnknown, "unknown"},     {ColumnKind::kNumeric, "numeric"},
    {ColumnKind::kBit, "bit"},             {ColumnKind::kTemporal, "temporal"},
    {ColumnKind::kCharacter, "character"}, {ColumnKind::kEnum, "enum"},
    {ColumnKind::kSet, "set"},             {ColumnKind::kGeometry, "geometry"},
};

constexpr std::pair<HistoryEntryKind, const char*> kEntryKindNames[] = {
    {HistoryEntryKind::kCatalog, "catalog"},
    {HistoryEntryKind::kStatement, "ddl"},
    {HistoryEntryKind::kTable, "table"},
};

// -1 / 0 / 1 as `e` takes effect before / at / after the point (file, pos, phase); phase 0 is
// "before the event at pos" (catalog entries), 1 "with the event at pos".
int Compare(const HistoryEntry& e, const std::string& file, uint64_t pos, int phase) {
  if (int c = CompareBinlogFiles(e.file, file); c != 0) return c;
  if (e.pos != pos) return e.pos < pos ? -1 : 1;
  const int e_phase = e.kind == HistoryEntryKind::kCatalog ? 0 : 1;
  return e_phase == phase ? 0 : (e_phase < phase ? -1 : 1);
}

std::string Quoted(const std::string& key) { return "\"" + key + "\""; }

nlohmann::json TableToJson(const TableDef& t) {
  nlohmann::json columns = nlohmann::json::array();
  for (const auto& c : t.columns) {
    nlohmann::json col = {{"name", c.name}, {"kind", ColumnKindName(c.kind)}};
    if (c.is_unsigned) col["unsigned"] = true;
    if (c.collation >= 0) col["collation"] = c.collation;
    if (!c.enum_values.empty()) col["members"] = c.enum_values;
    if (c.point) col["point"] = true;
    columns.push_back(std::move(col));
  }
  nlohmann::json out = {{"columns", std::move(columns)}, {"primary_key", t.primary_key}};
  if (t.default_collation >= 0) out["default_collation"] = t.default_collation;
  return out;
}

TableDef TableFromJson(const nlohmann::json& j) {
  TableDef t;
  for (const auto& col : j.at("columns")) {
    ColumnDef c;
    c.name = col.at("name").get<std::string>();
    const auto kind = ParseColumnKind(col.value("kind", "unknown"));
    if (!kind) throw std::invalid_argument("unknown column kind " + col.value("kind", ""));
    c.kind = *kind;
    c.is_unsigned = col.value("unsigned", false);
    c.collation = col.value("collation", int64_t{-1});
    c.enum_values = col.value("members", std::vector<std::string>{});
    c.point = col.value("point", false);
    t.columns.push_back(std::move(c));
  }
  t.primary_key = j.value("primary_key", std::vector<std::string>{});
  t.default_collation = j.value("default_collation", int64_t{-1});
  return t;
}

}  // namespace

const char* ColumnKindName(ColumnKind kind) {
  for (const auto& [k, name] : kKindNames) {
    if (k == kind) return name;
  }
  return "unknown";
}

std::optional<ColumnKind> ParseColumnKind(std::string_view name) {
  for (const auto& [k, n] : kKindNames) {
    if (name == n) return k;
  }
  return std::nullopt;
}

const char* HistoryEntryKindName(HistoryEntryKind kind) {
  for (const auto& [k, name] : kEntryKindNames) {
    if (k == kind) return name;
  }
  return "ddl";
}

bool ColumnDef::operator==(const ColumnDef& o) const {
  return name == o.name && is_unsigned == o.is_unsigned && collation == o.collation &&
         enum_values == o.enum_values && point == o.point && kind == o.kind;
}

bool TableDef::operator==(const TableDef& o) const {
  return columns == o.columns && primary_key == o.primary_key &&
         default_collation == o.default_collation;
}

std::string HistoryEntry::Position() const { return file + ":" + std::to_string(pos); }

std::string HistoryEntryToJson(const HistoryEntry& e) {
  nlohmann::json tables = nlohmann::json::object();
  for (const auto& [key, def] : e.tables) tables[key] = def ? TableToJson(*def) : nlohmann::json();
  nlohmann::json j = {{"kind", HistoryEntryKindName(e.kind)},
                      {"file", e.file},
                      {"pos", e.pos},
                      {"tables", std::move(tables)}};
  if (!e.database.empty()) j["database"] = e.database;
  if (e.parts > 1) {
    j["part"] = e.part;
    j["parts"] = e.parts;
  }
  if (!e.statement.empty()) j["statement"] = e.statement;
  // Statements may hold any bytes: keep invalid UTF-8 rather than fail.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

HistoryEntry HistoryEntryFromJson(std::string_view text) {
  try {
    const auto j = nlohmann::json::parse(text);
    HistoryEntry e;
    const std::string kind = j.at("kind").get<std::string>();
    bool known = false;
    for (const auto& [k, name] : kEntryKindNames) {
      if (kind == name) {
        e.kind = k;
        known = true;
      }
    }
    if (!known) throw std::invalid_argument("unknown entry kind \"" + kind + "\"");
    e.file = j.at("file").get<std::string>();
    e.pos = j.at("pos").get<uint64_t>();
    e.database = j.value("database", "");
    e.statement = j.value("statement", "");
    e.part = j.value("part", 0);
    e.parts = j.value("parts", 1);
    for (const auto& [key, def] : j.at("tables").items()) {
      if (def.is_null()) {
        e.tables.emplace_back(key, std::nullopt);
      } else {
        e.tables.emplace_back(key, TableFromJson(def));
      }
    }
    return e;
  } catch (const std::exception& ex) {
    std::string shown(text.substr(0, 200));
    throw SourceError("schema history entry " + shown + " cannot be read (" + ex.what() +
                          "): was it written by another program?",
                      false);
  }
}

int CompareBinlogFiles(const std::string& a, const std::string& b) {
  // mariadb-bin.000009 < mariadb-bin.000010 < mariadb-bin.1000000
  auto split = [](const std::string& f, std::string* base, uint64_t* number) {
    const size_t dot = f.rfind('.');
    if (dot == std::string::npos || dot + 1 >= f.size() || f.size() - dot - 1 > 18) return false;
    for (size_t i = dot + 1; i < f.size(); ++i) {
      if (!std::isdigit(static_cast<unsigned char>(f[i]))) return false;
    }
    *base = f.substr(0, dot);
    *number = std::stoull(f.substr(dot + 1));
    return true;
  };
  std::string base_a;
  std::string base_b;
  uint64_t n_a = 0;
  uint64_t n_b = 0;
  if (split(a, &base_a, &n_a) && split(b, &base_b, &n_b) && base_a == base_b) {
    return n_a == n_b ? 0 : (n_a < n_b ? -1 : 1);
  }
  return a.compare(b) < 0 ? -1 : (a == b ? 0 : 1);
}

bool EntryBefore(const HistoryEntry& a, const HistoryEntry& b) {
  return Compare(a, b.file, b.pos, b.kind == HistoryEntryKind::kCatalog ? 0 : 1) < 0;
}

void SchemaHistory::SetCatalog(MysqlConnection& catalog) {
  catalog_ = &catalog;
  if (!collation_ids_.empty()) return;  // read once
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

TableDef SchemaHistory::FromCatalog(const std::string& db, const std::string& table) {
  if (catalog_ == nullptr) {
    throw SourceError("table " + Quoted(db + "." + table) +
                          " is not in the schema history and there is no catalog to read it from",
                      false);
  }
  TableMapEvent t = TableFromCatalog(*catalog_, db, table);
  TableDef def;
  for (const auto& c : t.columns) {
    ColumnDef d;
    d.name = c.name;
    d.is_unsigned = c.is_unsigned;
    d.collation = c.collation;
    d.enum_values = c.enum_values;
    d.point = c.geometry_type == 1;
    d.kind = KindOf(c);
    def.columns.push_back(std::move(d));
  }
  for (uint32_t i : t.primary_key) def.primary_key.push_back(t.columns[i].name);
  const auto collation = catalog_->QueryValue(
      "SELECT TABLE_COLLATION FROM information_schema.TABLES WHERE TABLE_SCHEMA = " +
      catalog_->Quote(db) + " AND TABLE_NAME = " + catalog_->Quote(table));
  if (collation) def.default_collation = CollationId(*collation);
  return def;
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

void SchemaHistory::SetLog(std::vector<HistoryEntry> entries) {
  log_ = std::move(entries);
  std::stable_sort(log_.begin(), log_.end(), EntryBefore);
  tables_.clear();
  applied_ = 0;
}

bool SchemaHistory::Covers(const std::string& file, uint64_t pos) const {
  for (size_t i = 0; i < log_.size(); ++i) {
    const HistoryEntry& e = log_[i];
    if (e.kind != HistoryEntryKind::kCatalog || e.part != 0 || Compare(e, file, pos, 0) > 0)
      continue;
    // Complete: parts 1..parts-1 of the same read follow it.
    int next = 1;
    for (size_t j = i + 1; j < log_.size() && next < e.parts; ++j) {
      const HistoryEntry& f = log_[j];
      if (f.kind == HistoryEntryKind::kCatalog && f.file == e.file && f.pos == e.pos &&
          f.part == next)
        ++next;
    }
    if (next >= e.parts) return true;
  }
  return false;
}

void SchemaHistory::ApplyEntry(const HistoryEntry& e) {
  if (e.kind == HistoryEntryKind::kCatalog && e.part == 0) tables_.clear();
  for (const auto& [key, def] : e.tables) {
    if (def) {
      tables_[key] = *def;
    } else {
      tables_.erase(key);
    }
  }
}

void SchemaHistory::RewindTo(const std::string& file, uint64_t pos) {
  tables_.clear();
  applied_ = 0;
  while (applied_ < log_.size() && Compare(log_[applied_], file, pos, 0) <= 0) {
    ApplyEntry(log_[applied_++]);
  }
}

bool SchemaHistory::Advance(const std::string& file, uint64_t pos) {
  bool here = false;
  while (applied_ < log_.size()) {
    const int c = Compare(log_[applied_], file, pos, 1);
    if (c > 0) break;
    here = here || c == 0;
    ApplyEntry(log_[applied_++]);
  }
  return here;
}

void SchemaHistory::Record(HistoryEntry entry) {
  if (persist_) persist_(entry);  // stored before anything decoded with it can be published
  auto at = std::upper_bound(log_.begin(), log_.end(), entry, EntryBefore);
  const size_t index = static_cast<size_t>(at - log_.begin());
  if (index <= applied_) {
    ApplyEntry(entry);
    ++applied_;
    log_.insert(at, std::move(entry));
    return;
  }
  // Entries before it not applied yet (Advance was not called up to here): catch up first.
  log_.insert(at, std::move(entry));
  while (applied_ <= index) ApplyEntry(log_[applied_++]);
}

void SchemaHistory::StartFromCatalog(const std::string& file, uint64_t pos,
                                     const std::vector<std::pair<std::string, std::string>>& tables) {
  HistoryEntry e;
  e.kind = HistoryEntryKind::kCatalog;
  e.file = file;
  e.pos = pos;
  std::vector<HistoryEntry> parts(1, e);
  size_t bytes = 0;
  for (const auto& [db, table] : tables) {
    TableDef def = FromCatalog(db, table);
    const size_t size = TableToJson(def).dump().size() + db.size() + table.size();
    if (bytes > 0 && bytes + size > kMaxCatalogEntryBytes) {
      parts.push_back(e);
      bytes = 0;
    }
    bytes += size;
    parts.back().tables.emplace_back(db + "." + table, std::move(def));
  }
  for (size_t i = 0; i < parts.size(); ++i) {
    parts[i].part = static_cast<int>(i);
    parts[i].parts = static_cast<int>(parts.size());
    Record(std::move(parts[i]));
  }
}

void SchemaHistory::Touch(const std::string& key) {
  if (touched_.count(key) != 0) return;
  auto it = tables_.find(key);
  touched_[key] = it == tables_.end() ? std::nullopt : std::optional<TableDef>(it->second);
}

void SchemaHistory::Apply(std::string_view default_db, std::string_view statement,
                          const std::string& file, uint64_t pos) {
  touched_.clear();
  ApplyStatement(default_db, statement);
  HistoryEntry e;
  e.kind = HistoryEntryKind::kStatement;
  e.file = file;
  e.pos = pos;
  e.database = std::string(default_db);
  e.statement = std::string(statement);
  for (auto& [key, before] : touched_) {
    auto it = tables_.find(key);
    std::optional<TableDef> after;
    if (it != tables_.end()) after = it->second;
    if (after.has_value() != before.has_value() || (after && *after != *before)) {
      e.tables.emplace_back(key, std::move(after));
    }
  }
  touched_.clear();
  if (!e.tables.empty()) Record(std::move(e));  // tables_ has it already: applying is a no-op
}

std::string SchemaHistory::Mismatch(const TableDef& def, const TableMapEvent& map) {
  if (def.columns.size() != map.columns.size()) {
    return "has " + std::to_string(def.columns.size()) + " columns in the schema history but " +
           std::to_string(map.columns.size()) + " in the binlog";
  }
  for (size_t i = 0; i < def.columns.size(); ++i) {
    const ColumnKind want = def.columns[i].kind;
    const ColumnKind got = KindOf(map.columns[i]);
    if (want == ColumnKind::kUnknown || got == ColumnKind::kUnknown || want == got) continue;
    const ColumnType shown = map.columns[i].real_type == ColumnType::kNull
                                 ? map.columns[i].type
                                 : map.columns[i].real_type;
    return "column " + std::to_string(i + 1) + " (\"" + def.columns[i].name + "\") is " +
           ColumnKindName(want) + " in the schema history but " + ColumnKindName(got) + " (" +
           ColumnTypeName(shown) + ") in the binlog";
  }
  return "";
}

void SchemaHistory::Fill(TableMapEvent& t, const std::string& file, uint64_t pos) {
  const std::string key = t.database + "." + t.table;
  const std::string where = file.empty() ? std::string() : " at " + file + ":" + std::to_string(pos);
  auto table_entry = [&](TableDef def) {
    HistoryEntry e;
    e.kind = HistoryEntryKind::kTable;
    e.file = file;
    e.pos = pos;
    e.tables.emplace_back(key, std::move(def));
    return e;
  };
  bool from_catalog = false;
  if (tables_.find(key) == tables_.end()) {
    Record(table_entry(FromCatalog(t.database, t.table)));
    from_catalog = true;
  }
  auto known = tables_.find(key);
  if (known == tables_.end()) {
    throw SourceError("table " + Quoted(key) + " is not in the schema history" + where, false);
  }
  std::string why = Mismatch(known->second, t);
  if (!why.empty() && !from_catalog && catalog_ != nullptr) {
    // A statement changed the table without the history noticing: the catalog may know.
    TableDef now = FromCatalog(t.database, t.table);
    if (Mismatch(now, t).empty()) {
      if (warn_) {
        warn_("table " + Quoted(key) + " " + why + where +
              ": the schema history missed a DDL statement; using the table as the catalog "
              "shows it now");
      }
      Record(table_entry(std::move(now)));
      why.clear();
    } else {
      why += ", and the catalog does not match it either";
    }
  } else if (!why.empty() && from_catalog) {
    why += " (the catalog shows the table as it is now, changed since that event)";
  }
  if (!why.empty()) {
    throw SourceError("table " + Quoted(key) + " " + why + where +
                          "; set binlog_row_metadata=FULL so events carry their own column names",
                      false);
  }
  const TableDef& def = tables_.at(key);
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

void SchemaHistory::ApplyStatement(std::string_view default_db, std::string_view statement) {
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
      Touch(db + "." + table);
      Touch(db2 + "." + table2);
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
      Touch(db + "." + table);
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
    if (p.TableName(default_db, &db, &table)) {
      Touch(db + "." + table);
      tables_.erase(db + "." + table);
    }
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

  auto forget = [&] {
    Touch(key);
    tables_.erase(key);
  };
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
    col->kind = KindOfSqlType(type);
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
        Touch(key);
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
  Touch(key);
  tables_[key] = std::move(def);
}

}  // namespace dbct::binlog
