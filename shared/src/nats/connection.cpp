// connection.cpp — cnats connection ownership, error text, signal blocking.
#include "dbct/nats/connection.hpp"

#include "dbct/config/secrets.hpp"

#include <pthread.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>

namespace dbct::nats {

namespace {

constexpr int kMaxBackoffShift = 16;

// masked: the URLs with any password in them replaced, for messages
std::string JoinUrls(const std::vector<std::string>& urls, bool masked) {
  std::string out;
  for (const auto& url : urls) {
    if (!out.empty()) out += ',';
    out += masked ? config::MaskUrlCredentials(url) : url;
  }
  return out;
}

}  // namespace

std::string DefaultNatsUrl() {
  const char* env = std::getenv("NATS_URL");
  if (env != nullptr && *env != '\0') return env;
  return "nats://127.0.0.1:4222";
}

std::string StatusMessage(const std::string& what, natsStatus status) {
  return what + ": " + StatusReason(status);
}

std::string StatusReason(natsStatus status) {
  std::string message = natsStatus_GetText(status);
  // nats_GetLastError is thread-local: it describes the last failure in this thread.
  natsStatus last_status = NATS_OK;
  const char* detail = nats_GetLastError(&last_status);
  if (detail == nullptr || *detail == '\0' || last_status != status) return message;
  // cnats prefixes its detail with "(file.c:line): "; keep only the text.
  std::string text = detail;
  if (!text.empty() && text[0] == '(') {
    size_t end = text.find("): ");
    if (end != std::string::npos) text.erase(0, end + 3);
  }
  if (!text.empty() && text != natsStatus_GetText(status)) {
    message += ": ";
    message += text;
  }
  return message;
}

bool IsRetriableStatus(natsStatus status) {
  switch (status) {
    case NATS_CONNECTION_CLOSED:
    case NATS_CONNECTION_DISCONNECTED:
    case NATS_NO_SERVER:
    case NATS_STALE_CONNECTION:
    case NATS_TIMEOUT:
    case NATS_NO_RESPONDERS:
    case NATS_NOT_YET_CONNECTED:
    case NATS_IO_ERROR:
    case NATS_INSUFFICIENT_BUFFER:
    case NATS_SLOW_CONSUMER:
    case NATS_MAX_DELIVERED_MSGS:
      return true;
    default:
      return false;
  }
}

void CheckStatus(natsStatus status, const std::string& what) {
  if (status == NATS_OK) return;
  throw NatsError(StatusMessage(what, status), IsRetriableStatus(status));
}

SignalBlockGuard::SignalBlockGuard() {
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &previous_);
}

SignalBlockGuard::~SignalBlockGuard() { pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }

void SubscriptionDeleter::operator()(natsSubscription* s) const {
  natsSubscription_Unsubscribe(s);
  natsSubscription_Destroy(s);
}

// State the cnats callbacks may touch. Held apart from Connection so that a callback still
// queued on a cnats thread when the connection goes away never reads freed memory.
struct ConnectionCallbackState {
  Connection* owner;
  int64_t reconnect_min_ms;
  int64_t reconnect_max_ms;
};

Connection::Connection(const NatsSettings& settings) : settings_(settings) {
  if (settings_.urls.empty()) settings_.urls.push_back(DefaultNatsUrl());
  const std::string urls = JoinUrls(settings_.urls, false);
  display_urls_ = JoinUrls(settings_.urls, true);

  SignalBlockGuard guard;  // cnats starts its threads below
  auto fail = [&](natsStatus s, const std::string& what) {
    std::string message = StatusMessage(what, s);
    if (options_ != nullptr) natsOptions_Destroy(options_);
    options_ = nullptr;
    throw NatsError(message, IsRetriableStatus(s));
  };

  natsStatus s = natsOptions_Create(&options_);
  if (s != NATS_OK) fail(s, "could not create NATS options");
  s = natsOptions_SetURL(options_, urls.c_str());
  if (s != NATS_OK) fail(s, "invalid NATS url \"" + display_urls_ + "\"");
  if (!settings_.name.empty()) natsOptions_SetName(options_, settings_.name.c_str());
  if (!settings_.credentials_file.empty()) {
    // cnats reads the file only when connecting; say now, and plainly, when it cannot.
    if (std::FILE* f = std::fopen(settings_.credentials_file.c_str(), "r")) {
      std::fclose(f);
    } else {
      std::string reason = std::strerror(errno);
      natsOptions_Destroy(options_);
      options_ = nullptr;
      throw NatsError("could not read NATS credentials file \"" + settings_.credentials_file +
                          "\": " + reason, false);
    }
    s = natsOptions_SetUserCredentialsFromFiles(options_, settings_.credentials_file.c_str(),
                                                nullptr);
    if (s != NATS_OK)
      fail(s, "could not use NATS credentials file \"" + settings_.credentials_file + "\"");
  }
  if (!settings_.user.empty()) {
    natsOptions_SetUserInfo(options_, settings_.user.c_str(), settings_.password.c_str());
  }
  if (!settings_.token.empty()) natsOptions_SetToken(options_, settings_.token.c_str());
  if (!settings_.tls_ca.empty() || !settings_.tls_cert.empty()) {
    s = natsOptions_SetSecure(options_, true);
    if (s != NATS_OK) fail(s, "could not enable TLS for NATS");
  }
  if (!settings_.tls_ca.empty()) {
    s = natsOptions_LoadCATrustedCertificates(options_, settings_.tls_ca.c_str());
    if (s != NATS_OK) fail(s, "could not load NATS TLS CA file \"" + settings_.tls_ca + "\"");
  }
  if (!settings_.tls_cert.empty() || !settings_.tls_key.empty()) {
    if (settings_.tls_cert.empty() || settings_.tls_key.empty()) {
      natsOptions_Destroy(options_);
      options_ = nullptr;
      throw NatsError("NATS TLS needs both a certificate and a key file", false);
    }
    s = natsOptions_LoadCertificatesChain(options_, settings_.tls_cert.c_str(),
                                          settings_.tls_key.c_str());
    if (s != NATS_OK)
      fail(s, "could not load NATS TLS certificate \"" + settings_.tls_cert + "\" or key \"" +
                  settings_.tls_key + "\"");
  }

  int64_t min_ms = std::max<int64_t>(1, settings_.reconnect_wait_min.count());
  auto* callback_state = new ConnectionCallbackState{
      this, min_ms, std::max<int64_t>(min_ms, settings_.reconnect_wait_max.count())};
  natsOptions_SetMaxReconnect(options_, -1);  // forever
  natsOptions_SetCustomReconnectDelay(options_, &Connection::ReconnectDelay, callback_state);
  natsOptions_SetReconnectBufSize(options_, settings_.reconnect_buffer_bytes);
  natsOptions_SetDisconnectedCB(options_, &Connection::OnDisconnected, callback_state);
  natsOptions_SetReconnectedCB(options_, &Connection::OnReconnected, callback_state);
  natsOptions_SetClosedCB(options_, &Connection::OnClosed, callback_state);
  // One shared delivery thread pool: subscriptions made later from a thread with signals
  // unblocked then reuse threads started here instead of starting their own.
  natsOptions_UseGlobalMessageDelivery(options_, true);

  // The first attempt runs here, in this thread, so that its reason is known: a server that
  // refuses the credentials or the TLS handshake fails now with that reason instead of being
  // retried in the background in silence. Only an unreachable server is retried.
  s = natsConnection_Connect(&nc_, options_);
  if (s != NATS_OK && settings_.retry_on_failed_connect && IsRetriableStatus(s)) {
    first_error_ = StatusReason(s);
    natsOptions_SetRetryOnFailedConnect(options_, true, &Connection::OnConnected, callback_state);
    s = natsConnection_Connect(&nc_, options_);
  }
  if (s == NATS_OK) {
    connect_generation_.fetch_add(1);
    state_.store(ConnectionState::kConnected);
  } else if (s != NATS_NOT_YET_CONNECTED) {
    std::string message = StatusMessage("could not connect to NATS at " + display_urls_, s);
    // A server that requires a client certificate ends the TLS session without a word.
    if (s == NATS_PROTOCOL_ERROR && settings_.tls_cert.empty())
      message += " (if the server requires a TLS client certificate, give tls cert and key)";
    natsOptions_Destroy(options_);
    options_ = nullptr;
    delete callback_state;
    throw NatsError(message, IsRetriableStatus(s));
  }
  callback_state_ = callback_state;

  jsOptions jo;
  jsOptions_Init(&jo);
  jo.Wait = settings_.request_timeout.count();
  s = natsConnection_JetStream(&js_, nc_, &jo);
  if (s != NATS_OK) {
    std::string message = StatusMessage("could not create JetStream context", s);
    natsConnection_Destroy(nc_);
    natsOptions_Destroy(options_);
    throw NatsError(message, false);
  }
}

Connection::~Connection() {
  SignalBlockGuard guard;
  if (js_ != nullptr) jsCtx_Destroy(js_);
  if (nc_ != nullptr) {
    natsConnection_FlushTimeout(nc_, 1000);
    natsConnection_Close(nc_);
    std::unique_lock<std::mutex> lock(mutex_);
    bool closed = changed_.wait_for(lock, std::chrono::seconds(2),
                                    [&] { return state() == ConnectionState::kClosed; });
    lock.unlock();
    natsConnection_Destroy(nc_);
    // When the closed callback has run no more callbacks will; otherwise leave the small
    // callback state behind rather than risk a late callback reading freed memory.
    if (closed) {
      delete static_cast<ConnectionCallbackState*>(callback_state_);
    } else {
      static_cast<ConnectionCallbackState*>(callback_state_)->owner = nullptr;
    }
  }
  if (options_ != nullptr) natsOptions_Destroy(options_);
}

bool Connection::WaitConnected(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  // Closed (cnats gave up, e.g. the same credentials refused twice) will not change.
  return changed_.wait_for(lock, timeout, [&] {
    return connected() || state() == ConnectionState::kClosed;
  }) && connected();
}

std::string Connection::NotConnectedMessage() const {
  std::string reason;
  if (nc_ != nullptr) {
    const char* text = nullptr;
    if (natsConnection_GetLastError(nc_, &text) != NATS_OK && text != nullptr) reason = text;
  }
  if (reason.empty()) reason = first_error_;
  std::string message = "could not connect to NATS at " + display_urls_;
  if (state() == ConnectionState::kClosed && reason.empty()) reason = "connection closed";
  if (!reason.empty()) message += ": " + reason;
  return message;
}

std::string Connection::ConnectedUrl() const {
  char buffer[256];
  if (natsConnection_GetConnectedUrl(nc_, buffer, sizeof buffer) != NATS_OK) return "";
  return buffer;
}

void Connection::SetState(ConnectionState state) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (state == ConnectionState::kConnected) connect_generation_.fetch_add(1);
    state_.store(state, std::memory_order_release);
  }
  changed_.notify_all();
}

// The callbacks below run on cnats threads: they only update atomics and wake waiters.
void Connection::OnConnected(natsConnection*, void* closure) {
  auto* cs = static_cast<ConnectionCallbackState*>(closure);
  if (cs->owner != nullptr) cs->owner->SetState(ConnectionState::kConnected);
}

void Connection::OnDisconnected(natsConnection*, void* closure) {
  auto* cs = static_cast<ConnectionCallbackState*>(closure);
  if (cs->owner != nullptr && cs->owner->state() != ConnectionState::kClosed)
    cs->owner->SetState(ConnectionState::kReconnecting);
}

void Connection::OnReconnected(natsConnection*, void* closure) {
  auto* cs = static_cast<ConnectionCallbackState*>(closure);
  if (cs->owner != nullptr) cs->owner->SetState(ConnectionState::kConnected);
}

void Connection::OnClosed(natsConnection*, void* closure) {
  auto* cs = static_cast<ConnectionCallbackState*>(closure);
  if (cs->owner != nullptr) cs->owner->SetState(ConnectionState::kClosed);
}

int64_t Connection::ReconnectDelay(natsConnection*, int attempts, void* closure) {
  auto* cs = static_cast<ConnectionCallbackState*>(closure);
  const int64_t min_ms = cs->reconnect_min_ms, max_ms = cs->reconnect_max_ms;
  int shift = std::min(std::max(attempts - 1, 0), kMaxBackoffShift);
  int64_t delay = std::min(max_ms, min_ms << shift);
  // Jitter so that many trackings do not reconnect in lockstep.
  thread_local std::minstd_rand rng{std::random_device{}()};
  return delay / 2 + static_cast<int64_t>(rng() % static_cast<uint64_t>(delay / 2 + 1));
}

}  // namespace dbct::nats
