#include "connection_string.hpp"

#include <algorithm>
#include <cctype>

namespace dbct::odbc {

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Splits into (key, raw value) pairs, honouring braced values.
std::vector<std::pair<std::string_view, std::string_view>> Split(std::string_view text) {
  std::vector<std::pair<std::string_view, std::string_view>> out;
  size_t i = 0;
  while (i < text.size()) {
    const size_t eq = text.find('=', i);
    if (eq == std::string_view::npos) break;
    std::string_view key = Trim(text.substr(i, eq - i));
    size_t j = eq + 1;
    size_t end;
    if (j < text.size() && text[j] == '{') {
      end = j + 1;
      while (end < text.size()) {
        if (text[end] == '}') {
          if (end + 1 < text.size() && text[end + 1] == '}') {
            end += 2;
            continue;
          }
          ++end;
          break;
        }
        ++end;
      }
    } else {
      end = text.find(';', j);
      if (end == std::string_view::npos) end = text.size();
    }
    out.emplace_back(key, text.substr(j, end - j));
    i = text.find(';', end);
    if (i == std::string_view::npos) break;
    ++i;
  }
  return out;
}

}  // namespace

ConnectionString& ConnectionString::Append(std::string_view key, std::string_view value, bool always_brace) {
  if (value.empty()) return *this;
  if (!text_.empty() && text_.back() != ';') text_.push_back(';');
  text_.append(key);
  text_.push_back('=');
  const bool brace = always_brace || value.find_first_of(";{}=") != std::string_view::npos ||
                     std::isspace(static_cast<unsigned char>(value.front())) ||
                     std::isspace(static_cast<unsigned char>(value.back()));
  if (!brace) {
    text_.append(value);
  } else {
    text_.push_back('{');
    for (char c : value) {
      text_.push_back(c);
      if (c == '}') text_.push_back('}');
    }
    text_.push_back('}');
  }
  text_.push_back(';');
  return *this;
}

DriverChoice ParseDriverChoice(std::string_view odbc_driver) {
  std::string_view v = Trim(odbc_driver);
  DriverChoice choice;
  const std::string lower = Lower(v);
  if (lower.rfind("dsn=", 0) == 0 && v.find(';') == std::string_view::npos) {
    choice.kind = DriverChoice::Kind::kDsn;
    choice.value = std::string(Trim(v.substr(4)));
  } else if (v.find('=') != std::string_view::npos) {
    choice.kind = DriverChoice::Kind::kConnectionString;
    choice.value = std::string(v);
  } else {
    if (v.size() >= 2 && v.front() == '{' && v.back() == '}') v = v.substr(1, v.size() - 2);
    choice.value = std::string(v);
  }
  return choice;
}

std::string RedactConnectionString(std::string_view text) {
  std::string out;
  for (const auto& [key, value] : Split(text)) {
    const std::string k = Lower(key);
    out.append(key);
    out.push_back('=');
    if (k == "pwd" || k == "password") {
      out.append("******");
    } else {
      out.append(value);
    }
    out.push_back(';');
  }
  return out;
}

bool HasKey(std::string_view text, std::string_view key) {
  const std::string wanted = Lower(key);
  for (const auto& kv : Split(text)) {
    if (Lower(kv.first) == wanted) return true;
  }
  return false;
}

std::string ConnectionStringFor(std::string_view odbc_driver, const std::string& user, const std::string& password,
                                const std::function<void(const DriverChoice&, ConnectionString&)>& add_keys) {
  const DriverChoice choice = ParseDriverChoice(odbc_driver);
  if (choice.kind == DriverChoice::Kind::kConnectionString) {
    std::string text = choice.value;
    ConnectionString extra;
    if (!HasKey(text, "UID")) extra.Add("UID", user);
    if (!HasKey(text, "PWD")) extra.Add("PWD", password);
    if (!text.empty() && text.back() != ';') text.push_back(';');
    return text + extra.str();
  }
  ConnectionString s;
  if (choice.kind == DriverChoice::Kind::kDsn) {
    s.Add("DSN", choice.value);
  } else {
    s.AddBraced("Driver", choice.value);
  }
  add_keys(choice, s);
  s.Add("UID", user).Add("PWD", password);
  return s.str();
}

}  // namespace dbct::odbc
