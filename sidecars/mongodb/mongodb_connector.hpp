// dbct-mongodb's coordinator: snapshot, then change stream, through one translator and one
// publisher, with exactly-once resume from the stream's last Dbct-Position.
//
// Flow (one direction): MongoSource (BSON) -> ChangeTranslator -> EventPublisher -> the
// sidecars' common runtime (nats::Publisher, ack watermark, offsets bucket, status). A retriable MongoDB error reopens the
// change stream after the last event handed to the publisher.
#ifndef DBCT_MONGODB_MONGODB_CONNECTOR_HPP
#define DBCT_MONGODB_MONGODB_CONNECTOR_HPP

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "change_translator.hpp"
#include "mongo_source.hpp"
#include "sidecar_runtime.hpp"
#include "telemetry.hpp"

namespace dbct::mongodb {

struct ConnectorConfig {
  std::string tracking;  // metadata.name: stream, subject, Nats-Msg-Id prefix
  SourceSettings source;
  TranslatorSettings translator;
  // Debezium capture.mode: change_streams, change_streams_update_full (default),
  // change_streams_with_pre_image, change_streams_update_full_with_pre_image.
  std::string capture_mode = "change_streams_update_full";
  // initial, always, initial_only, no_data (never), when_needed.
  std::string snapshot_mode = "initial";
  std::chrono::milliseconds heartbeat_interval{0};  // heartbeatIntervalMs; 0: no heartbeats
  std::chrono::milliseconds confirm_delay{0};       // spec.nats.confirmDelay: offsets entry lag
  sidecar::RuntimeSettings runtime;                 // NATS and the stream
};

// Live capture until `stop` is set by a signal or a stop request (exit 0 after in-flight
// publishes finished) or a fatal error (reason on stderr, exit 1). Logs, status and metrics go
// through `telemetry`.
int RunConnector(const ConnectorConfig& config, sidecar::Telemetry& telemetry, std::atomic<bool>& stop);

struct ReplayOptions {
  std::string file;  // change-stream documents, Extended JSON, one per line ("-": stdin)
  bool publish = false;
  std::optional<int64_t> event_time_ms;  // fixed envelope ts_ms, for comparable output
};

// Translates a replay file: events to stdout, one JSON per line, or to NATS with publish.
// Exit 0, 1 (NATS failure) or 2 (a line that is not a change-stream document).
int RunReplay(const ConnectorConfig& config, const ReplayOptions& options, sidecar::Telemetry& telemetry,
              const std::atomic<bool>& stop);

}  // namespace dbct::mongodb

#endif  // DBCT_MONGODB_MONGODB_CONNECTOR_HPP
