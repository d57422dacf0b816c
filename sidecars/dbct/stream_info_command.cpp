// dbct stream info NAME: the configuration and state of a tracking's JetStream stream.
#include <iostream>

#include "commands.hpp"
#include "control_plane.hpp"
#include "dbct/config/duration.hpp"
#include "text_table.hpp"

namespace dbct::cli {
namespace {

std::string StreamOf(const std::string& name) { return "dbchangetracking-" + name + "-stream"; }

// JetStream writes -1 (and sometimes 0) for "no limit".
std::string Limit(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number()) return "-";
  const int64_t value = it->get<int64_t>();
  return value < 0 ? "unlimited" : std::to_string(value);
}

std::string Nanoseconds(const nlohmann::json& object, const char* key, const char* zero) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number()) return "-";
  const int64_t value = it->get<int64_t>();
  return value <= 0 ? zero : config::FormatDuration(std::chrono::nanoseconds(value));
}

std::string Subjects(const nlohmann::json& config) {
  std::string out;
  for (const nlohmann::json& subject : config.value("subjects", nlohmann::json::array())) {
    if (!out.empty()) out += ", ";
    out += subject.is_string() ? subject.get<std::string>() : subject.dump();
  }
  return out.empty() ? "-" : out;
}

std::string RePublish(const nlohmann::json& config) {
  auto it = config.find("republish");
  if (it == config.end() || !it->is_object()) return "-";
  return FieldText(*it, "src") + " -> " + FieldText(*it, "dest") +
         (it->value("headers_only", false) ? " (headers only)" : "");
}

std::string Sequence(const nlohmann::json& state, const char* seq, const char* ts) {
  std::string out = FieldText(state, seq);
  const std::string time = FieldText(state, ts);
  if (time != "-" && time.rfind("0001-", 0) != 0) out += " at " + time;  // Go's zero time
  return out;
}

}  // namespace

int RunStreamInfo(const GlobalOptions& options, const std::string& given) {
  CheckTrackingName(given);
  CliConnection nats = ConnectToNats(options);
  std::optional<nlohmann::json> info;
  ResolveTrackingName(given, [&](const std::string& n) {
    info = ReadStreamInfo(nats, StreamOf(n));
    return info.has_value();
  });
  if (!info) {
    ThrowNoTracking(given, "stream " + StreamOf(given) + " does not exist at " + nats.display_url +
                               "; see dbct flows ls");
  }
  if (options.output == OutputFormat::kJson) {
    std::cout << info->dump(2) << '\n';
    return kExitOk;
  }
  const nlohmann::json config = info->value("config", nlohmann::json::object());
  const nlohmann::json state = info->value("state", nlohmann::json::object());
  PrintKeyValues(std::cout, {
                                {"stream", FieldText(config, "name")},
                                {"subjects", Subjects(config)},
                                {"created", FieldText(*info, "created")},
                                {"storage", FieldText(config, "storage")},
                                {"retention", FieldText(config, "retention")},
                                {"discard", FieldText(config, "discard")},
                                {"max messages", Limit(config, "max_msgs")},
                                {"max bytes", Limit(config, "max_bytes")},
                                {"max age", Nanoseconds(config, "max_age", "unlimited")},
                                {"max msgs per subject", Limit(config, "max_msgs_per_subject")},
                                {"duplicate window", Nanoseconds(config, "duplicate_window", "0")},
                                {"replicas", FieldText(config, "num_replicas")},
                                {"republish", RePublish(config)},
                                {"messages", FieldText(state, "messages")},
                                {"bytes", FieldText(state, "bytes")},
                                {"first sequence", Sequence(state, "first_seq", "first_ts")},
                                {"last sequence", Sequence(state, "last_seq", "last_ts")},
                                {"consumers", FieldText(state, "consumer_count")},
                            });
  return kExitOk;
}

}  // namespace dbct::cli
