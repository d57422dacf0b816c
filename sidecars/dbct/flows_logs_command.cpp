// dbct flows logs NAME[-flow] [-f] [--since D]: a tracking's log lines from stream
// dbchangetracking-logs, read with an ordered ephemeral consumer.
#include <iostream>

#include "commands.hpp"
#include "control_plane.hpp"
#include "dbct/config/duration.hpp"
#include "stop_signal.hpp"

namespace dbct::cli {
namespace {

constexpr std::chrono::milliseconds kFollowPoll{250};
// Without -f, how long to wait for a line the consumer says is still to come.
constexpr std::chrono::milliseconds kCatchUpTimeout{5000};

// A field value as the eye reads it: bare when it is a simple word, JSON otherwise.
std::string FieldValue(const nlohmann::json& value) {
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    const bool simple = !text.empty() && text.find_first_of(" \t\n\"=") == std::string::npos;
    return simple ? text : value.dump();
  }
  return value.dump();
}

// "2025-01-01T00:00:00.123Z  error  message  key=value ...": one line per log line.
std::string FormatLine(std::string_view data) {
  const nlohmann::json line = nlohmann::json::parse(data.begin(), data.end(), nullptr, false);
  if (line.is_discarded() || !line.is_object()) return std::string(data);
  std::string level = FieldText(line, "level");
  if (level.size() < 7) level.append(7 - level.size(), ' ');
  std::string out = TimestampText(line.value("ts", nlohmann::json())) + "  " + level + "  " +
                    FieldText(line, "message");
  if (auto fields = line.find("fields"); fields != line.end() && fields->is_object()) {
    for (auto it = fields->begin(); it != fields->end(); ++it)
      out += "  " + it.key() + "=" + FieldValue(it.value());
  }
  return out;
}

std::string JsonLine(std::string_view data) {
  const nlohmann::json line = nlohmann::json::parse(data.begin(), data.end(), nullptr, false);
  if (line.is_discarded()) return nlohmann::json{{"message", std::string(data)}}.dump();
  return line.dump();
}

}  // namespace

int RunFlowsLogs(const GlobalOptions& options, const FlowsLogsOptions& logs) {
  CheckTrackingName(logs.name);
  ConsumerStart start{DeliverFrom::kAll, 0};
  if (!logs.since.empty()) {
    const std::optional<std::chrono::nanoseconds> since = config::ParseDuration(logs.since);
    if (!since || since->count() < 0) {
      throw BadInput("invalid --since \"" + logs.since +
                     "\": give a duration such as 90s, 10m or 1h30m");
    }
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    start = {DeliverFrom::kStartTime,
             std::chrono::duration_cast<std::chrono::nanoseconds>(now - *since).count()};
  }

  CliConnection nats = ConnectToNats(options);
  nats::KvStorePtr bucket = OpenStatusBucket(nats);
  uint64_t stored = 0;
  const std::optional<std::string> name = ResolveTrackingName(logs.name, [&](const std::string& n) {
    stored = CountSubjectMessages(nats, kLogsStream, kLogsSubjectPrefix + n);
    return stored > 0 || ReadStatus(nats, bucket.get(), n).has_value();
  });
  if (!name) {
    ThrowNoTracking(logs.name, std::string("it has no status in bucket ") + kStatusBucket +
                                   " and no log lines in stream " + kLogsStream + " at " +
                                   nats.display_url + "; see dbct flows ls");
  }
  // A tracking that has not logged yet: nothing to show, or wait for the stream when following.
  if (stored == 0 && !logs.follow) return kExitOk;

  const std::string subject = kLogsSubjectPrefix + *name;
  if (!ReadStreamInfo(nats, kLogsStream)) {
    std::cerr << "dbct: stream " << kLogsStream << " does not exist yet at " << nats.display_url
              << "; no log lines to show\n";
    return kExitOk;
  }
  if (logs.follow) InstallStopHandlers();
  nats::SubscriptionPtr subscription = SubscribeOrdered(nats, kLogsStream, subject, start);
  if (!logs.follow) {
    const ConsumerProgress progress = ReadConsumerProgress(nats, subscription.get());
    if (progress.pending == 0 && progress.delivered == 0) return kExitOk;  // none since --since
  }
  for (;;) {
    if (logs.follow && StopRequested()) return kExitOk;
    nats::MsgPtr message =
        NextMessage(nats, subscription.get(), logs.follow ? kFollowPoll : kCatchUpTimeout);
    if (!message) {
      if (logs.follow) continue;
      return kExitOk;  // caught up as far as the server answered
    }
    const std::string_view data = MessageData(message.get());
    std::cout << (options.output == OutputFormat::kJson ? JsonLine(data) : FormatLine(data)) << '\n'
              << std::flush;
    if (!std::cout) return kExitOk;  // the reader went away
    if (!logs.follow && PendingAfter(message.get()).value_or(0) == 0) return kExitOk;
  }
}

}  // namespace dbct::cli
