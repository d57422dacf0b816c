// A resource as JSON for `dbct validate -o json`, status and views; secrets masked.
#ifndef DBCT_CONFIG_RESOURCE_JSON_HPP
#define DBCT_CONFIG_RESOURCE_JSON_HPP

#include <nlohmann/json.hpp>

#include "dbct/config/problem.hpp"
#include "dbct/config/resource.hpp"

namespace dbct::config {

// Secrets (by parameter name, nats password/token, URL passwords) are shown as ******.
nlohmann::json ResourceToJson(const Resource& resource);

nlohmann::json ProblemToJson(const Problem& problem);

}  // namespace dbct::config

#endif  // DBCT_CONFIG_RESOURCE_JSON_HPP
