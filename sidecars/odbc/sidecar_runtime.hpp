// What dbct-sqlserver and dbct-oracle share around their source: the NATS side of a tracking
// (stream, ordered publisher with ack watermark, offsets bucket written only for acknowledged
// positions, status and logs), the resource -> settings plumbing, and stop handling.
#ifndef DBCT_ODBC_SIDECAR_RUNTIME_HPP
#define DBCT_ODBC_SIDECAR_RUNTIME_HPP

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "dbct/config/resource.hpp"
#include "dbct/nats/connection.hpp"
#include "dbct/nats/control.hpp"
#include "dbct/nats/publisher.hpp"
#include "dbct/nats/stream.hpp"
#include "emitted_event.hpp"
#include "metrics.hpp"

namespace dbct::odbc {

struct RuntimeSettings {
  std::string tracking;  // metadata.name
  std::string type;      // "sqlserver", "oracle"
  nats::NatsSettings nats;
  nats::StreamSettings stream;
  sidecar::Metrics* metrics = nullptr;  // --metrics-addr's counters; not owned, may be null
};

// NATS and stream settings of a resource.
RuntimeSettings RuntimeSettingsFromResource(const config::Resource& resource, const std::string& program);

class SidecarRuntime {
 public:
  // Connects to NATS (waits up to 10 s), ensures the stream, the offsets and status buckets and
  // the logs stream. Throws nats::NatsError.
  explicit SidecarRuntime(RuntimeSettings settings);
  ~SidecarRuntime();

  // The Dbct-Position of the stream's last event: where a restart resumes.
  std::optional<std::string> LastStreamPosition();
  // The acknowledged position in the offsets bucket (may be past the stream's last event when
  // the source moved on without changes to the tracked tables).
  std::optional<std::string> StoredPosition();
  // A position reached without publishing (an idle poll): stored once everything published
  // before it is acknowledged.
  void NotePosition(std::string position);

  // Hands an event to the publisher (waits while max in-flight are unacknowledged).
  void Publish(const EmittedEvent& event);
  // Handles acknowledgements, writes the acknowledged position to the offsets bucket (at most
  // every second) and refreshes the status (every 2 s). Waits up to `wait` for replies.
  void Tick(std::chrono::milliseconds wait = std::chrono::milliseconds(0));
  void SetState(nats::TrackingState state, std::string last_error = "");
  // Waits for every event to be acknowledged, stores the final position, reports `state`.
  bool Finish(std::chrono::milliseconds timeout, nats::TrackingState state);

  void Log(nats::LogLevel level, const std::string& message);
  uint64_t EventsPublished() const { return sequence_; }

 private:
  void CommitOffsets(bool force);
  void ReportStatus(bool force);

  RuntimeSettings settings_;
  nats::Connection connection_;
  std::unique_ptr<nats::Publisher> publisher_;
  std::unique_ptr<nats::OffsetStore> offsets_;
  std::unique_ptr<nats::StatusReporter> status_;
  std::unique_ptr<nats::LogPublisher> logs_;
  std::string subject_;
  uint64_t sequence_ = 0;
  std::deque<std::pair<uint64_t, std::string>> in_flight_;
  std::string acked_position_;
  nats::TrackingStatus status_value_;
  std::chrono::steady_clock::time_point last_offsets_{};
  std::chrono::steady_clock::time_point last_status_{};
};

// Logs to stderr in the sidecars' format ("LEVEL: message") when there is no runtime yet.
void LogToStderr(const char* level, const std::string& message);

}  // namespace dbct::odbc

#endif  // DBCT_ODBC_SIDECAR_RUNTIME_HPP
