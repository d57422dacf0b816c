// The NATS side of one sidecar's tracking, the same for every sidecar: the connection, the
// tracking's stream, the ordered publisher with its ack watermark, the offsets bucket (written
// only with acknowledged positions), the telemetry attached to NATS (status, logs), and the
// control subject (control_request.hpp) on which a stop request sets the stop flag.
//
// Flow (one direction): the sidecar's emitter -> Runtime::Publish -> nats::Publisher -> ack
// watermark -> offsets bucket and status position. Everything except the control callback runs
// on the caller's thread.
#ifndef DBCT_SIDECAR_COMMON_SIDECAR_RUNTIME_HPP
#define DBCT_SIDECAR_COMMON_SIDECAR_RUNTIME_HPP

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "dbct/config/resource.hpp"
#include "dbct/nats/connection.hpp"
#include "dbct/nats/control.hpp"
#include "dbct/nats/publisher.hpp"
#include "dbct/nats/stream.hpp"
#include "heartbeats.hpp"
#include "offset_tracker.hpp"
#include "telemetry.hpp"

namespace dbct::sidecar {

struct RuntimeSettings {
  std::string tracking;  // metadata.name
  std::string type;      // "mysql", "mongodb", "sqlserver", "oracle"
  nats::NatsSettings nats;
  nats::StreamSettings stream;
  std::chrono::milliseconds confirm_delay{0};  // spec.nats.confirmDelay: how long the offsets entry lags
};

// The NATS and stream settings of a resource; the connection is named "<program> <name>".
RuntimeSettings RuntimeSettingsFromResource(const config::Resource& resource, const std::string& program);

// One message for the tracking's stream. Views only need to live for the Publish call; empty
// headers are left out.
struct Event {
  std::string_view subject;   // "" -> the change subject dbchangetracking.N
  std::string_view payload;
  std::string_view msg_id;    // Nats-Msg-Id
  std::string_view position;  // Dbct-Position; "" -> nothing a restart resumes after
  std::string_view op;        // Dbct-Op; a change event (counted in events_total) has one
  std::string_view table;     // Dbct-Table
  std::string_view key;       // Dbct-Key
  int64_t source_ts_ms = 0;   // the change's commit time, for lag_ms; 0: unknown
};

class Runtime {
 public:
  // Connects to NATS (waits up to 10 s), ensures the tracking's stream, the offsets and status
  // buckets and the logs stream, attaches `telemetry` and listens on the control subject: a
  // stop request sets *stop. Throws nats::NatsError.
  Runtime(RuntimeSettings settings, Telemetry& telemetry, std::atomic<bool>* stop);
  // Without Finish (an error ended the work): detaches the telemetry, answers a pending stop
  // request with the current state.
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  nats::Connection& connection() { return connection_; }
  // The newest event of the tracking's stream: where a restart resumes. Throws NatsError.
  std::optional<nats::LastPosition> LastEvent();
  // The acknowledged position in the offsets bucket: may be past the stream's last event when
  // the source moved on without changes to the tracked tables. Throws NatsError.
  std::optional<std::string> StoredPosition();
  // A position reached without publishing (an idle poll): stored once everything published
  // before it is acknowledged.
  void NotePosition(const std::string& position);
  // The newest position known: published or noted; "" before the first.
  const std::string& CurrentPosition() const { return offsets_tracker_.current(); }

  // Hands one message to the publisher (waits while max in-flight are unacknowledged); at most
  // once a second also stores the newest acknowledged position, as Tick does.
  void Publish(const Event& event);
  // Publishes `heartbeat` with Dbct-Position `position` (the source read through there).
  void PublishHeartbeat(const HeartbeatMessage& heartbeat, std::string_view position);
  // Handles acknowledgements, waiting up to `wait` for one. Returns the ack watermark.
  uint64_t Poll(std::chrono::milliseconds wait = std::chrono::milliseconds(0));
  // Poll, then (at most once a second) stores the newest acknowledged position in the offsets
  // bucket and the status.
  void Tick(std::chrono::milliseconds wait = std::chrono::milliseconds(0));
  // Waits up to `timeout` for every acknowledgement, stores the acknowledged position, reports
  // `state` as the final status and answers a stop request. False when not everything was
  // acknowledged in time.
  bool Finish(std::chrono::milliseconds timeout, nats::TrackingState state);

  uint64_t EventsPublished() const { return events_published_; }  // change events
  // Whether a stop request (not a signal) asked this process to stop.
  bool StopRequested() const { return stop_requested_.load(); }

 private:
  static void OnControl(natsConnection* nc, natsSubscription* sub, natsMsg* msg, void* closure);
  static void OnControlComplete(void* closure);
  void HandleControl(natsMsg* msg);
  void Answer(const std::string& reply, nlohmann::json answer);
  void AnswerStopRequest();
  void CommitOffsets(bool force);

  RuntimeSettings settings_;
  Telemetry& telemetry_;
  std::atomic<bool>* stop_;
  nats::Connection connection_;
  std::unique_ptr<nats::Publisher> publisher_;
  std::unique_ptr<nats::OffsetStore> offsets_;
  const std::string subject_;
  uint64_t sequence_ = 0;
  uint64_t events_published_ = 0;
  OffsetTracker offsets_tracker_;
  std::chrono::steady_clock::time_point last_offsets_{};
  bool finished_ = false;

  nats::SubscriptionPtr control_;
  std::atomic<bool> stop_requested_{false};
  std::mutex control_mutex_;
  std::string stop_reply_;  // where the final answer to a stop request goes
  bool control_done_ = false;
  std::condition_variable control_done_cv_;
};

}  // namespace dbct::sidecar

#endif  // DBCT_SIDECAR_COMMON_SIDECAR_RUNTIME_HPP
