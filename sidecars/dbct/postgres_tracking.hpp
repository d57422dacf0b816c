// Trackings of postgres resources, managed through the extension's SQL API over libpq (SPEC §7):
// dbchangetracking.track / alter_tracking / untrack.
#ifndef DBCT_CLI_POSTGRES_TRACKING_HPP
#define DBCT_CLI_POSTGRES_TRACKING_HPP

#include <libpq-fe.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "dbct/config/resource.hpp"

namespace dbct::cli {

// A PostgreSQL error that ends the current step, as one line: what was tried, the server's
// message and its hint.
class PostgresError : public std::runtime_error {
 public:
  explicit PostgresError(const std::string& message) : std::runtime_error(message) {}
};

// One libpq connection, closed on destruction.
class PgConnection {
 public:
  // Connects with the resource's parameters (host, port, dbname, user, password, sslmode,
  // sslrootcert). Throws PostgresError naming the server and database.
  static PgConnection ForResource(const config::Resource& resource);
  // Connects with a libpq connection string or URI; "" uses libpq's defaults (PGHOST, ...).
  static PgConnection ForConninfo(const std::string& conninfo);

  PGconn* get() const { return conn_.get(); }
  // "database \"shop\" at db.example.com:5432", for messages.
  const std::string& description() const { return description_; }
  std::string database() const { return PQdb(conn_.get()); }

  // Runs one statement with text parameters; throws PostgresError ("<what>: <message>").
  // Returns the result of a statement that returns rows.
  struct ResultDeleter {
    void operator()(PGresult* r) const { PQclear(r); }
  };
  using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;
  ResultPtr Execute(const std::string& what, const std::string& sql,
                    const std::vector<std::optional<std::string>>& parameters = {}) const;

 private:
  struct ConnDeleter {
    void operator()(PGconn* c) const { PQfinish(c); }
  };
  PgConnection(PGconn* conn, std::string description)
      : conn_(conn), description_(std::move(description)) {}
  std::unique_ptr<PGconn, ConnDeleter> conn_;
  std::string description_;
};

// Throws PostgresError('extension "dbchangetracking" is not installed in database "X": run
// CREATE EXTENSION dbchangetracking') when it is missing.
void CheckExtension(const PgConnection& pg);

// A table of the database selected by a resource.
struct SelectedTable {
  std::string name;        // schema.table, as the include lists and the extension see it
  std::string identifier;  // "schema"."table", quoted for track()
};
// The tables that the resource's schema/table include and exclude lists select, sorted by name.
// Throws PostgresError when none matches. Tables created later are picked up by running again.
std::vector<SelectedTable> SelectTables(const PgConnection& pg, const config::Resource& resource);

// The options argument of track(): the resource's postgres parameters (connection parameters and
// secrets of the connection left out) and its nats settings.
nlohmann::json TrackingOptions(const config::Resource& resource);

enum class ApplyOutcome { kCreated, kAltered, kUnchanged };
// track() when the database has no tracking of that name, alter_tracking() when it has one with
// other tables or options, nothing when it is the same.
ApplyOutcome ApplyTracking(const PgConnection& pg, const config::Resource& resource);

// untrack(name, drop_stream); false when the database has no tracking of that name.
bool Untrack(const PgConnection& pg, const std::string& name, bool drop_stream);

}  // namespace dbct::cli

#endif  // DBCT_CLI_POSTGRES_TRACKING_HPP
