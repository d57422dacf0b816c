// stream.hpp — the JetStream stream of a tracking (SPEC §4): names, ensure, last position.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dbct/nats/connection.hpp"

namespace dbct::nats {

enum class StorageType { kFile, kMemory };

// spec.nats.stream of a resource; the defaults are SPEC §4's.
struct StreamSettings {
  int64_t max_messages = 512;               // -1: unlimited
  int64_t max_bytes = -1;                   // -1: unlimited
  std::chrono::nanoseconds max_age{0};      // 0: unlimited
  StorageType storage = StorageType::kFile;
  int replicas = 1;
  std::chrono::nanoseconds duplicate_window = std::chrono::minutes(2);
};

// A full stream definition as this library manages it (retention is always limits-based,
// discard always old). Settings not listed here are left as they are on an existing stream.
struct StreamSpec {
  std::string name;
  std::vector<std::string> subjects;
  StorageType storage = StorageType::kFile;
  int64_t max_messages = -1;
  int64_t max_bytes = -1;
  int64_t max_messages_per_subject = -1;
  std::chrono::nanoseconds max_age{0};
  int replicas = 1;
  std::chrono::nanoseconds duplicate_window = std::chrono::minutes(2);
  std::string republish_source;       // empty: no RePublish
  std::string republish_destination;
};

enum class EnsureOutcome { kCreated, kUpdated, kUnchanged };

// Names of SPEC §4 for tracking `name`.
std::string TrackingStreamName(std::string_view name);    // dbchangetracking-N-stream
std::string TrackingSubject(std::string_view name);       // dbchangetracking.N
std::string ProcessingSubject(std::string_view name);     // dbchangetrackingprocessing.N
std::string TransactionSubject(std::string_view name);    // dbchangetracking.N.transaction
std::string HeartbeatSubject(std::string_view name);      // dbchangetracking.N.heartbeat
std::string LogicalMessageSubject(std::string_view name); // dbchangetracking.N.message

// Throws NatsError (not retriable) unless `name` is 1-63 of a-z, 0-9, '-', starting and
// ending with a letter or digit.
void ValidateTrackingName(std::string_view name);

StreamSpec TrackingStreamSpec(std::string_view name, const StreamSettings& settings);

// Creates the stream, or brings an existing one to `spec`. A setting JetStream cannot change
// (storage, retention) throws a non-retriable NatsError naming it with current and wanted value.
EnsureOutcome EnsureStream(Connection& connection, const StreamSpec& spec);
EnsureOutcome EnsureTrackingStream(Connection& connection, std::string_view name,
                                   const StreamSettings& settings);

struct StreamState {
  uint64_t messages = 0;
  uint64_t first_sequence = 0;
  uint64_t last_sequence = 0;
};
// nullopt when the stream does not exist. Throws NatsError on other failures.
std::optional<StreamState> GetStreamState(Connection& connection, const std::string& stream,
                                          std::chrono::milliseconds timeout);

// The newest event of a tracking's stream, for exactly-once resume.
struct LastPosition {
  std::string position;  // Dbct-Position header
  std::string msg_id;    // Nats-Msg-Id header ("" when absent)
  uint64_t stream_sequence = 0;
  std::string table;     // Dbct-Table ("" when absent)
  std::string key;       // Dbct-Key ("" when absent)
};
// The newest message of a tracking's stream on the subjects that carry Dbct-Position
// (changes, transaction metadata, logical messages; heartbeats too with with_heartbeats, for
// connectors whose heartbeats carry the position to resume after); nullopt when there is none
// or the stream does not exist.
std::optional<LastPosition> ReadLastPosition(Connection& connection, std::string_view name,
                                             bool with_heartbeats = false);
// For a stream of another layout: the last of its newest 64 messages that has Dbct-Position.
std::optional<LastPosition> ReadLastPositionOfStream(Connection& connection,
                                                     const std::string& stream);

// Header names used on every change event.
inline constexpr const char* kHeaderMsgId = "Nats-Msg-Id";
inline constexpr const char* kHeaderExpectedLastSequence = "Nats-Expected-Last-Sequence";
inline constexpr const char* kHeaderPosition = "Dbct-Position";
inline constexpr const char* kHeaderOp = "Dbct-Op";
inline constexpr const char* kHeaderTable = "Dbct-Table";
inline constexpr const char* kHeaderKey = "Dbct-Key";

}  // namespace dbct::nats
