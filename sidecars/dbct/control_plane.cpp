#include "control_plane.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <regex>

#include "dbct/config/loader.hpp"
#include "dbct/config/secrets.hpp"

namespace dbct::cli {
namespace {

constexpr std::chrono::milliseconds kConnectTimeout{3000};
constexpr std::chrono::milliseconds kRequestTimeout{5000};
constexpr std::string_view kFlowSuffix = "-flow";
constexpr int kJsStreamNotFound = 10059;

std::vector<std::string> SplitUrls(const std::string& text) {
  std::vector<std::string> urls;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string url = text.substr(start, comma - start);
    if (!url.empty()) urls.push_back(url);
    start = comma + 1;
  }
  return urls;
}

std::string MaskUrls(const std::vector<std::string>& urls) {
  std::string out;
  for (const std::string& url : urls) {
    if (!out.empty()) out += ',';
    out += config::MaskUrlCredentials(url);
  }
  return out;
}

// cnats error texts may repeat the URL as given; never show a password from it.
std::string ReplaceAll(std::string text, const std::string& from, const std::string& to) {
  if (from.empty() || from == to) return text;
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// cnats appends "(conn.c:2088): <text>" to some errors, often repeating the status text: keep
// the text once, without the source location.
std::string WithoutSourceLocation(std::string message) {
  static const std::regex location(R"(: \([A-Za-z0-9_]+\.c:[0-9]+\): (.*)$)");
  std::smatch match;
  if (!std::regex_search(message, match, location)) return message;
  const std::string detail = match[1].str();
  const std::string before = match.prefix().str();
  const bool repeated = before.size() >= detail.size() &&
                        before.compare(before.size() - detail.size(), detail.size(), detail) == 0;
  return repeated ? before : before + ": " + detail;
}

// A failed call on an established connection: the reason, with a plain sentence for the usual
// causes.
CliError NatsFailure(const CliConnection& nats, const std::string& what, natsStatus status) {
  if (status == NATS_NO_RESPONDERS) {
    return WorkFailed(what + ": JetStream is not enabled on the NATS server at " +
                      nats.display_url + "; start nats-server with -js");
  }
  if (status == NATS_TIMEOUT) {
    return WorkFailed(what + ": no answer from the NATS server at " + nats.display_url +
                      " in time");
  }
  return WorkFailed(WithoutSourceLocation(nats::StatusMessage(what, status)));
}

nlohmann::json ParseStatusValue(const std::string& key, const char* data, int length) {
  nlohmann::json status = nlohmann::json::parse(data, data + std::max(length, 0), nullptr, false);
  if (status.is_discarded() || !status.is_object()) {
    return {{"name", key}, {"state", kStateUnknown}, {"last_error", "status is not a JSON object"}};
  }
  if (!status.contains("name")) status["name"] = key;
  return status;
}

std::string StringField(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  // Howard Hinnant's days_from_civil: days since 1970-01-01 in the proleptic Gregorian calendar.
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

}  // namespace

CliConnection ConnectToNats(const GlobalOptions& options) {
  nats::NatsSettings settings;
  settings.urls = SplitUrls(options.nats_url.empty() ? nats::DefaultNatsUrl() : options.nats_url);
  if (settings.urls.empty())
    throw BadInput("--nats-url is empty; give a URL like nats://host:4222");
  settings.credentials_file = options.credentials;
  settings.name = "dbct";
  settings.retry_on_failed_connect = false;  // a command answers now or says why not
  settings.request_timeout = kRequestTimeout;

  CliConnection nats;
  nats.display_url = MaskUrls(settings.urls);
  if (!settings.credentials_file.empty()) {
    if (std::FILE* f = std::fopen(settings.credentials_file.c_str(), "r")) {
      std::fclose(f);
    } else {
      throw BadInput("NATS credentials file \"" + settings.credentials_file +
                     "\" cannot be read; check --creds");
    }
  }
  try {
    nats.connection = std::make_unique<nats::Connection>(settings);
  } catch (const nats::NatsError& e) {
    std::string reason = WithoutSourceLocation(e.what());
    for (const std::string& url : settings.urls)
      reason = ReplaceAll(reason, url, config::MaskUrlCredentials(url));
    // The library names the URL already ("could not connect to NATS at URL: ...").
    if (reason.find(nats.display_url) == std::string::npos)
      reason = "could not connect to NATS at " + nats.display_url + ": " + reason;
    throw WorkFailed(reason);
  }
  if (!nats->WaitConnected(kConnectTimeout)) {
    throw WorkFailed("could not connect to NATS at " + nats.display_url + ": no answer in time");
  }
  return nats;
}

void CheckTrackingName(std::string_view name) {
  if (config::CheckResourceName(name).empty()) return;
  throw BadInput("invalid tracking name \"" + std::string(name) +
                 "\": use 1-63 characters of a-z, 0-9 and '-', starting and ending with a letter "
                 "or digit");
}

std::optional<std::string> ResolveTrackingName(
    std::string_view given, const std::function<bool(const std::string&)>& exists) {
  const std::string name(given);
  if (exists(name)) return name;
  if (name.size() > kFlowSuffix.size() &&
      name.compare(name.size() - kFlowSuffix.size(), kFlowSuffix.size(), kFlowSuffix) == 0) {
    std::string base = name.substr(0, name.size() - kFlowSuffix.size());
    if (config::CheckResourceName(base).empty() && exists(base)) return base;
  }
  return std::nullopt;
}

void ThrowNoTracking(std::string_view name, std::string_view hint) {
  std::string message = "no tracking named \"" + std::string(name) + "\"";
  if (!hint.empty()) message += std::string("; ") + std::string(hint);
  throw BadInput(message);
}

nats::KvStorePtr OpenStatusBucket(CliConnection& nats) {
  nats::SignalBlockGuard guard;
  kvStore* raw = nullptr;
  const natsStatus status = js_KeyValue(&raw, nats->js(), kStatusBucket);
  if (status == NATS_NOT_FOUND) return nullptr;
  if (status != NATS_OK)
    throw NatsFailure(
        nats, std::string("could not open key-value bucket \"") + kStatusBucket + "\"", status);
  return nats::KvStorePtr(raw);
}

std::optional<nlohmann::json> ReadStatus(CliConnection& nats, kvStore* bucket,
                                         const std::string& name) {
  if (bucket == nullptr) return std::nullopt;
  kvEntry* raw = nullptr;
  const natsStatus status = kvStore_Get(&raw, bucket, name.c_str());
  nats::KvEntryPtr entry(raw);
  if (status == NATS_NOT_FOUND) return std::nullopt;
  if (status != NATS_OK)
    throw NatsFailure(nats, "could not read the status of tracking \"" + name + "\"", status);
  return ParseStatusValue(name, static_cast<const char*>(kvEntry_Value(entry.get())),
                          kvEntry_ValueLen(entry.get()));
}

std::vector<nlohmann::json> ReadAllStatuses(CliConnection& nats, kvStore* bucket) {
  std::vector<nlohmann::json> statuses;
  if (bucket == nullptr) return statuses;
  nats::SignalBlockGuard guard;
  kvWatchOptions options;
  kvWatchOptions_Init(&options);
  options.IgnoreDeletes = true;
  kvWatcher* watcher = nullptr;
  natsStatus status = kvStore_WatchAll(&watcher, bucket, &options);
  if (status != NATS_OK)
    throw NatsFailure(nats, std::string("could not read bucket \"") + kStatusBucket + "\"", status);
  std::unique_ptr<kvWatcher, void (*)(kvWatcher*)> owned(watcher, &kvWatcher_Destroy);
  // The watcher delivers every current value, then a null entry.
  for (;;) {
    kvEntry* raw = nullptr;
    status = kvWatcher_Next(&raw, watcher, kRequestTimeout.count());
    if (status != NATS_OK)
      throw NatsFailure(nats, std::string("could not read bucket \"") + kStatusBucket + "\"",
                        status);
    if (raw == nullptr) break;
    nats::KvEntryPtr entry(raw);
    if (kvEntry_Operation(entry.get()) != kvOp_Put) continue;
    statuses.push_back(ParseStatusValue(kvEntry_Key(entry.get()),
                                        static_cast<const char*>(kvEntry_Value(entry.get())),
                                        kvEntry_ValueLen(entry.get())));
  }
  std::sort(statuses.begin(), statuses.end(), [](const nlohmann::json& a, const nlohmann::json& b) {
    return StringField(a, "name") < StringField(b, "name");
  });
  return statuses;
}

void MarkStaleness(nlohmann::json& status, int64_t now_ms) {
  const std::string reported = StringField(status, "state");
  bool stale = false;
  // A stopped, paused or failed tracking reports once and stops refreshing (its worker is
  // gone): that is not staleness.
  if (reported != "stopped" && reported != "paused" && reported != "failed") {
    const std::optional<int64_t> updated =
        TimestampMs(status.value("updated_at", nlohmann::json()));
    const int64_t limit_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(kStatusStaleAfter).count();
    stale = !updated || now_ms - *updated > limit_ms;
  }
  status["reported_state"] = reported.empty() ? nlohmann::json(nullptr) : nlohmann::json(reported);
  status["stale"] = stale;
  status["state"] = stale || reported.empty() ? kStateUnknown : reported;
}

std::optional<nlohmann::json> ReadStreamInfo(CliConnection& nats, const std::string& stream,
                                             const std::string& subjects_filter) {
  const std::string subject = "$JS.API.STREAM.INFO." + stream;
  const std::string body = subjects_filter.empty()
                               ? std::string()
                               : nlohmann::json{{"subjects_filter", subjects_filter}}.dump();
  natsMsg* raw = nullptr;
  natsStatus status;
  {
    nats::SignalBlockGuard guard;
    status = natsConnection_Request(&raw, nats->nc(), subject.c_str(), body.data(),
                                    static_cast<int>(body.size()),
                                    static_cast<int64_t>(kRequestTimeout.count()));
  }
  nats::MsgPtr reply(raw);
  if (status != NATS_OK)
    throw NatsFailure(nats, "could not read stream \"" + stream + "\"", status);
  const char* data = natsMsg_GetData(reply.get());
  nlohmann::json info =
      nlohmann::json::parse(data, data + natsMsg_GetDataLength(reply.get()), nullptr, false);
  if (info.is_discarded() || !info.is_object())
    throw WorkFailed("could not read stream \"" + stream + "\": the server's answer is not JSON");
  if (auto error = info.find("error"); error != info.end()) {
    if (error->value("err_code", 0) == kJsStreamNotFound || error->value("code", 0) == 404)
      return std::nullopt;
    throw WorkFailed("could not read stream \"" + stream +
                     "\": " + error->value("description", std::string("JetStream error")));
  }
  info.erase("type");
  return info;
}

bool DeleteStream(CliConnection& nats, const std::string& stream) {
  const std::string subject = "$JS.API.STREAM.DELETE." + stream;
  natsMsg* raw = nullptr;
  natsStatus status;
  {
    nats::SignalBlockGuard guard;
    status = natsConnection_Request(&raw, nats->nc(), subject.c_str(), "", 0,
                                    static_cast<int64_t>(kRequestTimeout.count()));
  }
  nats::MsgPtr reply(raw);
  if (status != NATS_OK)
    throw NatsFailure(nats, "could not delete stream \"" + stream + "\"", status);
  const char* data = natsMsg_GetData(reply.get());
  const nlohmann::json answer =
      nlohmann::json::parse(data, data + natsMsg_GetDataLength(reply.get()), nullptr, false);
  if (answer.is_object()) {
    if (auto error = answer.find("error"); error != answer.end()) {
      if (error->value("err_code", 0) == kJsStreamNotFound || error->value("code", 0) == 404)
        return false;
      throw WorkFailed("could not delete stream \"" + stream +
                       "\": " + error->value("description", std::string("JetStream error")));
    }
    if (answer.value("success", false)) return true;
  }
  throw WorkFailed("could not delete stream \"" + stream + "\": unexpected answer from the server");
}

uint64_t CountSubjectMessages(CliConnection& nats, const std::string& stream,
                              const std::string& subject) {
  const std::optional<nlohmann::json> info = ReadStreamInfo(nats, stream, subject);
  if (!info) return 0;
  const nlohmann::json subjects =
      info->value("state", nlohmann::json::object()).value("subjects", nlohmann::json::object());
  auto it = subjects.find(subject);
  return it != subjects.end() && it->is_number_unsigned() ? it->get<uint64_t>() : 0;
}

ConsumerProgress ReadConsumerProgress(CliConnection& nats, natsSubscription* subscription) {
  jsConsumerInfo* info = nullptr;
  jsErrCode error_code = static_cast<jsErrCode>(0);
  const natsStatus status =
      natsSubscription_GetConsumerInfo(&info, subscription, nullptr, &error_code);
  if (status != NATS_OK) throw NatsFailure(nats, "could not read the consumer's state", status);
  ConsumerProgress progress{info->NumPending, info->Delivered.Consumer};
  jsConsumerInfo_Destroy(info);
  return progress;
}

nats::SubscriptionPtr SubscribeOrdered(CliConnection& nats, const std::string& stream,
                                       const std::string& subject, const ConsumerStart& start) {
  jsSubOptions options;
  jsSubOptions_Init(&options);
  options.Stream = stream.c_str();
  options.Ordered = true;
  switch (start.from) {
    case DeliverFrom::kNew:
      options.Config.DeliverPolicy = js_DeliverNew;
      break;
    case DeliverFrom::kAll:
      options.Config.DeliverPolicy = js_DeliverAll;
      break;
    case DeliverFrom::kStartTime:
      options.Config.DeliverPolicy = js_DeliverByStartTime;
      options.Config.OptStartTime = start.start_time_ns;
      break;
  }
  natsSubscription* raw = nullptr;
  jsErrCode error_code = static_cast<jsErrCode>(0);
  natsStatus status;
  {
    nats::SignalBlockGuard guard;  // keep signals for the main thread
    status = js_SubscribeSync(&raw, nats->js(), subject.c_str(), nullptr, &options, &error_code);
  }
  if (status != NATS_OK)
    throw NatsFailure(nats, "could not read \"" + subject + "\" from stream \"" + stream + "\"",
                      status);
  return nats::SubscriptionPtr(raw);
}

nats::MsgPtr NextMessage(CliConnection& nats, natsSubscription* subscription,
                         std::chrono::milliseconds timeout) {
  natsMsg* raw = nullptr;
  const natsStatus status =
      natsSubscription_NextMsg(&raw, subscription, static_cast<int64_t>(timeout.count()));
  if (status == NATS_TIMEOUT) return nullptr;
  // While cnats reconnects the subscription stays; NextMsg just times out or reports it.
  if (status == NATS_CONNECTION_DISCONNECTED || status == NATS_NOT_YET_CONNECTED) return nullptr;
  if (status != NATS_OK) throw NatsFailure(nats, "reading messages failed", status);
  return nats::MsgPtr(raw);
}

std::optional<uint64_t> PendingAfter(natsMsg* message) {
  jsMsgMetaData* meta = nullptr;
  if (natsMsg_GetMetaData(&meta, message) != NATS_OK) return std::nullopt;
  const uint64_t pending = meta->NumPending;
  jsMsgMetaData_Destroy(meta);
  return pending;
}

uint64_t StreamSequence(natsMsg* message) {
  uint64_t sequence = natsMsg_GetSequence(message);
  if (sequence != 0) return sequence;
  jsMsgMetaData* meta = nullptr;
  if (natsMsg_GetMetaData(&meta, message) != NATS_OK) return 0;
  sequence = meta->Sequence.Stream;
  jsMsgMetaData_Destroy(meta);
  return sequence;
}

int64_t StoredAtNs(natsMsg* message) {
  jsMsgMetaData* meta = nullptr;
  if (natsMsg_GetMetaData(&meta, message) != NATS_OK) return natsMsg_GetTime(message);
  const int64_t timestamp = meta->Timestamp;
  jsMsgMetaData_Destroy(meta);
  return timestamp;
}

nlohmann::json HeadersToJson(natsMsg* message) {
  nlohmann::json headers = nlohmann::json::object();
  const char** keys = nullptr;
  int count = 0;
  if (natsMsgHeader_Keys(message, &keys, &count) != NATS_OK) return headers;
  for (int i = 0; i < count; i++) {
    const char** values = nullptr;
    int value_count = 0;
    if (natsMsgHeader_Values(message, keys[i], &values, &value_count) != NATS_OK) continue;
    if (value_count == 1) {
      headers[keys[i]] = values[0];
    } else {
      nlohmann::json list = nlohmann::json::array();
      for (int j = 0; j < value_count; j++) list.push_back(values[j]);
      headers[keys[i]] = std::move(list);
    }
    std::free(const_cast<char**>(values));
  }
  std::free(const_cast<char**>(keys));
  return headers;
}

std::string_view MessageData(natsMsg* message) {
  const char* data = natsMsg_GetData(message);
  return data == nullptr
             ? std::string_view()
             : std::string_view(data, static_cast<std::size_t>(natsMsg_GetDataLength(message)));
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::optional<int64_t> ParseTimestampMs(std::string_view text) {
  int year, month, day, hour, minute, second, consumed = 0;
  char separator = 0;
  const std::string copy(text);
  if (std::sscanf(copy.c_str(), "%4d-%2d-%2d%c%2d:%2d:%2d%n", &year, &month, &day, &separator,
                  &hour, &minute, &second, &consumed) != 7 ||
      consumed != 19)
    return std::nullopt;
  // ISO 8601 ("T") and PostgreSQL's timestamptz text (" ") both occur.
  if (separator != 'T' && separator != 't' && separator != ' ') return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
    return std::nullopt;
  std::size_t at = 19;
  int64_t millis = 0;
  if (at < copy.size() && copy[at] == '.') {
    int digits = 0;
    for (++at; at < copy.size() && copy[at] >= '0' && copy[at] <= '9'; ++at, ++digits)
      if (digits < 3) millis = millis * 10 + (copy[at] - '0');
    if (digits == 0) return std::nullopt;
    for (; digits < 3; digits++) millis *= 10;
  }
  int64_t offset_minutes = 0;
  if (at < copy.size() && (copy[at] == 'Z' || copy[at] == 'z')) {
    at++;
  } else if (at < copy.size() && (copy[at] == '+' || copy[at] == '-')) {
    // +hh, +hhmm or +hh:mm
    const int sign = copy[at] == '-' ? -1 : 1;
    std::string digits;
    for (++at; at < copy.size() && digits.size() < 4; ++at) {
      if (copy[at] == ':' && digits.size() == 2) continue;
      if (copy[at] < '0' || copy[at] > '9') break;
      digits += copy[at];
    }
    if (digits.size() != 2 && digits.size() != 4) return std::nullopt;
    const int hours = std::stoi(digits.substr(0, 2));
    const int minutes = digits.size() == 4 ? std::stoi(digits.substr(2, 2)) : 0;
    offset_minutes = sign * (hours * 60 + minutes);
  } else {
    return std::nullopt;  // a time without a zone is ambiguous
  }
  if (at != copy.size()) return std::nullopt;
  const int64_t days =
      DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
  return seconds * 1000 + millis;
}

std::optional<int64_t> TimestampMs(const nlohmann::json& value) {
  if (value.is_string()) return ParseTimestampMs(value.get_ref<const std::string&>());
  if (value.is_number()) {
    // Milliseconds since the epoch; a number too small for that is taken as seconds.
    const double number = value.get<double>();
    constexpr double kMillisecondsFrom = 1e11;  // 1973 in ms, 5138 in seconds
    return static_cast<int64_t>(number >= kMillisecondsFrom ? number : number * 1000);
  }
  return std::nullopt;
}

std::string TimestampText(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>().empty() ? "-" : value.get<std::string>();
  const std::optional<int64_t> ms = TimestampMs(value);
  if (!ms) return value.is_null() ? "-" : value.dump();
  const std::time_t seconds = static_cast<std::time_t>(*ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char date_time[32];
  std::strftime(date_time, sizeof date_time, "%Y-%m-%dT%H:%M:%S", &tm);
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "%s.%03dZ", date_time, static_cast<int>(*ms % 1000));
  return buffer;
}

std::string FormatDurationMs(int64_t ms) {
  if (ms < 0) ms = 0;
  char buffer[32];
  if (ms < 1000) {
    std::snprintf(buffer, sizeof buffer, "%lldms", static_cast<long long>(ms));
  } else if (ms < 60'000) {
    std::snprintf(buffer, sizeof buffer, "%.1fs", static_cast<double>(ms) / 1000.0);
  } else if (ms < 3'600'000) {
    std::snprintf(buffer, sizeof buffer, "%lldm%llds", static_cast<long long>(ms / 60'000),
                  static_cast<long long>(ms / 1000 % 60));
  } else if (ms < 86'400'000) {
    std::snprintf(buffer, sizeof buffer, "%lldh%lldm", static_cast<long long>(ms / 3'600'000),
                  static_cast<long long>(ms / 60'000 % 60));
  } else {
    std::snprintf(buffer, sizeof buffer, "%lldd%lldh", static_cast<long long>(ms / 86'400'000),
                  static_cast<long long>(ms / 3'600'000 % 24));
  }
  return buffer;
}

std::string FormatAge(const nlohmann::json& timestamp, int64_t now_ms) {
  const std::optional<int64_t> at = TimestampMs(timestamp);
  if (!at) return "-";
  return FormatDurationMs(now_ms - *at) + " ago";
}

std::string FieldText(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return "-";
  if (it->is_string()) return it->get<std::string>().empty() ? "-" : it->get<std::string>();
  return it->dump();
}

std::string RateText(const nlohmann::json& status) {
  auto it = status.find("events_per_sec");
  if (it == status.end() || !it->is_number()) return "-";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f/s", it->get<double>());
  return buffer;
}

std::string LagText(const nlohmann::json& status) {
  auto it = status.find("lag_ms");
  if (it == status.end() || !it->is_number()) return "-";
  return FormatDurationMs(it->get<int64_t>());
}

}  // namespace dbct::cli
