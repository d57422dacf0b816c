#include "dbct/config/loader.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "dbct/config/duration.hpp"
#include "dbct/config/parameter_catalog.hpp"
#include "dbct/config/secrets.hpp"
#include "dbct/config/suggest.hpp"

namespace dbct::config {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxNameLength = 63;
constexpr int64_t kMaxReplicas = 5;  // JetStream's limit

struct Location {
  int line = 0;
  int column = 0;
};

std::string Join(const std::vector<std::string>& items, std::string_view separator = ", ") {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

// ---- one document -------------------------------------------------------------------------

class DocumentParser {
 public:
  DocumentParser(std::string file, int line_offset, const LoadOptions& options, Problems* problems)
      : file_(std::move(file)), line_offset_(line_offset), options_(options), problems_(problems) {}

  // The resource, or nullopt when it has any problem (all of them reported).
  std::optional<Resource> Parse(const YAML::Node& root);

 private:
  Location At(const YAML::Node& node) const {
    const YAML::Mark mark = node.Mark();
    if (mark.is_null()) return {};
    return {mark.line + 1 + line_offset_, mark.column + 1};
  }

  void Report(Location where, std::string message) {
    problems_->push_back(Problem{file_, where.line, where.column, name_, std::move(message)});
  }
  void Report(const YAML::Node& node, std::string message) { Report(At(node), std::move(message)); }

  // Reports keys of a mapping that are not in `fields` (with a suggestion) or appear twice.
  void CheckFields(const YAML::Node& map, std::string_view where,
                   const std::vector<std::string>& fields);
  // The text of a scalar field; reports and returns nullopt when it is not plain text.
  std::optional<std::string> Scalar(const YAML::Node& node, std::string_view what);
  // Text of a field under spec, with variables substituted.
  std::optional<std::string> Substituted(const YAML::Node& node, std::string_view what);

  void ParseVariables(const YAML::Node& node, std::vector<VariableDefinition>* definitions);
  void ParseParameters(const YAML::Node& node, Location key, std::optional<SourceType> type,
                       Resource* resource);
  void CheckParameterSet(Location at, SourceType type, const std::set<std::string>& given,
                         Resource* resource);
  // Where `key` is written in a mapping (problems about a missing part point there).
  Location KeyLocation(const YAML::Node& map, std::string_view key) const {
    for (auto it = map.begin(); it != map.end(); ++it) {
      if (it->first.IsScalar() && it->first.Scalar() == key) return At(it->first);
    }
    return At(map);
  }
  void ParseNats(const YAML::Node& node, NatsSettings* nats);
  void ParseStream(const YAML::Node& node, StreamSettings* stream);
  std::optional<int64_t> Integer(const YAML::Node& node, std::string_view what, int64_t min,
                                 int64_t max);
  std::optional<std::chrono::nanoseconds> Duration(const YAML::Node& node, std::string_view what);

  std::string file_;
  int line_offset_;
  const LoadOptions& options_;
  Problems* problems_;
  std::string name_;
  std::optional<VariableResolver> resolver_;
};

void DocumentParser::CheckFields(const YAML::Node& map, std::string_view where,
                                 const std::vector<std::string>& fields) {
  std::set<std::string> seen;
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (!it->first.IsScalar()) {
      Report(it->first, "field names in " + std::string(where) + " must be plain text");
      continue;
    }
    const std::string key = it->first.Scalar();
    if (!seen.insert(key).second) {
      Report(it->first,
             "field \"" + key + "\" appears twice in " + std::string(where) + "; keep only one");
      continue;
    }
    if (std::find(fields.begin(), fields.end(), key) != fields.end()) continue;
    std::string message = "unknown field \"" + key + "\" in " + std::string(where);
    if (auto close = ClosestMatch(key, fields)) {
      message += "; did you mean " + *close + "?";
    } else {
      message += "; the fields are " + Join(fields);
    }
    Report(it->first, std::move(message));
  }
}

std::optional<std::string> DocumentParser::Scalar(const YAML::Node& node, std::string_view what) {
  if (node.IsScalar()) return node.Scalar();
  if (node.IsNull()) {
    Report(node, std::string(what) + " has no value; give it a value or remove it");
  } else {
    Report(node, std::string(what) + " must be a single value (text, number or boolean), not a " +
                     (node.IsSequence() ? "list" : "mapping"));
  }
  return std::nullopt;
}

std::optional<std::string> DocumentParser::Substituted(const YAML::Node& node,
                                                       std::string_view what) {
  std::optional<std::string> text = Scalar(node, what);
  if (!text) return std::nullopt;
  const Location where = At(node);
  const std::size_t before = resolver_->errors().size();
  std::optional<std::string> value = resolver_->Expand(*text, what, where.line, where.column);
  for (std::size_t i = before; i < resolver_->errors().size(); ++i) {
    const SubstitutionError& error = resolver_->errors()[i];
    Report(Location{error.line, error.column}, error.message);
  }
  return value;
}

std::optional<Resource> DocumentParser::Parse(const YAML::Node& root) {
  const std::size_t first_problem = problems_->size();
  Resource resource;
  resource.file = file_;
  resource.line = At(root).line;

  if (!root.IsMap()) {
    Report(root, "a resource must be a mapping with apiVersion, kind, metadata and spec");
    return std::nullopt;
  }
  // The name first, so that every later problem can name the resource.
  const YAML::Node metadata = root["metadata"];
  if (metadata && metadata.IsMap() && metadata["name"] && metadata["name"].IsScalar()) {
    name_ = metadata["name"].Scalar();
  }
  const YAML::Node kind = root["kind"];
  if (!kind) {
    Report(root, "kind is missing; set it to " + std::string(kKind));
    return std::nullopt;
  }
  if (auto text = Scalar(kind, "kind")) {
    resource.kind = *text;
    if (*text != kKind) {
      // Another kind of document (in a directory of manifests): nothing else to check.
      Report(kind, "kind \"" + *text + "\" is not supported; use " + std::string(kKind));
      return std::nullopt;
    }
  }
  CheckFields(root, "the resource", {"apiVersion", "kind", "metadata", "spec", "status"});
  const YAML::Node api_version = root["apiVersion"];
  if (!api_version) {
    Report(root, "apiVersion is missing; set it to " + std::string(kApiVersion));
  } else if (auto text = Scalar(api_version, "apiVersion")) {
    resource.api_version = *text;
    if (*text != kApiVersion) {
      Report(api_version,
             "apiVersion \"" + *text + "\" is not supported; use " + std::string(kApiVersion));
    }
  }

  if (!metadata) {
    Report(root, "metadata is missing; give the resource a metadata.name");
  } else if (!metadata.IsMap()) {
    Report(metadata, "metadata must be a mapping with name and optional description");
  } else {
    CheckFields(metadata, "metadata", {"name", "description", "labels", "annotations"});
    const YAML::Node name = metadata["name"];
    if (!name) {
      Report(metadata, "metadata.name is missing; give the resource a name");
    } else if (auto text = Scalar(name, "metadata.name")) {
      resource.name = *text;
      const std::string error = CheckResourceName(*text);
      if (!error.empty()) Report(name, error);
    }
    if (const YAML::Node description = metadata["description"]) {
      if (auto text = Scalar(description, "metadata.description")) resource.description = *text;
    }
  }

  const YAML::Node spec = root["spec"];
  if (!spec) {
    Report(root, "spec is missing; give the resource a spec with type and parameters");
    return std::nullopt;
  }
  if (!spec.IsMap()) {
    Report(spec, "spec must be a mapping with type, parameters, variables and nats");
    return std::nullopt;
  }
  CheckFields(spec, "spec", {"type", "parameters", "variables", "nats"});

  std::vector<VariableDefinition> definitions;
  if (const YAML::Node variables = spec["variables"]) ParseVariables(variables, &definitions);
  resolver_.emplace(std::move(definitions), options_.env);
  resolver_->ResolveAll();
  for (const SubstitutionError& error : resolver_->errors()) {
    Report(Location{error.line, error.column}, error.message);
  }

  std::optional<SourceType> type;
  const YAML::Node type_node = spec["type"];
  if (!type_node) {
    Report(spec, "spec.type is missing; use one of postgres, mysql, sqlserver, oracle, mongodb");
  } else if (auto text = Substituted(type_node, "spec.type")) {
    type = ParseSourceType(*text);
    if (type) {
      resource.type = *type;
    } else {
      static const std::map<std::string, std::string> kOtherNames = {
          {"postgresql", "postgres"}, {"pg", "postgres"},          {"mariadb", "mysql"},
          {"mssql", "sqlserver"},     {"sql-server", "sqlserver"}, {"mongo", "mongodb"}};
      std::string message =
          "unknown type \"" + *text + "\"; use one of postgres, mysql, sqlserver, oracle, mongodb";
      std::string lower = *text;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      auto other = kOtherNames.find(lower);
      std::optional<std::string> close =
          other != kOtherNames.end()
              ? std::optional<std::string>(other->second)
              : ClosestMatch(*text, {"postgres", "mysql", "sqlserver", "oracle", "mongodb"});
      if (close) message += " (did you mean " + *close + "?)";
      Report(type_node, std::move(message));
    }
  }

  const YAML::Node parameters = spec["parameters"];
  if (!parameters) {
    if (type) Report(spec, "spec.parameters is missing; give the connection parameters");
  } else if (!parameters.IsMap()) {
    Report(parameters, "spec.parameters must be a mapping of parameter names to values");
  } else {
    ParseParameters(parameters, KeyLocation(spec, "parameters"), type, &resource);
  }

  const YAML::Node nats = spec["nats"];
  if (nats && !nats.IsNull()) {
    if (!nats.IsMap()) {
      Report(nats, "spec.nats must be a mapping");
    } else {
      ParseNats(nats, &resource.nats);
    }
  }
  // Defaults: the resource's own setting, then the caller's, then $NATS_URL, then loopback.
  if (resource.nats.url.empty()) resource.nats.url = options_.default_nats_url;
  if (resource.nats.url.empty() && options_.env) {
    resource.nats.url = options_.env("NATS_URL").value_or("");
  }
  if (resource.nats.url.empty()) resource.nats.url = std::string(kDefaultNatsUrl);
  if (resource.nats.credentials.empty() && resource.nats.user.empty() &&
      resource.nats.token.empty()) {
    resource.nats.credentials = options_.default_credentials;
  }

  resource.variables = resolver_->ResolvedValues();
  // Problems of a resource in line order (variables are checked before the parameters using them).
  std::stable_sort(problems_->begin() + static_cast<std::ptrdiff_t>(first_problem),
                   problems_->end(),
                   [](const Problem& a, const Problem& b) { return a.line < b.line; });
  if (problems_->size() != first_problem) return std::nullopt;
  return resource;
}

void DocumentParser::ParseVariables(const YAML::Node& node,
                                    std::vector<VariableDefinition>* definitions) {
  auto add = [&](const YAML::Node& key, const YAML::Node& value) {
    if (!key.IsScalar()) {
      Report(key, "variable names must be plain text");
      return;
    }
    const std::string name = key.Scalar();
    const std::string what = "variable \"" + name + "\"";
    if (name.empty() || name.rfind("sys:", 0) == 0 ||
        !std::all_of(name.begin(), name.end(),
                     [](char c) {
                       return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' ||
                              c == '.';
                     }) ||
        std::isdigit(static_cast<unsigned char>(name.front())) || name.front() == '-' ||
        name.front() == '.') {
      Report(key, "invalid variable name \"" + name +
                      "\"; use letters, digits, '_', '-' and '.', starting with a letter or '_'");
      return;
    }
    for (const VariableDefinition& existing : *definitions) {
      if (existing.name == name) {
        Report(key, what + " is defined twice; keep only one");
        return;
      }
    }
    std::optional<std::string> text = Scalar(value, what);
    if (!text) return;
    const Location where = At(value);
    definitions->push_back(VariableDefinition{name, *text, where.line, where.column});
  };

  if (node.IsNull()) return;
  if (node.IsMap()) {  // also accepted: a plain mapping of names to values
    for (auto it = node.begin(); it != node.end(); ++it) add(it->first, it->second);
    return;
  }
  if (!node.IsSequence()) {
    Report(node, "spec.variables must be a list of one-key mappings such as \"- dbHost: db1\"");
    return;
  }
  for (const YAML::Node& item : node) {
    if (!item.IsMap() || item.size() != 1) {
      Report(item,
             "each entry of spec.variables must be a one-key mapping such as "
             "\"- dbHost: db1\"");
      continue;
    }
    add(item.begin()->first, item.begin()->second);
  }
}

void DocumentParser::ParseParameters(const YAML::Node& node, Location key,
                                     std::optional<SourceType> type, Resource* resource) {
  std::set<std::string> given;
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (!it->first.IsScalar()) {
      Report(it->first, "parameter names must be plain text");
      continue;
    }
    const std::string name = it->first.Scalar();
    if (!given.insert(name).second) {
      Report(it->first, "parameter " + name + " is given twice; keep only one");
      continue;
    }
    const ParameterSpec* spec = nullptr;
    if (type) {
      if (std::optional<std::string> why = ExplainUnsupportedParameter(*type, name)) {
        Report(it->first, *why);
        continue;
      }
      spec = FindParameter(*type, name);
    }
    std::optional<std::string> value = Substituted(it->second, "parameter " + name);
    if (!value || !spec) continue;
    const std::string written = it->second.Scalar();
    if (std::optional<std::string> error = CheckParameterValue(*spec, &*value, written)) {
      Report(it->second, *error);
      continue;
    }
    resource->parameters.Set(name, std::move(*value));
  }
  if (type) CheckParameterSet(key, *type, given, resource);
}

void DocumentParser::CheckParameterSet(Location at, SourceType type,
                                       const std::set<std::string>& given, Resource* resource) {
  const std::string type_name(SourceTypeName(type));
  for (const ParameterSpec& spec : ParametersFor(type)) {
    if (!spec.required) continue;
    if (!given.count(spec.name)) {
      Report(at, "missing required parameter " + spec.name + " for type " + type_name);
    } else if (const std::string* value = resource->parameters.Find(spec.name);
               value && value->empty()) {
      Report(at, "parameter " + spec.name + " is empty; give it a value");
    }
  }
  if (type == SourceType::kSqlServer) {
    const bool dbname = given.count("databaseDbname") > 0;
    const bool names = given.count("databaseNames") > 0;
    if (!dbname && !names) {
      Report(at, "missing required parameter databaseDbname (or databaseNames) for type sqlserver");
    } else if (dbname && names) {
      Report(at, "give either databaseDbname or databaseNames, not both");
    }
  }
  // As in Debezium, an include list and an exclude list of the same kind exclude each other.
  for (const ParameterSpec& spec : ParametersFor(type)) {
    static constexpr std::string_view kInclude = "IncludeList";
    if (spec.kind != ParameterKind::kNameList || spec.name.size() <= kInclude.size() ||
        spec.name.compare(spec.name.size() - kInclude.size(), kInclude.size(), kInclude) != 0) {
      continue;
    }
    const std::string family = spec.name.substr(0, spec.name.size() - kInclude.size());
    if (given.count(spec.name) && given.count(family + "ExcludeList")) {
      Report(at, "parameters " + spec.name + " and " + family +
                     "ExcludeList cannot both be given; use one of them");
    }
  }
  for (const ParameterSpec& spec : ParametersFor(type)) {
    if (!spec.default_value.empty() && !given.count(spec.name)) {
      resource->parameters.Set(spec.name, spec.default_value);
    }
  }
}

std::optional<int64_t> DocumentParser::Integer(const YAML::Node& node, std::string_view what,
                                               int64_t min, int64_t max) {
  std::optional<std::string> text = Substituted(node, what);
  if (!text) return std::nullopt;
  int64_t number = 0;
  const char* end = text->data() + text->size();
  auto [ptr, error] = std::from_chars(text->data(), end, number);
  if (text->empty() || error != std::errc() || ptr != end || number < min || number > max) {
    // Show what the resource says: a value from the environment may be a secret.
    Report(node, std::string(what) + " must be an integer between " + std::to_string(min) +
                     " and " + std::to_string(max) + " (is \"" + node.Scalar() + "\")");
    return std::nullopt;
  }
  return number;
}

std::optional<std::chrono::nanoseconds> DocumentParser::Duration(const YAML::Node& node,
                                                                 std::string_view what) {
  std::optional<std::string> text = Substituted(node, what);
  if (!text) return std::nullopt;
  std::optional<std::chrono::nanoseconds> duration = ParseDuration(*text);
  if (!duration) {
    Report(node, std::string(what) + " must be a duration such as 0, 30s, 2m or 1h (is \"" +
                     node.Scalar() + "\")");
  }
  return duration;
}

void DocumentParser::ParseNats(const YAML::Node& node, NatsSettings* nats) {
  CheckFields(node, "spec.nats",
              {"url", "credentials", "user", "password", "token", "tls", "stream", "confirmDelay"});
  auto text = [&](const char* field, std::string* out) {
    if (const YAML::Node value = node[field]) {
      if (auto substituted = Substituted(value, std::string("nats.") + field)) {
        *out = std::move(*substituted);
      }
    }
  };
  text("url", &nats->url);
  text("credentials", &nats->credentials);
  text("user", &nats->user);
  text("password", &nats->password);
  text("token", &nats->token);

  if (node["url"] && !nats->url.empty()) {
    std::stringstream servers(nats->url);
    std::string server;
    while (std::getline(servers, server, ',')) {
      const std::size_t scheme_end = server.find("://");
      const std::string scheme =
          scheme_end == std::string::npos ? "" : server.substr(0, scheme_end);
      const bool known_scheme = scheme.empty() || scheme == "nats" || scheme == "tls" ||
                                scheme == "ws" || scheme == "wss";
      const bool blank = server.find_first_not_of(" \t") == std::string::npos;
      if (blank || !known_scheme || server.find_first_of(" \t") != std::string::npos) {
        Report(node["url"], "nats.url \"" + MaskUrlCredentials(nats->url) +
                                "\" is not a NATS URL; use nats://host:4222 (several separated "
                                "by commas)");
        break;
      }
    }
  }
  const int methods = !nats->credentials.empty() +
                      (!nats->user.empty() || !nats->password.empty()) + !nats->token.empty();
  if (methods > 1) {
    Report(node,
           "spec.nats gives more than one way to authenticate; use credentials, "
           "user/password or token");
  }
  if (!nats->password.empty() && nats->user.empty()) {
    Report(node, "nats.password needs nats.user");
  }

  if (const YAML::Node tls = node["tls"]; tls && !tls.IsNull()) {
    if (!tls.IsMap()) {
      Report(tls, "nats.tls must be a mapping with ca, cert and key");
    } else {
      CheckFields(tls, "nats.tls", {"ca", "cert", "key"});
      auto file = [&](const char* field, std::string* out) {
        if (const YAML::Node value = tls[field]) {
          if (auto substituted = Substituted(value, std::string("nats.tls.") + field)) {
            *out = std::move(*substituted);
          }
        }
      };
      file("ca", &nats->tls.ca);
      file("cert", &nats->tls.cert);
      file("key", &nats->tls.key);
      if (nats->tls.cert.empty() != nats->tls.key.empty()) {
        Report(tls, "nats.tls.cert and nats.tls.key go together; give both or neither");
      }
    }
  }
  if (const YAML::Node stream = node["stream"]; stream && !stream.IsNull()) {
    if (!stream.IsMap()) {
      Report(stream, "nats.stream must be a mapping");
    } else {
      ParseStream(stream, &nats->stream);
    }
  }
  if (const YAML::Node delay = node["confirmDelay"]) {
    if (auto duration = Duration(delay, "nats.confirmDelay")) nats->confirm_delay = *duration;
  }
}

void DocumentParser::ParseStream(const YAML::Node& node, StreamSettings* stream) {
  CheckFields(node, "nats.stream",
              {"maxMessages", "maxBytes", "maxAge", "storage", "replicas", "duplicateWindow"});
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  auto limit = [&](const char* field, int64_t* out) {
    const YAML::Node value = node[field];
    if (!value) return;
    const std::string what = std::string("nats.stream.") + field;
    if (auto number = Integer(value, what, -1, kMax)) {
      if (*number == 0) {
        Report(value, what + " must be -1 (no limit) or a positive number (is \"0\")");
      } else {
        *out = *number;
      }
    }
  };
  limit("maxMessages", &stream->max_messages);
  limit("maxBytes", &stream->max_bytes);
  if (const YAML::Node value = node["maxAge"]) {
    if (auto duration = Duration(value, "nats.stream.maxAge")) stream->max_age = *duration;
  }
  if (const YAML::Node value = node["storage"]) {
    if (auto text = Substituted(value, "nats.stream.storage")) {
      if (*text == "file") {
        stream->storage = StorageType::kFile;
      } else if (*text == "memory") {
        stream->storage = StorageType::kMemory;
      } else {
        Report(value, "nats.stream.storage must be file or memory (is \"" + value.Scalar() + "\")");
      }
    }
  }
  if (const YAML::Node value = node["replicas"]) {
    if (auto number = Integer(value, "nats.stream.replicas", 1, kMaxReplicas)) {
      stream->replicas = static_cast<int>(*number);
    }
  }
  if (const YAML::Node value = node["duplicateWindow"]) {
    if (auto duration = Duration(value, "nats.stream.duplicateWindow")) {
      stream->duplicate_window = *duration;
    }
  }
  if (stream->max_age.count() > 0 && stream->duplicate_window > stream->max_age) {
    Report(node, "nats.stream.duplicateWindow (" + FormatDuration(stream->duplicate_window) +
                     ") cannot be longer than maxAge (" + FormatDuration(stream->max_age) + ")");
  }
}

// ---- files --------------------------------------------------------------------------------

struct Chunk {
  std::string text;
  int line_offset = 0;  // lines before the chunk in its file
};

bool IsMarkerLine(std::string_view line, std::string_view marker) {
  if (line.substr(0, marker.size()) != marker) return false;
  return line.size() == marker.size() || line[marker.size()] == ' ' ||
         line[marker.size()] == '\t' || line[marker.size()] == '\r';
}

// Splits a file into its documents at "---" lines, so that a syntax error in one document does
// not hide the others and every line number stays that of the file.
std::vector<Chunk> SplitDocuments(std::string_view text) {
  std::vector<Chunk> chunks(1);
  int line_number = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string line(text.substr(pos, end - pos));
    if (IsMarkerLine(line, "---")) {
      chunks.push_back(Chunk{{}, line_number});
      line.replace(0, 3, "   ");  // keep what follows the marker, in its column
    } else if (IsMarkerLine(line, "...")) {
      line.clear();
    }
    chunks.back().text += line;
    chunks.back().text += '\n';
    ++line_number;
    pos = end + 1;
  }
  return chunks;
}

bool ReadFile(const std::string& path, std::string* text, std::string* error) {
  std::ifstream in;
  std::istream* stream = &std::cin;
  if (path != "-") {
    in.open(path, std::ios::binary);
    if (!in) {
      *error = std::strerror(errno);
      return false;
    }
    stream = &in;
  }
  std::ostringstream content;
  content << stream->rdbuf();
  if (stream->bad()) {
    *error = "read error";
    return false;
  }
  *text = content.str();
  return true;
}

void ParseText(std::string_view text, const std::string& file, const LoadOptions& options,
               LoadResult* result) {
  const std::size_t problems_before = result->problems.size();
  std::size_t documents = 0;
  for (const Chunk& chunk : SplitDocuments(text)) {
    YAML::Node root;
    try {
      root = YAML::Load(chunk.text);
    } catch (const YAML::ParserException& e) {
      const int line = e.mark.is_null() ? 0 : e.mark.line + 1 + chunk.line_offset;
      const int column = e.mark.is_null() ? 0 : e.mark.column + 1;
      result->problems.push_back(
          Problem{file, line, column, "", "malformed YAML: " + e.msg + "; fix the syntax"});
      ++documents;
      continue;
    } catch (const YAML::Exception& e) {
      result->problems.push_back(
          Problem{file, chunk.line_offset + 1, 0, "", "cannot read YAML: " + e.msg});
      ++documents;
      continue;
    }
    if (root.IsNull()) continue;  // empty document, e.g. after a trailing ---
    ++documents;
    try {
      DocumentParser parser(file, chunk.line_offset, options, &result->problems);
      if (std::optional<Resource> resource = parser.Parse(root)) {
        result->resources.push_back(std::move(*resource));
      }
    } catch (const YAML::Exception& e) {
      result->problems.push_back(
          Problem{file, chunk.line_offset + 1, 0, "", "cannot read resource: " + e.msg});
    }
  }
  if (documents == 0 && result->problems.size() == problems_before) {
    result->problems.push_back(
        Problem{file, 0, 0, "", "no DatabaseChangeTracking resource in this file"});
  }
}

bool IsYamlFile(const fs::path& path) {
  const std::string extension = path.extension().string();
  return extension == ".yaml" || extension == ".yml";
}

void CheckUnique(LoadResult* result) {
  std::map<std::string, const Resource*> by_name;
  std::map<std::string, const Resource*> by_server_name;
  std::vector<Resource> unique;
  for (Resource& resource : result->resources) {
    bool ok = true;
    auto [it, inserted] = by_name.emplace(resource.name, &resource);
    if (!inserted) {
      result->problems.push_back(Problem{
          resource.file, resource.line, 0, resource.name,
          "name \"" + resource.name + "\" is already used by the resource at " + it->second->file +
              ":" + std::to_string(it->second->line) + "; names must be unique"});
      ok = false;
    }
    if (resource.type == SourceType::kMySql) {
      const std::string server_name = resource.parameters.Get("databaseServerName");
      auto [server, fresh] = by_server_name.emplace(server_name, &resource);
      if (!fresh && ok) {
        result->problems.push_back(Problem{
            resource.file, resource.line, 0, resource.name,
            "databaseServerName \"" + server_name + "\" is already used by resource \"" +
                server->second->name + "\" (" + server->second->file + ":" +
                std::to_string(server->second->line) + "); each mysql resource needs its own"});
        ok = false;
      }
    }
    if (ok) unique.push_back(resource);
  }
  result->resources = std::move(unique);
}

}  // namespace

std::string CheckResourceName(std::string_view name) {
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  const std::string quoted = "\"" + std::string(name) + "\"";
  if (name.empty()) return "metadata.name is empty; give the resource a name";
  if (name.size() > kMaxNameLength) {
    return "metadata.name " + quoted + " is too long (" + std::to_string(name.size()) +
           " characters); use at most 63";
  }
  for (char c : name) {
    if (!alnum(c) && c != '-') {
      return "metadata.name " + quoted +
             " is not valid; use lower-case letters, digits and '-' (it becomes a NATS subject "
             "token and a stream name)";
    }
  }
  if (!alnum(name.front()) || !alnum(name.back())) {
    return "metadata.name " + quoted + " must start and end with a letter or digit";
  }
  return {};
}

LoadResult ParseResources(std::string_view text, std::string_view file_name,
                          const LoadOptions& options) {
  LoadResult result;
  ParseText(text, std::string(file_name), options, &result);
  CheckUnique(&result);
  return result;
}

LoadResult LoadResources(const std::vector<std::string>& paths, const LoadOptions& options) {
  LoadResult result;
  for (const std::string& path : paths) {
    std::vector<std::string> files;
    std::error_code error;
    if (path == "-") {
      files.push_back(path);
    } else if (fs::is_directory(path, error)) {
      for (const fs::directory_entry& entry : fs::directory_iterator(path, error)) {
        if (IsYamlFile(entry.path()) && entry.is_regular_file(error)) {
          files.push_back(entry.path().string());
        }
      }
      std::sort(files.begin(), files.end());
      if (files.empty()) {
        result.problems.push_back(
            Problem{path, 0, 0, "", "directory has no *.yaml or *.yml files"});
      }
    } else if (!fs::exists(path, error)) {
      result.problems.push_back(Problem{path, 0, 0, "", "no such file or directory"});
    } else {
      files.push_back(path);
    }
    for (const std::string& file : files) {
      std::string text;
      std::string read_error;
      if (!ReadFile(file, &text, &read_error)) {
        result.problems.push_back(Problem{file, 0, 0, "", "cannot read file: " + read_error});
        continue;
      }
      ParseText(text, file == "-" ? "<stdin>" : file, options, &result);
    }
  }
  CheckUnique(&result);
  return result;
}

}  // namespace dbct::config
