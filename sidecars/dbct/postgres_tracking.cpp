#include "postgres_tracking.hpp"

#include <algorithm>
#include <set>

#include "dbct/config/duration.hpp"
#include "dbct/config/name_filter.hpp"
#include "dbct/config/secrets.hpp"

namespace dbct::cli {
namespace {

constexpr const char* kExtension = "dbchangetracking";
constexpr const char* kConnectTimeoutSeconds = "10";

// Parameters that say how dbct reaches the database; inside the server they mean nothing, and
// the password must not be stored in the tracking's options.
const std::set<std::string> kConnectionParameters = {
    "databaseHostname", "databasePort",    "databaseUser",
    "databasePassword", "databaseSslmode", "databaseSslrootcert",
};

// The first line of a libpq message, without its trailing newline.
std::string FirstLine(const char* text) {
  std::string line = text == nullptr ? "" : text;
  if (auto end = line.find('\n'); end != std::string::npos) line.erase(end);
  return line;
}

// "<message> (<hint>)" from a failed result.
std::string ErrorText(const PGresult* result, PGconn* conn) {
  const char* primary = result ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string text = primary != nullptr ? primary : FirstLine(PQerrorMessage(conn));
  if (const char* hint = result ? PQresultErrorField(result, PG_DIAG_MESSAGE_HINT) : nullptr)
    text += std::string(" (") + hint + ")";
  return text;
}

std::string SqlState(const PGresult* result) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  return state == nullptr ? "" : state;
}

std::string Describe(PGconn* conn) {
  const char* host = PQhost(conn);
  const char* port = PQport(conn);
  std::string where = host != nullptr && *host != '\0' ? host : "localhost";
  if (!where.empty() && where[0] == '/') where = "socket " + where;
  if (port != nullptr && *port != '\0') where += std::string(":") + port;
  return "database \"" + std::string(PQdb(conn)) + "\" at " + where;
}

PgConnection::ResultPtr Run(PGconn* conn, const std::string& what, const std::string& sql,
                            const std::vector<std::optional<std::string>>& parameters,
                            std::string* sql_state = nullptr) {
  std::vector<const char*> values;
  values.reserve(parameters.size());
  for (const auto& p : parameters) values.push_back(p ? p->c_str() : nullptr);
  PgConnection::ResultPtr result(PQexecParams(conn, sql.c_str(), static_cast<int>(values.size()),
                                              nullptr, values.data(), nullptr, nullptr, 0));
  const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return result;
  if (sql_state != nullptr) *sql_state = SqlState(result.get());
  throw PostgresError(what + ": " + ErrorText(result.get(), conn));
}

std::string Quoted(PGconn* conn, const std::string& identifier) {
  char* escaped = PQescapeIdentifier(conn, identifier.c_str(), identifier.size());
  if (escaped == nullptr) return "\"" + identifier + "\"";
  std::string out = escaped;
  PQfreemem(escaped);
  return out;
}

int64_t Milliseconds(std::chrono::nanoseconds value) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(value).count();
}

}  // namespace

PgConnection PgConnection::ForResource(const config::Resource& resource) {
  const std::string host = resource.Parameter("databaseHostname");
  const std::string port = resource.Parameter("databasePort", "5432");
  const std::string dbname = resource.Parameter("databaseDbname");
  const std::string user = resource.Parameter("databaseUser");
  const std::string password = resource.Parameter("databasePassword");
  const std::string sslmode = resource.Parameter("databaseSslmode");
  const std::string sslrootcert = resource.Parameter("databaseSslrootcert");

  std::vector<const char*> keys = {
      "host", "port", "dbname", "user", "connect_timeout", "application_name"};
  std::vector<const char*> values = {host.c_str(), port.c_str(),           dbname.c_str(),
                                     user.c_str(), kConnectTimeoutSeconds, "dbct"};
  if (!password.empty()) {
    keys.push_back("password");
    values.push_back(password.c_str());
  }
  if (!sslmode.empty()) {
    keys.push_back("sslmode");
    values.push_back(sslmode.c_str());
  }
  if (!sslrootcert.empty()) {
    keys.push_back("sslrootcert");
    values.push_back(sslrootcert.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  PGconn* conn = PQconnectdbParams(keys.data(), values.data(), 0);
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
    std::string reason = conn ? FirstLine(PQerrorMessage(conn)) : "out of memory";
    PQfinish(conn);
    // libpq's message may end in "FATAL:  ..." text with two spaces; keep it as it is.
    throw PostgresError("could not connect to database \"" + dbname + "\" at " + host + ":" + port +
                        " as \"" + user + "\": " + reason);
  }
  return PgConnection(conn, Describe(conn));
}

PgConnection PgConnection::ForConninfo(const std::string& conninfo) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
    std::string reason = conn ? FirstLine(PQerrorMessage(conn)) : "out of memory";
    PQfinish(conn);
    throw PostgresError(
        "could not connect to PostgreSQL" +
        (conninfo.empty() ? std::string(" with the PG* environment defaults") : std::string()) +
        ": " + reason);
  }
  return PgConnection(conn, Describe(conn));
}

PgConnection::ResultPtr PgConnection::Execute(
    const std::string& what, const std::string& sql,
    const std::vector<std::optional<std::string>>& parameters) const {
  return Run(conn_.get(), what, sql, parameters);
}

void CheckExtension(const PgConnection& pg) {
  auto result =
      pg.Execute("could not look for extension \"dbchangetracking\" in " + pg.description(),
                 "SELECT extversion FROM pg_catalog.pg_extension WHERE extname = $1",
                 {std::string(kExtension)});
  if (PQntuples(result.get()) == 1) return;
  throw PostgresError("extension \"dbchangetracking\" is not installed in database \"" +
                      pg.database() + "\": run CREATE EXTENSION dbchangetracking");
}

std::vector<SelectedTable> SelectTables(const PgConnection& pg, const config::Resource& resource) {
  std::string error;
  const auto schemas = config::NameFilter::Create(resource.Parameter("schemaIncludeList"),
                                                  resource.Parameter("schemaExcludeList"), &error);
  const auto tables =
      schemas ? config::NameFilter::Create(resource.Parameter("tableIncludeList"),
                                           resource.Parameter("tableExcludeList"), &error)
              : std::nullopt;
  if (!schemas || !tables) throw PostgresError("resource \"" + resource.name + "\": " + error);

  // Ordinary and partitioned tables outside the system schemas; partitions are tracked through
  // their parent.
  auto result =
      pg.Execute("could not list the tables of " + pg.description(),
                 "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c "
                 "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                 "WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition "
                 "AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'dbchangetracking') "
                 "AND n.nspname NOT LIKE 'pg\\_%' ORDER BY 1, 2");
  std::vector<SelectedTable> selected;
  for (int row = 0; row < PQntuples(result.get()); row++) {
    const std::string schema = PQgetvalue(result.get(), row, 0);
    const std::string table = PQgetvalue(result.get(), row, 1);
    if (!schemas->Matches(schema) || !tables->Matches(schema + "." + table)) continue;
    selected.push_back(
        {schema + "." + table, Quoted(pg.get(), schema) + "." + Quoted(pg.get(), table)});
  }
  if (selected.empty()) {
    std::string lists;
    for (const char* name :
         {"schemaIncludeList", "schemaExcludeList", "tableIncludeList", "tableExcludeList"}) {
      const std::string value = resource.Parameter(name);
      if (!value.empty())
        lists += std::string(lists.empty() ? "" : ", ") + name + " \"" + value + "\"";
    }
    throw PostgresError("resource \"" + resource.name + "\": no table in " + pg.description() +
                        " matches " + (lists.empty() ? std::string("(no lists given)") : lists) +
                        "; create the tables or correct the lists");
  }
  return selected;
}

nlohmann::json TrackingOptions(const config::Resource& resource) {
  nlohmann::json options = nlohmann::json::object();
  for (const auto& [name, value] : resource.parameters) {
    if (kConnectionParameters.count(name) != 0) continue;
    options[name] = value;
  }
  const config::NatsSettings& nats = resource.nats;
  nlohmann::json out = nlohmann::json::object();
  // The built-in loopback default is left to the server's dbchangetracking.nats_url setting.
  if (!nats.url.empty() && nats.url != config::kDefaultNatsUrl) out["url"] = nats.url;
  if (!nats.credentials.empty()) out["credentials"] = nats.credentials;
  if (!nats.user.empty()) out["user"] = nats.user;
  if (!nats.password.empty()) out["password"] = nats.password;
  if (!nats.token.empty()) out["token"] = nats.token;
  if (!nats.tls.empty()) {
    nlohmann::json tls = nlohmann::json::object();
    if (!nats.tls.ca.empty()) tls["ca"] = nats.tls.ca;
    if (!nats.tls.cert.empty()) tls["cert"] = nats.tls.cert;
    if (!nats.tls.key.empty()) tls["key"] = nats.tls.key;
    out["tls"] = std::move(tls);
  }
  // Durations in milliseconds: the extension reads a bare number as milliseconds.
  const config::StreamSettings& stream = nats.stream;
  out["stream"] = {
      {"maxMessages", stream.max_messages},
      {"maxBytes", stream.max_bytes},
      {"maxAge", std::to_string(Milliseconds(stream.max_age))},
      {"storage", stream.storage == config::StorageType::kMemory ? "memory" : "file"},
      {"replicas", stream.replicas},
      {"duplicateWindow", std::to_string(Milliseconds(stream.duplicate_window))},
  };
  if (nats.confirm_delay.count() > 0)
    out["confirmDelay"] = std::to_string(Milliseconds(nats.confirm_delay));
  options["nats"] = std::move(out);
  return options;
}

ApplyOutcome ApplyTracking(const PgConnection& pg, const config::Resource& resource) {
  if (resource.Parameter("pluginName", "dbchangetracking") != "dbchangetracking") {
    throw PostgresError("resource \"" + resource.name + "\": pluginName \"" +
                        resource.Parameter("pluginName") +
                        "\" is not run by dbct run, which registers trackings with the "
                        "dbchangetracking extension; remove pluginName");
  }
  CheckExtension(pg);
  std::string tables;       // for track(): quoted identifiers
  std::string stored_form;  // as the extension stores them: schema.table, in the same order
  for (const SelectedTable& table : SelectTables(pg, resource)) {
    tables += (tables.empty() ? "" : ",") + table.identifier;
    stored_form += (stored_form.empty() ? "" : ",") + table.name;
  }
  const std::string options = TrackingOptions(resource).dump();
  const std::string what = "tracking \"" + resource.name + "\" in " + pg.description();

  // tracking_config holds the tables as resolved "schema.table" names and the options unmasked.
  auto current = pg.Execute("could not read " + what,
                            "SELECT t.tables = $2, t.options = $3::jsonb "
                            "FROM dbchangetracking.tracking_config t WHERE t.name = $1",
                            {resource.name, stored_form, options});
  if (PQntuples(current.get()) == 0) {
    pg.Execute("could not create " + what, "SELECT dbchangetracking.track($1, $2, $3::jsonb)",
               {resource.name, tables, options});
    return ApplyOutcome::kCreated;
  }
  const bool same_tables = std::string(PQgetvalue(current.get(), 0, 0)) == "t";
  const bool same_options = std::string(PQgetvalue(current.get(), 0, 1)) == "t";
  if (same_tables && same_options) return ApplyOutcome::kUnchanged;
  pg.Execute("could not change " + what,
             "SELECT dbchangetracking.alter_tracking($1, $2, $3::jsonb)",
             {resource.name, same_tables ? std::nullopt : std::optional<std::string>(tables),
              same_options ? std::nullopt : std::optional<std::string>(options)});
  return ApplyOutcome::kAltered;
}

bool Untrack(const PgConnection& pg, const std::string& name, bool drop_stream) {
  CheckExtension(pg);
  const std::string what = "tracking \"" + name + "\" in " + pg.description();
  auto exists = pg.Execute("could not read " + what,
                           "SELECT 1 FROM dbchangetracking.trackings WHERE name = $1", {name});
  if (PQntuples(exists.get()) == 0) return false;
  pg.Execute("could not stop " + what, "SELECT dbchangetracking.untrack($1, $2)",
             {name, std::string(drop_stream ? "true" : "false")});
  return true;
}

}  // namespace dbct::cli
