#include "dbct/config/secrets.hpp"

#include <algorithm>
#include <cctype>

namespace dbct::config {
namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

bool IsSecretName(std::string_view name) {
  static constexpr std::string_view kMarkers[] = {"password", "secret", "token", "credentials",
                                                  "connectionstring"};
  const std::string lower = Lower(name);
  return std::any_of(std::begin(kMarkers), std::end(kMarkers), [&](std::string_view marker) {
    return lower.find(marker) != std::string::npos;
  });
}

std::string DisplayValue(std::string_view name, std::string_view value) {
  if (IsSecretName(name) && !value.empty()) return std::string(kSecretMask);
  return std::string(value);
}

std::string MaskUrlCredentials(std::string_view url) {
  // A server list is comma-separated; mask each entry.
  std::string out;
  std::size_t start = 0;
  while (start <= url.size()) {
    std::size_t comma = url.find(',', start);
    if (comma == std::string_view::npos) comma = url.size();
    std::string_view entry = url.substr(start, comma - start);
    const std::size_t scheme = entry.find("://");
    const std::size_t authority = scheme == std::string_view::npos ? 0 : scheme + 3;
    const std::size_t path = entry.find('/', authority);
    const std::size_t at = entry.rfind('@', path == std::string_view::npos ? entry.size() : path);
    if (at != std::string_view::npos && at >= authority) {
      std::string_view user_info = entry.substr(authority, at - authority);
      const std::size_t colon = user_info.find(':');
      out += std::string(entry.substr(0, authority));
      if (colon == std::string_view::npos) {
        out += std::string(kSecretMask);  // a bare token
      } else {
        out += std::string(user_info.substr(0, colon + 1)) + std::string(kSecretMask);
      }
      out += std::string(entry.substr(at));
    } else {
      out += std::string(entry);
    }
    if (comma == url.size()) break;
    out += ',';
    start = comma + 1;
  }
  return out;
}

}  // namespace dbct::config
