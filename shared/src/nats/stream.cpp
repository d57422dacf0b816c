// stream.cpp — create or update a tracking's stream; read its last position.
#include "dbct/nats/stream.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <vector>

namespace dbct::nats {

namespace {

constexpr int kLastPositionLookback = 64;  // newest messages searched for a Dbct-Position
constexpr size_t kMaxTrackingNameLength = 63;

NatsError JsFailure(const std::string& what, natsStatus status, jsErrCode code) {
  std::string message = StatusMessage(what, status);
  if (code != 0) message += " (JetStream error " + std::to_string(static_cast<int>(code)) + ")";
  // 10008: JetStream temporarily unavailable (e.g. still recovering after a restart).
  bool retriable = IsRetriableStatus(status) || static_cast<int>(code) == 10008;
  return NatsError(message, retriable);
}

const char* StorageName(jsStorageType storage) {
  return storage == js_MemoryStorage ? "memory" : "file";
}

const char* RetentionName(jsRetentionPolicy retention) {
  switch (retention) {
    case js_LimitsPolicy: return "limits";
    case js_InterestPolicy: return "interest";
    case js_WorkQueuePolicy: return "workqueue";
  }
  return "unknown";
}

jsStorageType ToJs(StorageType storage) {
  return storage == StorageType::kMemory ? js_MemoryStorage : js_FileStorage;
}

bool SameSubjects(const jsStreamConfig& current, const std::vector<std::string>& wanted) {
  if (current.SubjectsLen != static_cast<int>(wanted.size())) return false;
  for (const auto& subject : wanted) {
    bool found = false;
    for (int i = 0; i < current.SubjectsLen && !found; i++)
      found = subject == current.Subjects[i];
    if (!found) return false;
  }
  return true;
}

bool SameRePublish(const jsStreamConfig& current, const StreamSpec& spec) {
  if (spec.republish_source.empty()) return current.RePublish == nullptr;
  if (current.RePublish == nullptr) return false;
  auto eq = [](const char* a, const std::string& b) { return a != nullptr && b == a; };
  return eq(current.RePublish->Source, spec.republish_source) &&
         eq(current.RePublish->Destination, spec.republish_destination) &&
         !current.RePublish->HeadersOnly;
}

// Writes the managed settings of `spec` into `cfg`; pointers in cfg then refer to spec,
// subjects and republish, which must outlive the call that uses cfg.
void ApplySpec(jsStreamConfig& cfg, const StreamSpec& spec, std::vector<const char*>& subjects,
               jsRePublish& republish) {
  subjects.clear();
  for (const auto& subject : spec.subjects) subjects.push_back(subject.c_str());
  cfg.Name = spec.name.c_str();
  cfg.Subjects = subjects.data();
  cfg.SubjectsLen = static_cast<int>(subjects.size());
  cfg.Retention = js_LimitsPolicy;
  cfg.Discard = js_DiscardOld;
  cfg.Storage = ToJs(spec.storage);
  cfg.MaxMsgs = spec.max_messages;
  cfg.MaxBytes = spec.max_bytes;
  cfg.MaxAge = spec.max_age.count();
  cfg.MaxMsgsPerSubject = spec.max_messages_per_subject;
  cfg.Replicas = spec.replicas;
  cfg.Duplicates = spec.duplicate_window.count();
  if (spec.republish_source.empty()) {
    cfg.RePublish = nullptr;
  } else {
    jsRePublish_Init(&republish);
    republish.Source = spec.republish_source.c_str();
    republish.Destination = spec.republish_destination.c_str();
    republish.HeadersOnly = false;
    cfg.RePublish = &republish;
  }
}

bool NeedsUpdate(const jsStreamConfig& c, const StreamSpec& spec) {
  return !SameSubjects(c, spec.subjects) || c.Discard != js_DiscardOld ||
         c.MaxMsgs != spec.max_messages || c.MaxBytes != spec.max_bytes ||
         c.MaxAge != spec.max_age.count() || c.MaxMsgsPerSubject != spec.max_messages_per_subject ||
         c.Replicas != spec.replicas || c.Duplicates != spec.duplicate_window.count() ||
         !SameRePublish(c, spec);
}

std::string Header(natsMsg* msg, const char* name) {
  const char* value = nullptr;
  if (natsMsgHeader_Get(msg, name, &value) != NATS_OK || value == nullptr) return "";
  return value;
}

}  // namespace

std::string TrackingStreamName(std::string_view name) {
  std::string out = "dbchangetracking-";
  out.append(name);
  out += "-stream";
  return out;
}

std::string TrackingSubject(std::string_view name) {
  std::string out = "dbchangetracking.";
  out.append(name);
  return out;
}

std::string ProcessingSubject(std::string_view name) {
  std::string out = "dbchangetrackingprocessing.";
  out.append(name);
  return out;
}

std::string TransactionSubject(std::string_view name) { return TrackingSubject(name) + ".transaction"; }
std::string HeartbeatSubject(std::string_view name) { return TrackingSubject(name) + ".heartbeat"; }
std::string LogicalMessageSubject(std::string_view name) { return TrackingSubject(name) + ".message"; }

void ValidateTrackingName(std::string_view name) {
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  bool ok = !name.empty() && name.size() <= kMaxTrackingNameLength && alnum(name.front()) &&
            alnum(name.back()) &&
            std::all_of(name.begin(), name.end(), [&](char c) { return alnum(c) || c == '-'; });
  if (!ok) {
    throw NatsError("invalid tracking name \"" + std::string(name) +
                        "\": use 1-63 characters of a-z, 0-9 and '-', starting and ending with "
                        "a letter or digit",
                    false);
  }
  // dbchangetracking.logs.> belongs to the logs stream; a tracking named "logs" would overlap.
  if (name == "logs") {
    throw NatsError("tracking name \"logs\" is reserved: its subjects would overlap the logs "
                    "stream (dbchangetracking.logs.>); choose another name",
                    false);
  }
}

StreamSpec TrackingStreamSpec(std::string_view name, const StreamSettings& settings) {
  ValidateTrackingName(name);
  StreamSpec spec;
  spec.name = TrackingStreamName(name);
  spec.subjects = {TrackingSubject(name), TrackingSubject(name) + ".>"};
  spec.storage = settings.storage;
  spec.max_messages = settings.max_messages;
  spec.max_bytes = settings.max_bytes;
  spec.max_age = settings.max_age;
  spec.replicas = settings.replicas;
  spec.duplicate_window = settings.duplicate_window;
  spec.republish_source = TrackingSubject(name);
  spec.republish_destination = ProcessingSubject(name);
  return spec;
}

EnsureOutcome EnsureTrackingStream(Connection& connection, std::string_view name,
                                   const StreamSettings& settings) {
  return EnsureStream(connection, TrackingStreamSpec(name, settings));
}

EnsureOutcome EnsureStream(Connection& connection, const StreamSpec& spec) {
  SignalBlockGuard guard;  // the first JetStream request may start a cnats thread
  std::vector<const char*> subjects;
  jsRePublish republish;
  const std::string quoted = "stream \"" + spec.name + "\"";

  for (int attempt = 0; attempt < 2; attempt++) {
    jsStreamInfo* raw_info = nullptr;
    jsErrCode code = static_cast<jsErrCode>(0);
    natsStatus s = js_GetStreamInfo(&raw_info, connection.js(), spec.name.c_str(), nullptr, &code);
    StreamInfoPtr info(raw_info);
    if (s == NATS_NOT_FOUND || code == JSStreamNotFoundErr) {
      jsStreamConfig cfg;
      jsStreamConfig_Init(&cfg);
      ApplySpec(cfg, spec, subjects, republish);
      jsStreamInfo* created = nullptr;
      code = static_cast<jsErrCode>(0);
      s = js_AddStream(&created, connection.js(), &cfg, nullptr, &code);
      StreamInfoPtr created_owner(created);
      if (s == NATS_OK) return EnsureOutcome::kCreated;
      if (code == JSStreamNameExistErr) continue;  // created meanwhile by someone else: compare
      throw JsFailure("could not create " + quoted, s, code);
    }
    if (s != NATS_OK) throw JsFailure("could not read " + quoted, s, code);

    const jsStreamConfig& current = *info->Config;
    if (current.Storage != ToJs(spec.storage)) {
      throw NatsError(quoted + " has storage " + StorageName(current.Storage) +
                          " but the configuration asks for " + StorageName(ToJs(spec.storage)) +
                          ": JetStream cannot change the storage of an existing stream; delete "
                          "the stream or set stream storage to " + StorageName(current.Storage),
                      false);
    }
    if (current.Retention != js_LimitsPolicy) {
      throw NatsError(quoted + " has retention " + RetentionName(current.Retention) +
                          " but dbchangetracking needs limits: JetStream cannot change the "
                          "retention of an existing stream; delete the stream",
                      false);
    }
    if (!NeedsUpdate(current, spec)) return EnsureOutcome::kUnchanged;

    // Start from the existing configuration so settings we do not manage stay as they are.
    jsStreamConfig cfg = current;
    ApplySpec(cfg, spec, subjects, republish);
    jsStreamInfo* updated = nullptr;
    code = static_cast<jsErrCode>(0);
    s = js_UpdateStream(&updated, connection.js(), &cfg, nullptr, &code);
    StreamInfoPtr updated_owner(updated);
    if (s != NATS_OK) throw JsFailure("could not update " + quoted + " to its configuration", s, code);
    return EnsureOutcome::kUpdated;
  }
  throw NatsError("could not create " + quoted + ": it keeps being created and removed", true);
}

std::optional<StreamState> GetStreamState(Connection& connection, const std::string& stream,
                                          std::chrono::milliseconds timeout) {
  SignalBlockGuard guard;
  jsOptions options;
  jsOptions_Init(&options);
  options.Wait = timeout.count();
  jsStreamInfo* raw_info = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&raw_info, connection.js(), stream.c_str(), &options, &code);
  StreamInfoPtr info(raw_info);
  if (s == NATS_NOT_FOUND || code == JSStreamNotFoundErr) return std::nullopt;
  if (s != NATS_OK) throw JsFailure("could not read stream \"" + stream + "\"", s, code);
  StreamState state;
  state.messages = info->State.Msgs;
  state.first_sequence = info->State.FirstSeq;
  state.last_sequence = info->State.LastSeq;
  return state;
}

namespace {

// The position a stored message carries, with the headers resuming sources need; nullopt when it
// has no Dbct-Position (heartbeats, foreign messages). The one reader of these headers.
std::optional<LastPosition> PositionOf(natsMsg* msg, uint64_t seq) {
  std::string position = Header(msg, kHeaderPosition);
  if (position.empty()) return std::nullopt;
  return LastPosition{std::move(position), Header(msg, kHeaderMsgId), seq, Header(msg, kHeaderTable),
                      Header(msg, kHeaderKey)};
}

// Messages per subject of the stream (stream info with a subjects filter).
std::map<std::string, uint64_t> SubjectCounts(Connection& connection, const std::string& stream) {
  jsOptions options;
  jsOptions_Init(&options);
  options.Wait = connection.settings().request_timeout.count();
  options.Stream.Info.SubjectsFilter = ">";
  jsStreamInfo* raw_info = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&raw_info, connection.js(), stream.c_str(), &options, &code);
  StreamInfoPtr info(raw_info);
  std::map<std::string, uint64_t> counts;
  if (s == NATS_NOT_FOUND || code == JSStreamNotFoundErr) return counts;
  if (s != NATS_OK) throw JsFailure("could not read stream \"" + stream + "\"", s, code);
  if (info->State.Subjects != nullptr) {
    for (int i = 0; i < info->State.Subjects->Count; i++)
      counts[info->State.Subjects->List[i].Subject] = info->State.Subjects->List[i].Msgs;
  }
  return counts;
}

// The newest message with Dbct-Position on one of `subjects`, walking back from the stream's
// last sequence to `above` (exclusive).
std::optional<LastPosition> WalkBack(Connection& connection, const std::string& stream,
                                     const std::vector<std::string>& subjects, uint64_t above) {
  auto state = GetStreamState(connection, stream, connection.settings().request_timeout);
  if (!state || state->messages == 0) return std::nullopt;
  uint64_t lowest = std::max<uint64_t>({state->first_sequence, above + 1, 1});
  for (uint64_t seq = state->last_sequence; seq >= lowest; seq--) {
    natsMsg* raw = nullptr;
    jsErrCode code = static_cast<jsErrCode>(0);
    natsStatus s = js_GetMsg(&raw, connection.js(), stream.c_str(), seq, nullptr, &code);
    MsgPtr msg(raw);
    if (s == NATS_NOT_FOUND || code == JSNoMessageFoundErr) continue;
    if (s != NATS_OK) {
      throw JsFailure("could not read message " + std::to_string(seq) + " of stream \"" + stream +
                          "\"",
                      s, code);
    }
    const char* subject = natsMsg_GetSubject(msg.get());
    if (subject == nullptr ||
        std::find(subjects.begin(), subjects.end(), subject) == subjects.end())
      continue;
    if (auto found = PositionOf(msg.get(), seq)) return found;
  }
  return std::nullopt;
}

}  // namespace

std::optional<LastPosition> ReadLastPosition(Connection& connection, std::string_view name,
                                             bool with_heartbeats) {
  ValidateTrackingName(name);
  const std::string stream = TrackingStreamName(name);
  // Only these subjects carry positions. Asking each for its last message finds the newest
  // position however many heartbeats follow it.
  std::vector<std::string> subjects = {TrackingSubject(name), TransactionSubject(name),
                                       LogicalMessageSubject(name)};
  if (with_heartbeats) subjects.push_back(HeartbeatSubject(name));
  SignalBlockGuard guard;
  const auto counts = SubjectCounts(connection, stream);
  std::optional<LastPosition> newest;
  bool unanswered = false;
  for (const auto& subject : subjects) {
    auto count = counts.find(subject);
    if (count == counts.end() || count->second == 0) continue;
    natsMsg* raw = nullptr;
    jsErrCode code = static_cast<jsErrCode>(0);
    natsStatus s = js_GetLastMsg(&raw, connection.js(), stream.c_str(), subject.c_str(), nullptr,
                                 &code);
    MsgPtr msg(raw);
    if (s == NATS_NOT_FOUND || code == JSNoMessageFoundErr) {
      // nats-server 2.9 answers so when the subject's last message was deleted, although
      // older ones remain: look for them below.
      unanswered = true;
      continue;
    }
    if (s != NATS_OK) {
      throw JsFailure("could not read the last message on \"" + subject + "\" of stream \"" +
                          stream + "\"",
                      s, code);
    }
    auto found = PositionOf(msg.get(), natsMsg_GetSequence(msg.get()));
    if (found && (!newest || newest->stream_sequence < found->stream_sequence))
      newest = std::move(found);
  }
  if (unanswered) {
    auto older = WalkBack(connection, stream, subjects, newest ? newest->stream_sequence : 0);
    if (older) newest = std::move(older);
  }
  return newest;
}

std::optional<LastPosition> ReadLastPositionOfStream(Connection& connection,
                                                     const std::string& stream) {
  auto state = GetStreamState(connection, stream, connection.settings().request_timeout);
  if (!state || state->messages == 0 || state->last_sequence == 0) return std::nullopt;

  SignalBlockGuard guard;
  // Walk back from the newest message: the last one may be without a position (or deleted).
  uint64_t lowest = std::max<uint64_t>(state->first_sequence, 1);
  for (uint64_t seq = state->last_sequence, tries = 0;
       seq >= lowest && tries < kLastPositionLookback; seq--, tries++) {
    natsMsg* raw = nullptr;
    jsErrCode code = static_cast<jsErrCode>(0);
    natsStatus s = js_GetMsg(&raw, connection.js(), stream.c_str(), seq, nullptr, &code);
    MsgPtr msg(raw);
    if (s == NATS_NOT_FOUND || code == JSNoMessageFoundErr) continue;
    if (s != NATS_OK) {
      throw JsFailure("could not read message " + std::to_string(seq) + " of stream \"" + stream +
                          "\"",
                      s, code);
    }
    if (auto found = PositionOf(msg.get(), seq)) return found;
  }
  return std::nullopt;
}

}  // namespace dbct::nats
