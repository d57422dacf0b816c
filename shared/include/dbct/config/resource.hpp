// The DatabaseChangeTracking resource after parsing, variable substitution, checks and
// defaults (SPEC §2, §3). Everything here is final: consumers never re-validate.
#ifndef DBCT_CONFIG_RESOURCE_HPP
#define DBCT_CONFIG_RESOURCE_HPP

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dbct/config/source_type.hpp"

namespace dbct::config {

inline constexpr std::string_view kApiVersion = "weik.io/v1alpha1";
inline constexpr std::string_view kKind = "DatabaseChangeTracking";
inline constexpr std::string_view kDefaultNatsUrl = "nats://127.0.0.1:4222";

// Parameters in the order they were written, defaults appended after them.
class ParameterMap {
 public:
  using Item = std::pair<std::string, std::string>;

  // nullptr when the parameter is absent.
  const std::string* Find(std::string_view name) const;
  bool Contains(std::string_view name) const { return Find(name) != nullptr; }
  // The value, or fallback when absent.
  std::string Get(std::string_view name, std::string_view fallback = {}) const;
  // Replaces the value of an existing parameter or appends a new one.
  void Set(std::string name, std::string value);

  std::size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  std::vector<Item>::const_iterator begin() const { return items_.begin(); }
  std::vector<Item>::const_iterator end() const { return items_.end(); }

 private:
  std::vector<Item> items_;
};

struct TlsSettings {
  std::string ca;
  std::string cert;
  std::string key;
  bool empty() const { return ca.empty() && cert.empty() && key.empty(); }
};

enum class StorageType { kFile, kMemory };

// JetStream stream settings (SPEC §4): file storage, limits retention, discard old.
struct StreamSettings {
  int64_t max_messages = 512;
  int64_t max_bytes = -1;               // -1: unlimited
  std::chrono::nanoseconds max_age{0};  // 0: unlimited
  StorageType storage = StorageType::kFile;
  int replicas = 1;
  std::chrono::nanoseconds duplicate_window = std::chrono::minutes(2);
};

struct NatsSettings {
  std::string
      url;  // resource's own, else the loader's default, else $NATS_URL, else kDefaultNatsUrl
  std::string credentials;  // path of a .creds file
  std::string user;
  std::string password;
  std::string token;
  TlsSettings tls;
  StreamSettings stream;
  // How long the source's confirmed position stays behind JetStream's acknowledgements.
  std::chrono::nanoseconds confirm_delay{0};
};

struct Resource {
  std::string file;  // where it was read from
  int line = 0;      // 1-based line of the document's first key
  std::string api_version;
  std::string kind;
  std::string name;
  std::string description;
  SourceType type = SourceType::kPostgres;
  ParameterMap parameters;  // substituted, checked, normalised, defaults filled in
  // Resolved values, in order. They may hold secrets: never print them.
  std::vector<std::pair<std::string, std::string>> variables;
  NatsSettings nats;

  // The events' source.name: databaseServerName for mysql, metadata.name otherwise.
  std::string SourceName() const;
  // dbchangetracking-N-stream
  std::string StreamName() const;
  // dbchangetracking.N
  std::string Subject() const;

  // Typed reads of parameters that the loader has already checked; fallback when absent.
  std::string Parameter(std::string_view name, std::string_view fallback = {}) const {
    return parameters.Get(name, fallback);
  }
  bool BoolParameter(std::string_view name, bool fallback = false) const;
  int64_t IntParameter(std::string_view name, int64_t fallback = 0) const;
};

}  // namespace dbct::config

#endif  // DBCT_CONFIG_RESOURCE_HPP
