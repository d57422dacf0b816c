#include "dbct/config/parameter_catalog.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <set>

#include "dbct/config/name_filter.hpp"
#include "dbct/config/secrets.hpp"
#include "dbct/config/suggest.hpp"

namespace dbct::config {
namespace {

// ---- building the catalog -----------------------------------------------------------------

ParameterSpec Text(std::string name, bool required = false, std::string default_value = {}) {
  ParameterSpec spec;
  spec.name = std::move(name);
  spec.required = required;
  spec.default_value = std::move(default_value);
  return spec;
}

ParameterSpec Integer(std::string name, std::string default_value, int64_t min, int64_t max) {
  ParameterSpec spec = Text(std::move(name), false, std::move(default_value));
  spec.kind = ParameterKind::kInteger;
  spec.min = min;
  spec.max = max;
  return spec;
}

ParameterSpec Boolean(std::string name, std::string default_value) {
  ParameterSpec spec = Text(std::move(name), false, std::move(default_value));
  spec.kind = ParameterKind::kBoolean;
  return spec;
}

ParameterSpec Enum(std::string name, std::string default_value, std::vector<std::string> allowed,
                   std::vector<std::pair<std::string, std::string>> aliases = {},
                   std::vector<std::string> unsupported = {}) {
  ParameterSpec spec = Text(std::move(name), false, std::move(default_value));
  spec.kind = ParameterKind::kEnum;
  spec.allowed = std::move(allowed);
  spec.value_aliases = std::move(aliases);
  spec.unsupported_values = std::move(unsupported);
  return spec;
}

ParameterSpec NameList(std::string name) {
  ParameterSpec spec = Text(std::move(name));
  spec.kind = ParameterKind::kNameList;
  return spec;
}

constexpr int64_t kMaxPort = 65535;
constexpr int64_t kMaxServerId = 4294967295;  // MySQL server_id is an unsigned 32-bit value
constexpr int64_t kMaxInt32 = 2147483647;

// Snapshot modes: the values every connector shares, older spellings, and Debezium's modes
// that need Kafka-side machinery (schema history recovery) or plug-in classes.
ParameterSpec SnapshotMode(bool allow_never) {
  std::vector<std::pair<std::string, std::string>> aliases = {{"schema_only", "no_data"}};
  if (allow_never) aliases.emplace_back("never", "no_data");
  return Enum("snapshotMode", "initial",
              {"initial", "always", "initial_only", "no_data", "when_needed"}, std::move(aliases),
              {"recovery", "schema_only_recovery", "configuration_based", "custom",
               "when_needed_no_data", "exported"});
}

void AddHandlingModes(std::vector<ParameterSpec>* specs, std::string time_precision_default) {
  specs->push_back(Enum("decimalHandlingMode", "precise", {"precise", "double", "string"}));
  specs->push_back(Enum("timePrecisionMode", std::move(time_precision_default),
                        {"adaptive", "adaptive_time_microseconds", "connect"}, {},
                        {"isostring", "microseconds", "nanoseconds"}));
  specs->push_back(
      Enum("binaryHandlingMode", "bytes", {"bytes", "base64", "base64-url-safe", "hex"}));
}

// What the shared pipeline does for every type: heartbeats, transaction metadata, skipping.
void AddPipelineParameters(std::vector<ParameterSpec>* specs) {
  specs->push_back(Integer("heartbeatIntervalMs", "0", 0, kMaxInt32));
  specs->push_back(Boolean("provideTransactionMetadata", "false"));
  ParameterSpec skipped = Text("skippedOperations", false, "t");
  skipped.kind = ParameterKind::kOperations;
  specs->push_back(std::move(skipped));
}

void AddConnection(std::vector<ParameterSpec>* specs, const char* port) {
  specs->push_back(Text("databaseHostname", true));
  specs->push_back(Text("databaseUser", true));
  specs->push_back(Integer("databasePort", port, 1, kMaxPort));
  specs->push_back(Text("databasePassword"));
}

void AddLists(std::vector<ParameterSpec>* specs, std::initializer_list<const char*> families) {
  for (const char* family : families) {
    specs->push_back(NameList(std::string(family) + "IncludeList"));
    specs->push_back(NameList(std::string(family) + "ExcludeList"));
  }
}

std::vector<ParameterSpec> PostgresParameters() {
  std::vector<ParameterSpec> specs;
  AddConnection(&specs, "5432");
  specs.push_back(Text("databaseDbname", true));
  AddLists(&specs, {"schema", "table", "column", "messagePrefix"});
  specs.push_back(SnapshotMode(true));
  specs.push_back(Text("slotName"));
  specs.push_back(Enum(
      "pluginName", "dbchangetracking", {"dbchangetracking", "pgoutput"}, {},
      {"decoderbufs", "wal2json", "wal2json_streaming", "wal2json_rds", "wal2json_rds_streaming"}));
  specs.push_back(Text("publicationName"));
  AddPipelineParameters(&specs);
  AddHandlingModes(&specs, "adaptive");
  specs.push_back(Enum("intervalHandlingMode", "numeric", {"numeric", "string"}));
  specs.push_back(Text("unavailableValuePlaceholder", false, "__debezium_unavailable_value"));
  specs.push_back(Enum("databaseSslmode", "prefer",
                       {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}));
  specs.push_back(Text("databaseSslrootcert"));
  return specs;
}

std::vector<ParameterSpec> MySqlParameters() {
  std::vector<ParameterSpec> specs;
  AddConnection(&specs, "3306");
  specs.push_back(Text("databaseServerName", true));
  specs.push_back(Integer("databaseServerId", "", 1, kMaxServerId));
  AddLists(&specs, {"database", "table", "column"});
  specs.push_back(SnapshotMode(true));
  AddPipelineParameters(&specs);
  AddHandlingModes(&specs, "adaptive_time_microseconds");
  specs.push_back(Enum("bigintUnsignedHandlingMode", "long", {"long", "precise"}));
  specs.push_back(Enum("databaseSslMode", "preferred",
                       {"disabled", "preferred", "required", "verify_ca", "verify_identity"}));
  return specs;
}

std::vector<ParameterSpec> SqlServerParameters() {
  std::vector<ParameterSpec> specs;
  AddConnection(&specs, "1433");
  // One of these two is required; the loader checks the pair.
  specs.push_back(Text("databaseDbname"));
  specs.push_back(Text("databaseNames"));
  AddLists(&specs, {"table", "column"});
  specs.push_back(SnapshotMode(false));
  specs.push_back(Integer("pollIntervalMs", "500", 1, kMaxInt32));
  specs.push_back(Boolean("databaseEncrypt", "true"));
  specs.push_back(Boolean("databaseTrustServerCertificate", "false"));
  specs.push_back(Text("odbcDriver"));
  specs.push_back(Integer("streamingFetchSize", "2048", 1, kMaxInt32));  // change rows per page
  AddPipelineParameters(&specs);
  AddHandlingModes(&specs, "adaptive");
  return specs;
}

std::vector<ParameterSpec> OracleParameters() {
  std::vector<ParameterSpec> specs;
  AddConnection(&specs, "1521");
  specs.push_back(Text("databaseDbname", true));
  specs.push_back(Text("databasePdbName"));
  AddLists(&specs, {"schema", "table", "column"});
  specs.push_back(SnapshotMode(false));
  specs.push_back(Enum("logMiningStrategy", "online_catalog",
                       {"online_catalog", "redo_log_catalog"}, {},
                       {"hybrid", "dictionary_from_file"}));
  specs.push_back(Text("odbcDriver"));
  AddPipelineParameters(&specs);
  AddHandlingModes(&specs, "adaptive");
  specs.push_back(Enum("intervalHandlingMode", "numeric", {"numeric", "string"}));
  // LOB columns are the placeholder: LOB mining (lob.enabled=true) is not supported yet.
  specs.push_back(Enum("lobEnabled", "false", {"false"}, {}, {"true"}));
  specs.push_back(Text("unavailableValuePlaceholder", false, "__debezium_unavailable_value"));
  // dbct's own: memory for open transactions' rows before they spill to a temporary file.
  specs.push_back(Integer("logMiningBufferMemoryMb", "256", 1, 1 << 20));
  return specs;
}

std::vector<ParameterSpec> MongoDbParameters() {
  std::vector<ParameterSpec> specs;
  specs.push_back(Text("mongodbConnectionString", true));
  AddLists(&specs, {"database", "collection"});
  specs.push_back(
      Enum("captureMode", "change_streams_update_full",
           {"change_streams", "change_streams_update_full", "change_streams_with_pre_image",
            "change_streams_update_full_with_pre_image"}));
  specs.push_back(SnapshotMode(true));
  AddPipelineParameters(&specs);
  return specs;
}

std::vector<ParameterSpec> RequiredFirst(std::vector<ParameterSpec> specs) {
  std::stable_partition(specs.begin(), specs.end(),
                        [](const ParameterSpec& spec) { return spec.required; });
  return specs;
}

const std::vector<ParameterSpec>& Catalog(SourceType type) {
  static const std::map<SourceType, std::vector<ParameterSpec>> kCatalog = {
      {SourceType::kPostgres, RequiredFirst(PostgresParameters())},
      {SourceType::kMySql, RequiredFirst(MySqlParameters())},
      {SourceType::kSqlServer, RequiredFirst(SqlServerParameters())},
      {SourceType::kOracle, RequiredFirst(OracleParameters())},
      {SourceType::kMongoDb, RequiredFirst(MongoDbParameters())},
  };
  return kCatalog.at(type);
}

// ---- Debezium properties that exist but are not implemented --------------------------------

// Debezium's own property names (dotted), per connector, from its ConnectorConfig classes.
constexpr const char* kCommonProperties[] = {
    "topic.prefix",
    "tasks.max",
    "retriable.restart.connector.wait.ms",
    "tombstones.on.delete",
    "max.queue.size",
    "max.batch.size",
    "poll.interval.ms",
    "poll.dispatch.interval.ms",
    "max.queue.size.in.bytes",
    "queue.provider.type",
    "snapshot.delay.ms",
    "snapshot.fetch.size",
    "incremental.snapshot.chunk.size",
    "incremental.snapshot.allow.schema.changes",
    "snapshot.include.collection.list",
    "provide.transaction.metadata",
    "transaction.metadata.factory",
    "event.processing.failure.handling.mode",
    "converters",
    "post.processors",
    "skipped.operations",
    "skip.messages.without.change",
    "binary.handling.mode",
    "schema.name.adjustment.mode",
    "field.name.adjustment.mode",
    "query.fetch.size",
    "snapshot.max.threads",
    "snapshot.max.threads.multiplier",
    "signal.data.collection",
    "signal.poll.interval.ms",
    "signal.enabled.channels",
    "topic.naming.strategy",
    "notification.enabled.channels",
    "sourceinfo.struct.maker",
    "errors.max.retries",
    "errors.retry.delay.initial.ms",
    "errors.retry.delay.max.ms",
    "custom.metric.tags",
    "incremental.snapshot.watermarking.strategy",
    "snapshot.mode.custom.name",
    "event.converting.failure.handling.mode",
    "streaming.delay.ms",
    "snapshot.locking.mode.custom.name",
    "snapshot.query.mode",
    "snapshot.query.mode.custom.name",
    "connection.validation.timeout.ms",
    "executor.shutdown.timeout.ms",
    "extended.headers.enabled",
    "guardrail.collections.max",
    "guardrail.collections.limit.action",
    "heartbeat.interval.ms",
    "heartbeat.action.query",
    "heartbeat.topics.prefix",
    "transforms",
    "predicates",
    "key.converter",
    "value.converter",
    "header.converter",
    "connector.class",
    "name",
};

constexpr const char* kRelationalProperties[] = {
    "database.hostname",
    "database.port",
    "database.user",
    "database.password",
    "database.dbname",
    "database.query.timeout.ms",
    "table.include.list",
    "table.exclude.list",
    "table.ignore.builtin",
    "column.exclude.list",
    "column.include.list",
    "message.key.columns",
    "decimal.handling.mode",
    "snapshot.select.statement.overrides",
    "schema.include.list",
    "schema.exclude.list",
    "database.include.list",
    "database.exclude.list",
    "time.precision.mode",
    "snapshot.lock.timeout.ms",
    "include.schema.changes",
    "include.schema.comments",
    "column.propagate.source.type",
    "datatype.propagate.source.type",
    "unavailable.value.placeholder",
    "snapshot.tables.order.by.row.count",
    "schema.history.internal",
    "schema.history.internal.kafka.topic",
    "schema.history.internal.kafka.bootstrap.servers",
    "schema.history.internal.store.only.captured.tables.ddl",
    "database.initial.statements",
    "snapshot.mode",
    "snapshot.locking.mode",
    "snapshot.isolation.mode",
};

constexpr const char* kPostgresProperties[] = {
    "plugin.name",
    "slot.name",
    "slot.drop.on.stop",
    "slot.failover",
    "offset.mismatch.strategy",
    "publication.name",
    "publication.autocreate.mode",
    "replica.identity.autoset.values",
    "slot.stream.params",
    "slot.max.retries",
    "slot.retry.delay.ms",
    "database.sslmode",
    "database.sslcert",
    "database.sslkey",
    "database.sslpassword",
    "database.sslrootcert",
    "database.sslfactory",
    "database.tcpKeepAlive",
    "database.on.connect.statements",
    "message.prefix.exclude.list",
    "message.prefix.include.list",
    "hstore.handling.mode",
    "interval.handling.mode",
    "status.update.interval.ms",
    "lsn.flush.timeout.ms",
    "lsn.flush.timeout.action",
    "include.unknown.datatypes",
    "schema.refresh.mode",
    "xmin.fetch.interval.ms",
    "money.fraction.digits",
    "publish.via.partition.root",
    "flush.lsn.source",
    "lsn.flush.mode",
    "read.only",
};

constexpr const char* kMySqlProperties[] = {
    "database.server.id",
    "database.server.id.offset",
    "database.ssl.mode",
    "database.ssl.keystore",
    "database.ssl.keystore.password",
    "database.ssl.truststore",
    "database.ssl.truststore.password",
    "database.jdbc.driver",
    "database.protocol",
    "connect.timeout.ms",
    "connect.keep.alive",
    "connect.keep.alive.interval.ms",
    "use.nongraceful.disconnect",
    "binlog.net.write.timeout",
    "binlog.net.read.timeout",
    "min.row.count.to.stream.results",
    "binlog.buffer.size",
    "include.query",
    "bigint.unsigned.handling.mode",
    "event.deserialization.failure.handling.mode",
    "inconsistent.schema.handling.mode",
    "enable.time.adjuster",
    "read.only",
    "gtid.source.includes",
    "gtid.source.excludes",
    "gtid.source.filter.dml.events",
    "gtid.ignore.on.recovery",
    "ddl.parser.type",
    "database.server.name",
};

constexpr const char* kSqlServerProperties[] = {
    "database.instance",
    "database.names",
    "max.iteration.transactions",
    "incremental.snapshot.option.recompile",
    "data.query.mode",
    "streaming.fetch.size",
    "database.encrypt",
    "database.trustServerCertificate",
    "database.applicationIntent",
};

constexpr const char* kOracleProperties[] = {
    "database.pdb.name",
    "database.url",
    "database.connection.adapter",
    "rac.nodes",
    "interval.handling.mode",
    "log.mining.strategy",
    "log.mining.transaction.retention.ms",
    "log.mining.batch.size.min",
    "log.mining.batch.size.max",
    "log.mining.batch.size.default",
    "log.mining.sleep.time.min.ms",
    "log.mining.sleep.time.max.ms",
    "log.mining.sleep.time.default.ms",
    "log.mining.sleep.time.increment.ms",
    "log.mining.archive.log.only.mode",
    "log.mining.buffer.type",
    "log.mining.query.filter.mode",
    "log.mining.username.include.list",
    "log.mining.username.exclude.list",
    "log.mining.session.max.ms",
    "log.mining.restart.connection",
    "archive.destination.name",
    "archive.log.hours",
    "lob.enabled",
    "capture.mode",
    "xstream.out.server.name",
    "openlogreplicator.source",
    "openlogreplicator.host",
    "openlogreplicator.port",
};

constexpr const char* kMongoDbProperties[] = {
    "mongodb.connection.string",
    "mongodb.user",
    "mongodb.password",
    "mongodb.poll.interval.ms",
    "mongodb.ssl.enabled",
    "mongodb.ssl.invalid.hostname.allowed",
    "mongodb.connect.timeout.ms",
    "mongodb.authsource",
    "mongodb.server.selection.timeout.ms",
    "mongodb.socket.timeout.ms",
    "mongodb.heartbeat.frequency.ms",
    "mongodb.authentication.class",
    "database.include.list",
    "database.exclude.list",
    "collection.include.list",
    "collection.exclude.list",
    "filters.match.mode",
    "field.exclude.list",
    "field.renames",
    "capture.mode",
    "capture.mode.full.update.type",
    "json.serialization.mode",
    "capture.start.op.time",
    "capture.scope",
    "capture.target",
    "snapshot.mode",
    "snapshot.collection.filter.overrides",
    "cursor.max.await.time.ms",
    "cursor.pipeline",
    "cursor.pipeline.order",
    "cursor.oversize.handling.mode",
    "cursor.oversize.skip.threshold",
    "mongodb.hosts",
    "mongodb.name",
    "mongodb.members.auto.discover",
};

// Families of Debezium properties, by camelCased prefix, with why they do not apply.
struct Family {
  const char* prefix;
  const char* hint;
  std::optional<SourceType> only = std::nullopt;  // a family of one connector
};

constexpr Family kFamilies[] = {
    {"transforms",
     "single message transforms are a Kafka Connect feature; consume the events "
     "as they are or transform them in the consumer"},
    {"predicates", "single message transforms are a Kafka Connect feature"},
    {"converters",
     "custom converters are a Kafka Connect feature; values follow Debezium's "
     "type mappings and the handling modes"},
    {"keyConverter", "events are always JSON"},
    {"valueConverter", "events are always JSON"},
    {"headerConverter", "events are always JSON"},
    {"topic", "events go to the NATS subject dbchangetracking.<metadata.name>"},
    {"schemaHistoryInternal", "dbct keeps table schemas itself and needs no schema history"},
    {"databaseHistory", "dbct keeps table schemas itself and needs no schema history"},
    {"signal",
     "signal tables are not supported; start a new snapshot with "
     "dbchangetracking.snapshot() for postgres"},
    {"incrementalSnapshot", "incremental snapshots are not supported"},
    {"notification", "notifications are not supported; watch the status bucket instead"},
    {"errors", "retries are built in"},
    {"columnMask",
     "column masking is not supported; leave the column out with "
     "columnExcludeList"},
    {"columnTruncate", "column truncation is not supported"},
    {"messageKeyColumns", "the Dbct-Key header always carries the primary key"},
    {"tasksMax", "a tracking always runs as a single task"},
    {"logMining", "this LogMiner tuning property is not supported", SourceType::kOracle},
    {"mongodb", "put connection options in mongodbConnectionString", SourceType::kMongoDb},
    {"heartbeatActionQuery", "heartbeat action queries are not supported"},
    {"snapshotModeConfigurationBased", "configuration-based snapshot modes are not supported"},
};

// Debezium 1.x names that were renamed.
constexpr std::pair<const char*, const char*> kRenamed[] = {
    {"tableWhitelist", "tableIncludeList"},
    {"tableBlacklist", "tableExcludeList"},
    {"schemaWhitelist", "schemaIncludeList"},
    {"schemaBlacklist", "schemaExcludeList"},
    {"databaseWhitelist", "databaseIncludeList"},
    {"databaseBlacklist", "databaseExcludeList"},
    {"columnWhitelist", "columnIncludeList"},
    {"columnBlacklist", "columnExcludeList"},
    {"collectionWhitelist", "collectionIncludeList"},
    {"collectionBlacklist", "collectionExcludeList"},
    {"databaseHistoryKafkaTopic", ""},
    {"mongodbHosts", "mongodbConnectionString"},
    {"mongodbName", ""},
};

bool IsRelational(SourceType type) { return type != SourceType::kMongoDb; }

const std::set<std::string>& KnownDebeziumProperties(SourceType type) {
  static const std::map<SourceType, std::set<std::string>> kKnown = [] {
    std::map<SourceType, std::set<std::string>> known;
    for (SourceType t : kAllSourceTypes) {
      std::set<std::string>& names = known[t];
      auto add = [&](const auto& list) {
        for (const char* dotted : list) names.insert(DebeziumToCamelCase(dotted));
      };
      add(kCommonProperties);
      if (IsRelational(t)) add(kRelationalProperties);
      switch (t) {
        case SourceType::kPostgres:
          add(kPostgresProperties);
          break;
        case SourceType::kMySql:
          add(kMySqlProperties);
          break;
        case SourceType::kSqlServer:
          add(kSqlServerProperties);
          break;
        case SourceType::kOracle:
          add(kOracleProperties);
          break;
        case SourceType::kMongoDb:
          add(kMongoDbProperties);
          break;
      }
      // What we support is not "unsupported".
      for (const ParameterSpec& spec : Catalog(t)) names.erase(spec.name);
    }
    return known;
  }();
  return kKnown.at(type);
}

bool StartsWithWord(std::string_view name, std::string_view prefix) {
  if (name.size() < prefix.size() || name.substr(0, prefix.size()) != prefix) return false;
  return name.size() == prefix.size() ||
         std::isupper(static_cast<unsigned char>(name[prefix.size()]));
}

const Family* FindFamily(SourceType type, std::string_view name) {
  for (const Family& family : kFamilies) {
    if (family.only && *family.only != type) continue;
    if (StartsWithWord(name, family.prefix)) return &family;
  }
  return nullptr;
}

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::vector<std::string> SupportedNames(SourceType type) {
  std::vector<std::string> names;
  for (const ParameterSpec& spec : Catalog(type)) names.push_back(spec.name);
  return names;
}

std::string JoinValues(const std::vector<std::string>& values) {
  std::string out;
  for (const std::string& value : values) {
    if (!out.empty()) out += ", ";
    out += value;
  }
  return out;
}

// ---- value checks ------------------------------------------------------------------------

// How a value appears in messages: masked for secrets, else as written in the resource.
std::string Shown(const ParameterSpec& spec, const std::string& value, std::string_view written) {
  if (IsSecretName(spec.name)) return std::string(kSecretMask);
  return written.empty() ? value : std::string(written);
}

std::optional<std::string> CheckInteger(const ParameterSpec& spec, const std::string& value,
                                        std::string_view written) {
  int64_t number = 0;
  const char* end = value.data() + value.size();
  auto [ptr, error] = std::from_chars(value.data(), end, number);
  if (value.empty() || error != std::errc() || ptr != end || number < spec.min ||
      number > spec.max) {
    std::string range;
    if (spec.max == std::numeric_limits<int64_t>::max()) {
      range = "an integer of at least " + std::to_string(spec.min);
    } else {
      range = "an integer between " + std::to_string(spec.min) + " and " + std::to_string(spec.max);
    }
    return "parameter " + spec.name + " must be " + range + " (is \"" +
           Shown(spec, value, written) + "\")";
  }
  return std::nullopt;
}

std::optional<std::string> CheckEnum(const ParameterSpec& spec, std::string* value,
                                     std::string_view written) {
  const std::string lower = Lower(*value);
  for (const std::string& allowed : spec.allowed) {
    if (lower == Lower(allowed)) {
      *value = allowed;
      return std::nullopt;
    }
  }
  for (const auto& [alias, canonical] : spec.value_aliases) {
    if (lower == alias) {
      *value = canonical;
      return std::nullopt;
    }
  }
  if (std::find(spec.unsupported_values.begin(), spec.unsupported_values.end(), lower) !=
      spec.unsupported_values.end()) {
    return spec.name + " \"" + Shown(spec, lower, written) + "\" is not supported; use one of " +
           JoinValues(spec.allowed);
  }
  std::string message = "parameter " + spec.name + " must be one of " + JoinValues(spec.allowed) +
                        " (is \"" + Shown(spec, *value, written) + "\")";
  if (auto close = ClosestMatch(*value, spec.allowed)) message += "; did you mean " + *close + "?";
  return message;
}

std::optional<std::string> CheckOperations(const ParameterSpec& spec, std::string* value,
                                           std::string_view written) {
  const std::vector<std::string> items = SplitList(*value);
  if (items.size() == 1 && Lower(items[0]) == "none") {
    *value = "none";
    return std::nullopt;
  }
  if (items.empty()) {
    return "parameter " + spec.name + " must list operations among c, u, d, t, or be none";
  }
  std::string normalised;
  for (const std::string& item : items) {
    const std::string op = Lower(item);
    if (op != "c" && op != "u" && op != "d" && op != "t") {
      return "parameter " + spec.name + " has unknown operation \"" +
             (written.empty() ? item : std::string(written)) +
             "\"; use c, u, d and t separated by commas, or none";
    }
    if (normalised.find(op) != std::string::npos) continue;
    if (!normalised.empty()) normalised += ',';
    normalised += op;
  }
  *value = normalised;
  return std::nullopt;
}

bool IsSlotNameChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }

bool IsServerNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
}

std::optional<std::string> CheckText(const ParameterSpec& spec, const std::string& value,
                                     std::string_view written) {
  if (spec.name == "slotName" && (value.empty() || value.size() > 63 ||
                                  !std::all_of(value.begin(), value.end(), IsSlotNameChar))) {
    return "parameter slotName \"" + Shown(spec, value, written) +
           "\" is not a valid replication slot name; use 1-63 lower-case letters, digits and "
           "underscores";
  }
  if (spec.name == "databaseServerName" &&
      (value.empty() || !std::all_of(value.begin(), value.end(), IsServerNameChar))) {
    return "parameter databaseServerName \"" + Shown(spec, value, written) +
           "\" may hold only letters, digits, '.', '_' and '-'";
  }
  return std::nullopt;
}

}  // namespace

const std::vector<ParameterSpec>& ParametersFor(SourceType type) { return Catalog(type); }

const ParameterSpec* FindParameter(SourceType type, std::string_view name) {
  for (const ParameterSpec& spec : Catalog(type)) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

std::optional<std::string> CheckParameterValue(const ParameterSpec& spec, std::string* value,
                                               std::string_view written) {
  // Text that needed no substitution is shown as the value itself.
  if (written == *value) written = {};
  switch (spec.kind) {
    case ParameterKind::kString:
      return CheckText(spec, *value, written);
    case ParameterKind::kInteger:
      return CheckInteger(spec, *value, written);
    case ParameterKind::kBoolean: {
      const std::string lower = Lower(*value);
      if (lower != "true" && lower != "false") {
        return "parameter " + spec.name + " must be true or false (is \"" +
               Shown(spec, *value, written) + "\")";
      }
      *value = lower;
      return std::nullopt;
    }
    case ParameterKind::kEnum:
      return CheckEnum(spec, value, written);
    case ParameterKind::kNameList: {
      std::vector<std::regex> patterns;
      std::vector<std::string> items;
      std::string error;
      if (!CompileList(*value, &patterns, &items, &error)) {
        return "parameter " + spec.name + ": " + error +
               "; each comma-separated entry must be a regular expression";
      }
      return std::nullopt;
    }
    case ParameterKind::kOperations:
      return CheckOperations(spec, value, written);
  }
  return std::nullopt;
}

std::string DebeziumToCamelCase(std::string_view dotted) {
  std::string out;
  bool upper_next = false;
  for (char c : dotted) {
    if (c == '.' || c == '_') {
      upper_next = !out.empty();
      continue;
    }
    out += upper_next ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper_next = false;
  }
  return out;
}

bool IsUnsupportedDebeziumProperty(SourceType type, std::string_view name) {
  if (FindParameter(type, name)) return false;
  return KnownDebeziumProperties(type).count(std::string(name)) > 0 || FindFamily(type, name);
}

std::optional<std::string> ExplainUnsupportedParameter(SourceType type, std::string_view name) {
  if (FindParameter(type, name)) return std::nullopt;
  const std::string quoted = "\"" + std::string(name) + "\"";
  const std::string type_name(SourceTypeName(type));
  const std::vector<std::string> supported = SupportedNames(type);

  // A different capitalisation of a supported name.
  for (const std::string& candidate : supported) {
    if (Lower(candidate) == Lower(name)) {
      return "unknown parameter " + quoted + " for type " + type_name + "; did you mean " +
             candidate + "?";
    }
  }
  for (const auto& [old_name, new_name] : kRenamed) {
    if (name == old_name && *new_name && FindParameter(type, new_name)) {
      return "parameter " + quoted + " is Debezium's old name; use " + new_name;
    }
  }
  // Debezium's dotted spelling of a supported name.
  if (name.find('.') != std::string_view::npos) {
    const std::string camel = DebeziumToCamelCase(name);
    if (FindParameter(type, camel)) {
      return "unknown parameter " + quoted + "; parameter names are camelCased: did you mean " +
             camel + "?";
    }
  }
  if (name == "databaseServerName") {
    return "parameter \"databaseServerName\" does not apply to type " + type_name +
           "; source.name is metadata.name, so remove it";
  }
  // A parameter of other types.
  std::vector<std::string> owners;
  for (SourceType other : kAllSourceTypes) {
    if (other != type && FindParameter(other, name)) owners.emplace_back(SourceTypeName(other));
  }
  if (!owners.empty()) {
    std::string message = "parameter " + quoted + " does not apply to type " + type_name +
                          " (it is a parameter of " + JoinValues(owners) + ")";
    if (auto close = ClosestMatch(name, supported)) message += "; did you mean " + *close + "?";
    return message;
  }
  if (IsUnsupportedDebeziumProperty(type, name)) {
    std::string message =
        "parameter " + quoted + " is a Debezium property that dbct does not support; remove it";
    if (const Family* family = FindFamily(type, name))
      message += " (" + std::string(family->hint) + ")";
    return message;
  }
  std::string message = "unknown parameter " + quoted + " for type " + type_name;
  if (auto close = ClosestMatch(name, supported)) {
    message += "; did you mean " + *close + "?";
  } else {
    message += "; check its spelling (parameter names are Debezium's, camelCased)";
  }
  return message;
}

}  // namespace dbct::config
