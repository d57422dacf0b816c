#include "redo_parser.hpp"

#include <cctype>

#include "dbct/values/utf8.hpp"

namespace dbct::oracle {

namespace {

class Parser {
 public:
  explicit Parser(std::string_view sql) : s_(sql) {}

  ParsedRedo Parse() {
    ParsedRedo out;
    SkipSpace();
    if (Keyword("insert")) {
      Expect("into");
      out.op = RedoOp::kInsert;
      TableName(&out);
      Expect("(");
      std::vector<std::string> columns;
      do {
        columns.push_back(Identifier());
      } while (Accept(","));
      Expect(")");
      Expect("values");
      Expect("(");
      for (size_t i = 0; i < columns.size(); ++i) {
        if (i > 0) Expect(",");
        out.after.push_back({columns[i], Value()});
      }
      Expect(")");
    } else if (Keyword("update")) {
      out.op = RedoOp::kUpdate;
      TableName(&out);
      Expect("set");
      std::vector<ColumnValue> set;
      do {
        std::string column = Identifier();
        Expect("=");
        set.push_back({column, Value()});
      } while (Accept(","));
      if (Keyword("where")) Where(&out.before);
      out.after = out.before;
      for (auto& cv : set) {
        bool found = false;
        for (auto& a : out.after) {
          if (a.column == cv.column) {
            a.value = cv.value;
            found = true;
          }
        }
        if (!found) out.after.push_back(cv);
      }
    } else if (Keyword("delete")) {
      Expect("from");
      out.op = RedoOp::kDelete;
      TableName(&out);
      if (Keyword("where")) Where(&out.before);
    } else {
      Fail("insert, update or delete");
    }
    Accept(";");
    SkipSpace();
    if (pos_ != s_.size()) Fail("the end of the statement");
    return out;
  }

 private:
  [[noreturn]] void Fail(const std::string& expected) {
    const std::string_view near = s_.substr(pos_, 20);
    throw RedoParseError("SQL_REDO: expected " + expected + " at offset " + std::to_string(pos_) +
                         (near.empty() ? std::string(" (end of statement)") : " near \"" + std::string(near) + "\""));
  }

  void SkipSpace() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }

  bool Keyword(std::string_view word) {
    SkipSpace();
    if (pos_ + word.size() > s_.size()) return false;
    for (size_t i = 0; i < word.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(s_[pos_ + i])) != std::tolower(static_cast<unsigned char>(word[i]))) {
        return false;
      }
    }
    const size_t end = pos_ + word.size();
    if (std::isalpha(static_cast<unsigned char>(word[0])) && end < s_.size() &&
        (std::isalnum(static_cast<unsigned char>(s_[end])) || s_[end] == '_')) {
      return false;
    }
    pos_ = end;
    return true;
  }

  bool Accept(std::string_view token) { return Keyword(token); }

  void Expect(std::string_view token) {
    if (!Keyword(token)) Fail("\"" + std::string(token) + "\"");
  }

  std::string Identifier() {
    SkipSpace();
    if (pos_ < s_.size() && s_[pos_] == '"') {
      ++pos_;
      std::string out;
      while (pos_ < s_.size()) {
        if (s_[pos_] == '"') {
          if (pos_ + 1 < s_.size() && s_[pos_ + 1] == '"') {
            out.push_back('"');
            pos_ += 2;
            continue;
          }
          ++pos_;
          return out;
        }
        out.push_back(s_[pos_++]);
      }
      Fail("a closing '\"'");
    }
    const size_t start = pos_;
    while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_' ||
                                s_[pos_] == '$' || s_[pos_] == '#')) {
      ++pos_;
    }
    if (start == pos_) Fail("a column or table name");
    return std::string(s_.substr(start, pos_ - start));
  }

  void TableName(ParsedRedo* out) {
    std::string first = Identifier();
    if (Accept(".")) {
      out->schema = std::move(first);
      out->table = Identifier();
    } else {
      out->table = std::move(first);
    }
  }

  // 'text' [|| 'more']...
  std::string StringLiteral() {
    std::string out;
    for (;;) {
      SkipSpace();
      if (pos_ >= s_.size() || s_[pos_] != '\'') Fail("a string literal");
      ++pos_;
      for (;;) {
        if (pos_ >= s_.size()) Fail("a closing quote");
        if (s_[pos_] == '\'') {
          if (pos_ + 1 < s_.size() && s_[pos_ + 1] == '\'') {
            out.push_back('\'');
            pos_ += 2;
            continue;
          }
          ++pos_;
          break;
        }
        out.push_back(s_[pos_++]);
      }
      if (!Accept("||")) return out;
    }
  }

  // unistr('abc\00e4\d83d\de00'): \XXXX UTF-16 units, \\ a backslash.
  std::string Unistr(const std::string& raw) {
    std::string out;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '\\') {
        out.push_back(raw[i]);
        continue;
      }
      if (i + 1 < raw.size() && raw[i + 1] == '\\') {
        out.push_back('\\');
        ++i;
        continue;
      }
      auto unit = [&](size_t at) -> int {
        if (at + 4 > raw.size()) return -1;
        int v = 0;
        for (size_t k = at; k < at + 4; ++k) {
          const char c = raw[k];
          int d = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
                  : (c >= 'a' && c <= 'f')                    ? c - 'a' + 10
                  : (c >= 'A' && c <= 'F')                    ? c - 'A' + 10
                                                              : -1;
          if (d < 0) return -1;
          v = v * 16 + d;
        }
        return v;
      };
      int u = unit(i + 1);
      if (u < 0) Fail("a \\XXXX escape in unistr");
      i += 4;
      uint32_t cp = static_cast<uint32_t>(u);
      if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < raw.size() && raw[i + 1] == '\\') {
        const int low = unit(i + 2);
        if (low >= 0xDC00 && low <= 0xDFFF) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (static_cast<uint32_t>(low) - 0xDC00);
          i += 5;
        }
      }
      values::AppendUtf8CodePoint(out, cp);  // a lone surrogate becomes U+FFFD
    }
    return out;
  }

  std::string HexBytes(const std::string& hex) {
    if (hex.size() % 2 != 0) Fail("an even number of hex digits in HEXTORAW");
    std::string out;
    for (size_t i = 0; i < hex.size(); i += 2) {
      auto d = [&](char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        Fail("hex digits in HEXTORAW");
      };
      out.push_back(static_cast<char>(d(hex[i]) * 16 + d(hex[i + 1])));
    }
    return out;
  }

  // Skips ", 'format'" arguments up to the closing parenthesis.
  void RestOfCall() {
    while (Accept(",")) StringLiteral();
    Expect(")");
  }

  RedoValue Value() {
    SkipSpace();
    RedoValue v;
    if (pos_ >= s_.size()) Fail("a value");
    const char c = s_[pos_];
    if (c == '\'') {
      v.kind = RedoValue::Kind::kText;
      v.text = StringLiteral();
      return v;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '+' || c == '.') {
      const size_t start = pos_;
      ++pos_;
      while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '.' ||
                                  ((s_[pos_] == '+' || s_[pos_] == '-') && (s_[pos_ - 1] == 'E' || s_[pos_ - 1] == 'e')))) {
        ++pos_;
      }
      v.kind = RedoValue::Kind::kText;
      v.text = std::string(s_.substr(start, pos_ - start));
      return v;
    }
    if (Keyword("NULL") || Keyword("null")) return v;
    const std::string name = Identifier();
    std::string upper;
    for (char ch : name) upper.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(ch))));
    Expect("(");
    if (upper == "EMPTY_CLOB" || upper == "EMPTY_BLOB") {
      Expect(")");
      v.kind = RedoValue::Kind::kEmptyLob;
      return v;
    }
    static const char* kKnown[] = {"TO_DATE", "TO_TIMESTAMP", "TO_TIMESTAMP_TZ", "TO_YMINTERVAL", "TO_DSINTERVAL",
                                   "HEXTORAW", "UNISTR", "TO_BINARY_FLOAT", "TO_BINARY_DOUBLE", "TO_NUMBER"};
    bool known = false;
    for (const char* k : kKnown) known = known || upper == k;
    if (!known) Fail("a known function (not " + name + ")");
    const std::string arg = StringLiteral();
    if (upper == "TO_DATE") {
      v.kind = RedoValue::Kind::kDate;
    } else if (upper == "TO_TIMESTAMP") {
      v.kind = RedoValue::Kind::kTimestamp;
    } else if (upper == "TO_TIMESTAMP_TZ") {
      v.kind = RedoValue::Kind::kTimestampTz;
    } else if (upper == "TO_YMINTERVAL" || upper == "TO_DSINTERVAL") {
      v.kind = RedoValue::Kind::kInterval;
      v.year_month = upper == "TO_YMINTERVAL";
    } else if (upper == "HEXTORAW") {
      v.kind = RedoValue::Kind::kBytes;
      v.text = HexBytes(arg);
      RestOfCall();
      return v;
    } else if (upper == "UNISTR") {
      v.kind = RedoValue::Kind::kText;
      v.text = Unistr(arg);
      RestOfCall();
      return v;
    } else if (upper == "TO_BINARY_FLOAT" || upper == "TO_BINARY_DOUBLE" || upper == "TO_NUMBER") {
      v.kind = RedoValue::Kind::kText;
    } else {
      Fail("a known function (not " + name + ")");
    }
    v.text = arg;
    RestOfCall();
    return v;
  }

  // "A" = v and "B" IS NULL and ROWID = '...'
  void Where(std::vector<ColumnValue>* out) {
    do {
      std::string column = Identifier();
      if (Keyword("IS") || Keyword("is")) {
        Expect("NULL");
        out->push_back({column, RedoValue{}});
        continue;
      }
      Expect("=");
      RedoValue v = Value();
      if (column == "ROWID") continue;  // not a column
      out->push_back({column, v});
    } while (Keyword("and") || Keyword("AND"));
  }

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

ParsedRedo ParseRedo(std::string_view sql) { return Parser(sql).Parse(); }

}  // namespace dbct::oracle
