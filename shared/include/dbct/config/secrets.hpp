// Secrets never leave the process in clear text: every display of a configuration value goes
// through these functions.
#ifndef DBCT_CONFIG_SECRETS_HPP
#define DBCT_CONFIG_SECRETS_HPP

#include <string>
#include <string_view>

namespace dbct::config {

inline constexpr std::string_view kSecretMask = "******";

// True when a parameter or setting of this name holds a secret: its name contains password,
// secret, token, credentials or connectionString (case-insensitive).
bool IsSecretName(std::string_view name);

// The value to show for a setting: "******" for secrets (unless empty), the value otherwise.
std::string DisplayValue(std::string_view name, std::string_view value);

// A URL with the password of its user-info part masked: nats://me:******@host:4222.
// A token given as the whole user-info (nats://TOKEN@host) is masked too.
std::string MaskUrlCredentials(std::string_view url);

}  // namespace dbct::config

#endif  // DBCT_CONFIG_SECRETS_HPP
