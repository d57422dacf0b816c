// A resource as JSON for `dbct validate -o json`, status and views; secrets masked.
#pragma once

#include <nlohmann/json.hpp>

#include "dbct/config/problem.h"
#include "dbct/config/resource.h"

namespace dbct::config {

// Secrets (by parameter name, nats password/token, URL passwords) are shown as ******.
nlohmann::json ResourceToJson(const Resource& resource);

nlohmann::json ProblemToJson(const Problem& problem);

}  // namespace dbct::config
