#include "sidecar_runtime.hpp"

#include <cstdio>

namespace dbct::odbc {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

void LogToStderr(const char* level, const std::string& message) {
  std::fprintf(stderr, "%s: %s\n", level, message.c_str());
  std::fflush(stderr);
}

RuntimeSettings RuntimeSettingsFromResource(const config::Resource& r, const std::string& program) {
  RuntimeSettings s;
  s.tracking = r.name;
  s.type = std::string(config::SourceTypeName(r.type));
  if (!r.nats.url.empty()) s.nats.urls = {r.nats.url};
  s.nats.user = r.nats.user;
  s.nats.password = r.nats.password;
  s.nats.token = r.nats.token;
  s.nats.credentials_file = r.nats.credentials;
  s.nats.tls_ca = r.nats.tls.ca;
  s.nats.tls_cert = r.nats.tls.cert;
  s.nats.tls_key = r.nats.tls.key;
  s.nats.name = program + " " + r.name;
  s.stream.max_messages = r.nats.stream.max_messages;
  s.stream.max_bytes = r.nats.stream.max_bytes;
  s.stream.max_age = r.nats.stream.max_age;
  s.stream.storage =
      r.nats.stream.storage == config::StorageType::kMemory ? nats::StorageType::kMemory : nats::StorageType::kFile;
  s.stream.replicas = r.nats.stream.replicas;
  s.stream.duplicate_window = r.nats.stream.duplicate_window;
  return s;
}

SidecarRuntime::SidecarRuntime(RuntimeSettings settings)
    : settings_(std::move(settings)), connection_(settings_.nats), subject_(nats::TrackingSubject(settings_.tracking)) {
  if (!connection_.WaitConnected(milliseconds(10000))) {
    throw nats::NatsError("could not connect to NATS at " +
                              (settings_.nats.urls.empty() ? nats::DefaultNatsUrl() : settings_.nats.urls[0]) +
                              " within 10 s",
                          true);
  }
  nats::EnsureTrackingStream(connection_, settings_.tracking, settings_.stream);
  offsets_ = std::make_unique<nats::OffsetStore>(connection_);
  status_ = std::make_unique<nats::StatusReporter>(connection_, settings_.tracking);
  logs_ = std::make_unique<nats::LogPublisher>(&connection_, settings_.tracking);
  publisher_ = std::make_unique<nats::Publisher>(connection_, nats::TrackingStreamName(settings_.tracking));
  status_value_.name = settings_.tracking;
  status_value_.type = settings_.type;
  ReportStatus(true);
}

SidecarRuntime::~SidecarRuntime() = default;

std::optional<std::string> SidecarRuntime::StoredPosition() { return offsets_->Get(settings_.tracking); }

void SidecarRuntime::NotePosition(std::string position) { in_flight_.emplace_back(sequence_, std::move(position)); }

std::optional<std::string> SidecarRuntime::LastStreamPosition() {
  auto last = nats::ReadLastPosition(connection_, settings_.tracking);
  if (!last) return std::nullopt;
  return last->position;
}

void SidecarRuntime::Publish(const EmittedEvent& event) {
  nats::OutgoingMessage m;
  m.sequence = ++sequence_;
  m.subject = event.subject.empty() ? std::string_view(subject_) : event.subject;
  m.payload = event.payload;
  m.msg_id = event.msg_id;
  m.position = event.position;
  m.op = event.op;
  m.table = event.table;
  m.key = event.key;
  publisher_->Publish(m);
  in_flight_.emplace_back(sequence_, std::string(event.position));
  if (event.subject.empty()) {  // a change event, not a transaction boundary or heartbeat
    ++status_value_.events_total;
    status_value_.last_event_at_ms = nats::NowMs();
    if (event.source_ts_ms > 0) status_value_.lag_ms = status_value_.last_event_at_ms - event.source_ts_ms;
    if (settings_.metrics) settings_.metrics->CountEvents(1, event.source_ts_ms);
  }
  Tick();
}

void SidecarRuntime::Tick(milliseconds wait) {
  publisher_->Poll(wait);
  if (settings_.metrics) settings_.metrics->SetInFlight(sequence_ - publisher_->AckWatermark());
  CommitOffsets(false);
  ReportStatus(false);
}

void SidecarRuntime::CommitOffsets(bool force) {
  const auto now = Clock::now();
  if (!force && now - last_offsets_ < milliseconds(1000)) return;
  last_offsets_ = now;
  const uint64_t watermark = publisher_->AckWatermark();
  std::string acked;
  while (!in_flight_.empty() && in_flight_.front().first <= watermark) {
    acked = std::move(in_flight_.front().second);
    in_flight_.pop_front();
  }
  if (acked.empty()) return;
  acked_position_ = acked;
  status_value_.position = acked;
  try {
    offsets_->Put(settings_.tracking, acked);
  } catch (const nats::NatsError& e) {
    LogToStderr("WARNING", e.what());  // the stream's last Dbct-Position is the source of truth
  }
}

void SidecarRuntime::ReportStatus(bool force) {
  const auto now = Clock::now();
  if (!force && now - last_status_ < milliseconds(2000)) return;
  last_status_ = now;
  try {
    status_->Report(status_value_);
  } catch (const nats::NatsError& e) {
    LogToStderr("WARNING", std::string("could not report status: ") + e.what());
  }
}

void SidecarRuntime::SetState(nats::TrackingState state, std::string last_error) {
  status_value_.state = state;
  if (settings_.metrics) settings_.metrics->SetState(state);
  if (!last_error.empty()) status_value_.last_error = std::move(last_error);
  ReportStatus(true);
}

bool SidecarRuntime::Finish(milliseconds timeout, nats::TrackingState state) {
  const bool flushed = publisher_->Flush(timeout);
  CommitOffsets(true);
  status_value_.state = state;
  if (settings_.metrics) {
    settings_.metrics->SetInFlight(sequence_ - publisher_->AckWatermark());
    settings_.metrics->SetState(state);
  }
  try {
    status_->ReportAndWait(status_value_);
  } catch (const nats::NatsError& e) {
    LogToStderr("WARNING", std::string("could not report status: ") + e.what());
  }
  return flushed;
}

void SidecarRuntime::Log(nats::LogLevel level, const std::string& message) {
  try {
    logs_->Log(level, message);
  } catch (const nats::NatsError&) {
    LogToStderr(nats::LogLevelName(level), message);
  }
}

}  // namespace dbct::odbc
