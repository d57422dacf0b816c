#include "sidecar_runtime.hpp"

#include <unistd.h>

#include "control_request.hpp"

namespace dbct::sidecar {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kConnectWait{10000};
constexpr milliseconds kOffsetsEvery{1000};

std::string HostName() {
  char buffer[256] = {0};
  if (gethostname(buffer, sizeof buffer - 1) != 0) return "";
  return buffer;
}

}  // namespace

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
  s.confirm_delay = std::chrono::duration_cast<milliseconds>(r.nats.confirm_delay);
  return s;
}

Runtime::Runtime(RuntimeSettings settings, Telemetry& telemetry, std::atomic<bool>* stop)
    : settings_(std::move(settings)),
      telemetry_(telemetry),
      stop_(stop),
      connection_(settings_.nats),
      subject_(nats::TrackingSubject(settings_.tracking)),
      offsets_tracker_(settings_.confirm_delay) {
  if (!connection_.WaitConnected(kConnectWait)) {
    throw nats::NatsError(connection_.NotConnectedMessage() + " (waited 10 s)", true);
  }
  telemetry_.AttachNats(connection_);  // from here on, log lines also reach the logs stream
  try {
    nats::EnsureTrackingStream(connection_, settings_.tracking, settings_.stream);
    offsets_ = std::make_unique<nats::OffsetStore>(connection_);
    publisher_ = std::make_unique<nats::Publisher>(connection_, nats::TrackingStreamName(settings_.tracking));
    nats::SignalBlockGuard guard;  // the subscription's delivery thread must not take signals
    natsSubscription* sub = nullptr;
    nats::CheckStatus(natsConnection_Subscribe(&sub, connection_.nc(), ControlSubject(settings_.tracking).c_str(),
                                               &Runtime::OnControl, this),
                      "could not subscribe to " + ControlSubject(settings_.tracking));
    control_.reset(sub);
    natsSubscription_SetOnCompleteCB(sub, &Runtime::OnControlComplete, this);
  } catch (...) {
    telemetry_.Detach();  // the connection goes away with this half-built runtime
    throw;
  }
}

Runtime::~Runtime() {
  if (!finished_) {
    telemetry_.Detach();
    AnswerStopRequest();
  }
  if (control_) {
    nats::SignalBlockGuard guard;
    natsSubscription_Unsubscribe(control_.get());
    std::unique_lock<std::mutex> lock(control_mutex_);
    // After the complete callback the handler does not run again.
    control_done_cv_.wait_for(lock, std::chrono::seconds(2), [&] { return control_done_; });
    lock.unlock();
    natsSubscription_Destroy(control_.release());
  }
}

std::optional<nats::LastPosition> Runtime::LastEvent() {
  return nats::ReadLastPosition(connection_, settings_.tracking);
}

std::optional<std::string> Runtime::StoredPosition() { return offsets_->Get(settings_.tracking); }

void Runtime::NotePosition(const std::string& position) { offsets_tracker_.Idle(position); }

void Runtime::Publish(const Event& event) {
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
  if (!event.position.empty()) offsets_tracker_.Sent(sequence_, std::string(event.position));
  if (!event.op.empty()) {
    ++events_published_;
    telemetry_.CountEvent(event.source_ts_ms);
  }
  CommitOffsets(false);  // a long snapshot stores its progress too
}

void Runtime::PublishHeartbeat(const HeartbeatMessage& heartbeat, std::string_view position) {
  Event event;
  event.subject = heartbeat.subject;
  event.key = heartbeat.key;
  event.payload = heartbeat.value;
  event.msg_id = heartbeat.msg_id;
  event.position = position;
  Publish(event);
}

uint64_t Runtime::Poll(milliseconds wait) { return publisher_->Poll(wait); }

void Runtime::Tick(milliseconds wait) {
  publisher_->Poll(wait);
  CommitOffsets(false);
}

void Runtime::CommitOffsets(bool force) {
  const auto now = Clock::now();
  if (!force && now - last_offsets_ < kOffsetsEvery) return;
  last_offsets_ = now;
  const uint64_t watermark = publisher_->Poll();
  telemetry_.SetInFlight(publisher_->InFlight());
  const std::string acked = offsets_tracker_.Acked(watermark);
  if (acked.empty()) return;
  telemetry_.SetPosition(acked);
  try {
    offsets_->Put(settings_.tracking, acked);
  } catch (const nats::NatsError& e) {
    // The stream's last Dbct-Position is the source of truth; the bucket is for people.
    telemetry_.Warn(e.what());
  }
}

bool Runtime::Finish(milliseconds timeout, nats::TrackingState state) {
  const bool flushed = publisher_->Flush(timeout);
  CommitOffsets(true);
  telemetry_.SetState(state);
  telemetry_.Close();  // the final status, stored; later log lines go to stderr only
  finished_ = true;
  AnswerStopRequest();
  return flushed;
}

void Runtime::OnControl(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
  nats::MsgPtr owned(msg);
  static_cast<Runtime*>(closure)->HandleControl(owned.get());
}

void Runtime::OnControlComplete(void* closure) {
  auto* self = static_cast<Runtime*>(closure);
  {
    std::lock_guard<std::mutex> lock(self->control_mutex_);
    self->control_done_ = true;
  }
  self->control_done_cv_.notify_all();
}

void Runtime::HandleControl(natsMsg* msg) {
  const char* reply_subject = natsMsg_GetReply(msg);
  const std::string reply = reply_subject == nullptr ? "" : reply_subject;
  const char* data = natsMsg_GetData(msg);
  const auto request = nlohmann::json::parse(data, data + natsMsg_GetDataLength(msg), nullptr, false);
  std::string what = request.is_object() ? request.value("request", "") : "";
  if (what != kStopRequest) {
    Answer(reply, {{"error", "unknown request \"" + what + "\": the sidecar knows \"stop\""}});
    return;
  }
  const std::string from = request.value("from", "");
  telemetry_.Info("stop requested" + (from.empty() ? std::string() : " by " + from));
  {
    std::lock_guard<std::mutex> lock(control_mutex_);
    if (!reply.empty()) stop_reply_ = reply;
  }
  stop_requested_.store(true);
  if (stop_ != nullptr) stop_->store(true);
  Answer(reply, {{"state", "stopping"}});
}

void Runtime::Answer(const std::string& reply, nlohmann::json answer) {
  if (reply.empty()) return;
  answer["name"] = settings_.tracking;
  answer["host"] = HostName();
  answer["pid"] = static_cast<int64_t>(getpid());
  const std::string body = answer.dump();
  natsConnection_Publish(connection_.nc(), reply.c_str(), body.data(), static_cast<int>(body.size()));
}

void Runtime::AnswerStopRequest() {
  std::string reply;
  {
    std::lock_guard<std::mutex> lock(control_mutex_);
    reply.swap(stop_reply_);
  }
  if (reply.empty()) return;
  const nats::TrackingStatus s = telemetry_.Snapshot();
  nlohmann::json answer{{"state", nats::TrackingStateName(s.state)},
                        {"position", s.position},
                        {"events_total", s.events_total}};
  if (s.state != nats::TrackingState::kStopped) {
    answer["state"] = nats::TrackingStateName(nats::TrackingState::kFailed);
    answer["error"] = s.last_error.empty() ? std::string("it ended without stopping cleanly") : s.last_error;
  }
  Answer(reply, std::move(answer));
  nats::SignalBlockGuard guard;
  natsConnection_FlushTimeout(connection_.nc(), 2000);
}

}  // namespace dbct::sidecar
