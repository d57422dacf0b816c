// The CLI's side of the NATS control plane (SPEC §4): connecting for one command, reading the
// status bucket, ordered ephemeral consumers on the logs and tracking streams, stream info.
// Everything here either returns a plain answer or throws CliError with the exit code to use.
#ifndef DBCT_CLI_CONTROL_PLANE_HPP
#define DBCT_CLI_CONTROL_PLANE_HPP

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli_context.hpp"
#include "dbct/nats/connection.hpp"
#include "dbct/nats/control.hpp"

namespace dbct::cli {

inline constexpr const char* kStatusBucket = nats::kStatusBucket;
inline constexpr const char* kLogsStream = nats::kLogsStream;
inline constexpr const char* kLogsSubjectPrefix = "dbchangetracking.logs.";
// Trackings refresh their status at least every 5 s (SPEC §4); three missed refreshes mean
// nobody is reporting any more.
inline constexpr std::chrono::seconds kStatusStaleAfter{15};
inline constexpr const char* kStateUnknown = "unknown";

// A NATS connection for one command (no background retry of the first connect) together with
// the URL to name in messages, its password masked.
struct CliConnection {
  std::unique_ptr<nats::Connection> connection;
  std::string display_url;
  nats::Connection& operator*() const { return *connection; }
  nats::Connection* operator->() const { return connection.get(); }
};

// Throws WorkFailed("could not connect to NATS at URL: reason") when NATS cannot be reached and
// BadInput for unusable settings (a missing credentials file, a malformed URL).
CliConnection ConnectToNats(const GlobalOptions& options);

// Checks a tracking name given on the command line (SPEC §2 name rules); throws BadInput.
void CheckTrackingName(std::string_view name);

// The name to use when `given` might be written NAME-flow, as the product docs name flows:
// `given` itself when exists(given), else the name without "-flow" when that exists; nullopt
// when neither does.
std::optional<std::string> ResolveTrackingName(
    std::string_view given, const std::function<bool(const std::string&)>& exists);

// Throws BadInput("no tracking named X") with an optional hint after it.
[[noreturn]] void ThrowNoTracking(std::string_view name, std::string_view hint = {});

// --- status bucket ---------------------------------------------------------------------------

// The status bucket, or nullptr when it does not exist yet (no tracking ever reported).
nats::KvStorePtr OpenStatusBucket(CliConnection& nats);
// The status of one tracking; nullopt when the bucket holds none (or it was deleted).
std::optional<nlohmann::json> ReadStatus(CliConnection& nats, kvStore* bucket,
                                         const std::string& name);
// Every tracking's status, sorted by name.
std::vector<nlohmann::json> ReadAllStatuses(CliConnection& nats, kvStore* bucket);

// The state to show: the reported one, or "unknown" when a tracking that should still be
// refreshing its status (anything but stopped and failed) has not done so for
// kStatusStaleAfter. Adds "reported_state" and "stale" to the status object.
void MarkStaleness(nlohmann::json& status, int64_t now_ms);

// --- streams ---------------------------------------------------------------------------------

// $JS.API.STREAM.INFO.<stream> as the server answers it; nullopt when the stream does not exist.
// With subjects_filter, state.subjects maps each matching subject to its message count.
std::optional<nlohmann::json> ReadStreamInfo(CliConnection& nats, const std::string& stream,
                                             const std::string& subjects_filter = {});
// Deletes a stream; false when it does not exist.
bool DeleteStream(CliConnection& nats, const std::string& stream);
// How many messages `stream` holds on `subject`; 0 when the stream does not exist.
uint64_t CountSubjectMessages(CliConnection& nats, const std::string& stream,
                              const std::string& subject);
// What the consumer behind `subscription` still has to deliver, and has delivered.
struct ConsumerProgress {
  uint64_t pending = 0;
  uint64_t delivered = 0;
};
ConsumerProgress ReadConsumerProgress(CliConnection& nats, natsSubscription* subscription);

enum class DeliverFrom { kNew, kAll, kStartTime };
struct ConsumerStart {
  DeliverFrom from = DeliverFrom::kNew;
  int64_t start_time_ns = 0;  // since the epoch, for kStartTime
};
// An ordered ephemeral push consumer on `subject` of `stream`, read with NextMessage.
nats::SubscriptionPtr SubscribeOrdered(CliConnection& nats, const std::string& stream,
                                       const std::string& subject, const ConsumerStart& start);
// The next message, or nullptr after `timeout`. Throws WorkFailed when the subscription breaks.
nats::MsgPtr NextMessage(CliConnection& nats, natsSubscription* subscription,
                         std::chrono::milliseconds timeout);
// Messages the consumer still has to deliver after this one (the JetStream metadata).
std::optional<uint64_t> PendingAfter(natsMsg* message);
// The message's stream sequence and its time (ns since the epoch); 0 when not a JetStream message.
uint64_t StreamSequence(natsMsg* message);
int64_t StoredAtNs(natsMsg* message);
// The message's headers as a JSON object (a repeated header becomes an array).
nlohmann::json HeadersToJson(natsMsg* message);
std::string_view MessageData(natsMsg* message);

// --- time ------------------------------------------------------------------------------------

int64_t NowMs();
// "2025-01-01T00:00:00.123Z" to ms since the epoch. Also accepted: no fraction, a space for the
// T (PostgreSQL's timestamptz text) and offsets +hh, +hhmm, +hh:mm. No zone: nullopt.
std::optional<int64_t> ParseTimestampMs(std::string_view text);
// A timestamp field as trackings write it: such a string, or a number of ms since the epoch.
std::optional<int64_t> TimestampMs(const nlohmann::json& value);
// The field for display: strings as written, numbers as ISO 8601 UTC; "-" for null.
std::string TimestampText(const nlohmann::json& value);
// 350ms, 4.2s, 3m10s, 2h5m, 3d4h: a compact duration for tables.
std::string FormatDurationMs(int64_t ms);
// "12s ago" from a timestamp text; "-" when absent or unreadable.
std::string FormatAge(const nlohmann::json& timestamp, int64_t now_ms);

// --- status fields for tables ("-" when absent, null or empty) -------------------------------

std::string FieldText(const nlohmann::json& object, const char* key);
std::string RateText(const nlohmann::json& status);  // events_per_sec as "12.5/s"
std::string LagText(const nlohmann::json& status);   // lag_ms as "1.2s"

}  // namespace dbct::cli

#endif  // DBCT_CLI_CONTROL_PLANE_HPP
