// Helpers shared by the mains of dbct-sqlserver and dbct-oracle.
#ifndef DBCT_ODBC_SIDECAR_MAIN_HPP
#define DBCT_ODBC_SIDECAR_MAIN_HPP

#include <atomic>
#include <optional>
#include <string>

#include "dbct/config/resource.hpp"
#include "dbct/config/source_type.hpp"

namespace dbct::odbc {

constexpr int kExitBadInput = 2;

// Loads `manifest` and returns its one resource of `type`; on a problem prints each one
// ("ERROR: file:line: ...") and returns nullopt.
std::optional<config::Resource> LoadOneResource(const std::string& manifest, config::SourceType type,
                                                const std::string& program);

// SIGTERM/SIGINT set `stop`; SIGPIPE ignored.
void InstallStopHandlers(std::atomic<bool>* stop);

}  // namespace dbct::odbc

#endif  // DBCT_ODBC_SIDECAR_MAIN_HPP
