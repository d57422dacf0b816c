#include "dbct/config/resource.hpp"

#include <algorithm>
#include <charconv>

namespace dbct::config {

const std::string* ParameterMap::Find(std::string_view name) const {
  auto it = std::find_if(items_.begin(), items_.end(),
                         [&](const Item& item) { return item.first == name; });
  return it == items_.end() ? nullptr : &it->second;
}

std::string ParameterMap::Get(std::string_view name, std::string_view fallback) const {
  const std::string* value = Find(name);
  return value ? *value : std::string(fallback);
}

void ParameterMap::Set(std::string name, std::string value) {
  for (Item& item : items_) {
    if (item.first == name) {
      item.second = std::move(value);
      return;
    }
  }
  items_.emplace_back(std::move(name), std::move(value));
}

std::string Resource::SourceName() const {
  if (type == SourceType::kMySql) {
    if (const std::string* server_name = parameters.Find("databaseServerName")) return *server_name;
  }
  return name;
}

std::string Resource::StreamName() const { return "dbchangetracking-" + name + "-stream"; }

std::string Resource::Subject() const { return "dbchangetracking." + name; }

bool Resource::BoolParameter(std::string_view parameter, bool fallback) const {
  const std::string* value = parameters.Find(parameter);
  if (!value) return fallback;
  return *value == "true";
}

int64_t Resource::IntParameter(std::string_view parameter, int64_t fallback) const {
  const std::string* value = parameters.Find(parameter);
  if (!value) return fallback;
  int64_t result = fallback;
  auto [end, error] = std::from_chars(value->data(), value->data() + value->size(), result);
  return error == std::errc() && end == value->data() + value->size() ? result : fallback;
}

}  // namespace dbct::config
