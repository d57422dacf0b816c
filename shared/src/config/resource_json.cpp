#include "dbct/config/resource_json.hpp"

#include "dbct/config/duration.hpp"
#include "dbct/config/secrets.hpp"

namespace dbct::config {

nlohmann::json ResourceToJson(const Resource& resource) {
  nlohmann::json parameters = nlohmann::json::object();
  for (const auto& [name, value] : resource.parameters)
    parameters[name] = DisplayValue(name, value);

  const NatsSettings& nats = resource.nats;
  nlohmann::json nats_json = {
      {"url", MaskUrlCredentials(nats.url)},
      {"stream",
       {{"name", resource.StreamName()},
        {"subject", resource.Subject()},
        {"maxMessages", nats.stream.max_messages},
        {"maxBytes", nats.stream.max_bytes},
        {"maxAge", FormatDuration(nats.stream.max_age)},
        {"storage", nats.stream.storage == StorageType::kFile ? "file" : "memory"},
        {"replicas", nats.stream.replicas},
        {"duplicateWindow", FormatDuration(nats.stream.duplicate_window)}}},
      {"confirmDelay", FormatDuration(nats.confirm_delay)},
  };
  if (!nats.credentials.empty()) nats_json["credentials"] = nats.credentials;  // a path
  if (!nats.user.empty()) nats_json["user"] = nats.user;
  if (!nats.password.empty()) nats_json["password"] = std::string(kSecretMask);
  if (!nats.token.empty()) nats_json["token"] = std::string(kSecretMask);
  if (!nats.tls.empty()) {
    nats_json["tls"] = {{"ca", nats.tls.ca}, {"cert", nats.tls.cert}, {"key", nats.tls.key}};
  }

  nlohmann::json json = {
      {"name", resource.name},
      {"type", std::string(SourceTypeName(resource.type))},
      {"file", resource.file},
      {"line", resource.line},
      {"sourceName", resource.SourceName()},
      {"parameters", std::move(parameters)},
      {"nats", std::move(nats_json)},
  };
  if (!resource.description.empty()) json["description"] = resource.description;
  return json;
}

nlohmann::json ProblemToJson(const Problem& problem) {
  nlohmann::json json = {{"file", problem.file}, {"message", problem.message}};
  if (problem.line > 0) json["line"] = problem.line;
  if (problem.column > 0) json["column"] = problem.column;
  if (!problem.resource.empty()) json["resource"] = problem.resource;
  return json;
}

}  // namespace dbct::config
