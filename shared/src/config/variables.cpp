#include "dbct/config/variables.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace dbct::config {
namespace {

constexpr std::string_view kOpen = "{{";
constexpr std::string_view kClose = "}}";
constexpr std::string_view kSysPrefix = "sys:";

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  return text;
}

bool IsNameStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }

// Variable names: letters, digits, '_', '-', '.'; environment names: letters, digits, '_'.
bool IsValidName(std::string_view name, bool environment) {
  if (name.empty() || !IsNameStart(name.front())) return false;
  return std::all_of(name.begin(), name.end(), [&](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
           (!environment && (c == '-' || c == '.'));
  });
}

}  // namespace

EnvLookup ProcessEnvironment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (!value) return std::nullopt;
    return std::string(value);
  };
}

VariableResolver::VariableResolver(std::vector<VariableDefinition> definitions, EnvLookup env)
    : env_(std::move(env)) {
  entries_.reserve(definitions.size());
  for (VariableDefinition& definition : definitions) {
    entries_.push_back(Entry{std::move(definition), State::kUnresolved, {}});
  }
}

void VariableResolver::ResolveAll() {
  for (std::size_t i = 0; i < entries_.size(); ++i) Resolve(i);
}

VariableResolver::Entry* VariableResolver::FindEntry(std::string_view name) {
  for (Entry& entry : entries_) {
    if (entry.definition.name == name) return &entry;
  }
  return nullptr;
}

std::optional<std::string> VariableResolver::Resolve(std::size_t index) {
  Entry& entry = entries_[index];
  if (entry.state == State::kResolved) return entry.value;
  if (entry.state == State::kFailed) return std::nullopt;
  entry.state = State::kResolving;
  resolving_.push_back(entry.definition.name);
  // Copy what Expand needs: resolving others never moves entries_, but keep it obvious.
  const VariableDefinition definition = entry.definition;
  std::optional<std::string> value =
      Expand(definition.value, "variable " + definition.name, definition.line, definition.column);
  resolving_.pop_back();
  Entry& done = entries_[index];
  if (!value) {
    done.state = State::kFailed;
    return std::nullopt;
  }
  done.state = State::kResolved;
  done.value = std::move(*value);
  return done.value;
}

std::optional<std::string> VariableResolver::Expand(std::string_view text, std::string_view what,
                                                    int line, int column) {
  std::string out;
  bool failed = false;
  auto fail = [&](std::string message) {
    errors_.push_back(SubstitutionError{line, column, std::move(message)});
    failed = true;
  };
  const std::string where(what);
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t open = text.find(kOpen, pos);
    if (open == std::string_view::npos) {
      out.append(text.substr(pos));
      break;
    }
    out.append(text.substr(pos, open - pos));
    const std::size_t close = text.find(kClose, open + kOpen.size());
    if (close == std::string_view::npos) {
      fail("unterminated \"{{\" in " + where + "; close the reference with \"}}\"");
      break;
    }
    const std::string_view reference = Trim(text.substr(open + 2, close - open - 2));
    pos = close + kClose.size();

    if (reference.substr(0, kSysPrefix.size()) == kSysPrefix) {
      const std::string name(Trim(reference.substr(kSysPrefix.size())));
      if (!IsValidName(name, true)) {
        fail("invalid environment variable reference \"{{" + std::string(reference) + "}}\" in " +
             where + "; use {{sys:NAME}} with a name of letters, digits and '_'");
        continue;
      }
      std::optional<std::string> value = env_ ? env_(name) : std::nullopt;
      if (!value && !missing_env_.insert(name).second) {
        failed = true;  // reported at its first use in this resource
        continue;
      }
      if (!value) {
        fail("environment variable \"" + name + "\" is not set (used as {{sys:" + name + "}} in " +
             where + "); set it or change the reference");
        continue;
      }
      out += *value;  // environment values are taken literally, never expanded again
      continue;
    }

    const std::string name(reference);
    if (!IsValidName(name, false)) {
      fail("invalid variable reference \"{{" + name + "}}\" in " + where +
           "; use {{name}} for a variable of spec.variables or {{sys:NAME}} for an environment "
           "variable");
      continue;
    }
    Entry* entry = FindEntry(name);
    if (!entry) {
      fail("variable \"" + name + "\" is not defined (used in " + where +
           "); define it under spec.variables or use {{sys:" + name +
           "}} for an environment variable");
      continue;
    }
    if (entry->state == State::kResolving) {
      auto first = std::find(resolving_.begin(), resolving_.end(), name);
      std::string path;
      for (auto it = first; it != resolving_.end(); ++it) path += "\"" + *it + "\" -> ";
      fail("variables form a cycle: " + path + "\"" + name + "\"; make one of them a plain value");
      continue;
    }
    std::optional<std::string> value = Resolve(static_cast<std::size_t>(entry - entries_.data()));
    if (!value) {
      failed = true;  // its own problem is already reported
      continue;
    }
    out += *value;
  }
  if (failed) return std::nullopt;
  return out;
}

std::vector<std::pair<std::string, std::string>> VariableResolver::ResolvedValues() const {
  std::vector<std::pair<std::string, std::string>> values;
  for (const Entry& entry : entries_) {
    if (entry.state == State::kResolved) values.emplace_back(entry.definition.name, entry.value);
  }
  return values;
}

}  // namespace dbct::config
