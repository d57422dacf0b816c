// connection.hpp — one NATS connection (cnats natsOptions + natsConnection + jsCtx), owned once.
//
// Threads: cnats starts its own threads (reader, flusher, reconnect, message delivery). They
// inherit the signal mask of the thread that creates them, so every call here that may start
// one runs under SignalBlockGuard: inside a PostgreSQL background worker, signals must keep
// going to the main thread only. Connection-state callbacks run on those threads and only
// touch atomics and a condition variable.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <signal.h>
#include <stdexcept>
#include <string>
#include <vector>

#include <nats/nats.h>

namespace dbct::nats {

// How to reach NATS. Empty strings mean "not set".
struct NatsSettings {
  std::vector<std::string> urls;  // empty: $NATS_URL, else nats://127.0.0.1:4222
  std::string user;
  std::string password;
  std::string token;
  std::string credentials_file;  // .creds (JWT + nkey seed)
  std::string tls_ca;
  std::string tls_cert;
  std::string tls_key;
  std::string name = "dbchangetracking";  // connection name shown by the server
  // Keep trying when the first connect fails (true for trackings: NATS may come later).
  bool retry_on_failed_connect = true;
  std::chrono::milliseconds reconnect_wait_min{100};
  std::chrono::milliseconds reconnect_wait_max{5000};  // cap of the reconnect backoff
  std::chrono::milliseconds request_timeout{5000};     // JetStream API requests
  int reconnect_buffer_bytes = 64 * 1024 * 1024;       // publishes kept while reconnecting
};

// An error that ends the current attempt. retriable(): trying again later may succeed
// (NATS down, JetStream not ready); false: configuration or programming error.
class NatsError : public std::runtime_error {
 public:
  NatsError(const std::string& message, bool retriable)
      : std::runtime_error(message), retriable_(retriable) {}
  bool retriable() const { return retriable_; }

 private:
  bool retriable_;
};

// "<what>: <cnats status text>[: <last error detail>]" — the one place that reads cnats errors.
std::string StatusMessage(const std::string& what, natsStatus status);
// "<cnats status text>[: <last error detail>]": why a cnats call failed.
std::string StatusReason(natsStatus status);
// Throws NatsError built from StatusMessage when status is not NATS_OK.
void CheckStatus(natsStatus status, const std::string& what);
// Whether a failed cnats call is worth retrying (connection/timeout class of errors).
bool IsRetriableStatus(natsStatus status);

// Blocks every signal in the current thread for its lifetime; threads started meanwhile
// (by cnats) inherit the blocked mask. Restores the previous mask on destruction.
class SignalBlockGuard {
 public:
  SignalBlockGuard();
  ~SignalBlockGuard();
  SignalBlockGuard(const SignalBlockGuard&) = delete;
  SignalBlockGuard& operator=(const SignalBlockGuard&) = delete;

 private:
  sigset_t previous_;
};

// Move-only owners of cnats handles.
struct MsgDeleter {
  void operator()(natsMsg* m) const { natsMsg_Destroy(m); }
};
using MsgPtr = std::unique_ptr<natsMsg, MsgDeleter>;
struct StreamInfoDeleter {
  void operator()(jsStreamInfo* s) const { jsStreamInfo_Destroy(s); }
};
using StreamInfoPtr = std::unique_ptr<jsStreamInfo, StreamInfoDeleter>;
struct SubscriptionDeleter {
  void operator()(natsSubscription* s) const;
};
using SubscriptionPtr = std::unique_ptr<natsSubscription, SubscriptionDeleter>;
struct KvStoreDeleter {
  void operator()(kvStore* kv) const { kvStore_Destroy(kv); }
};
using KvStorePtr = std::unique_ptr<kvStore, KvStoreDeleter>;
struct KvEntryDeleter {
  void operator()(kvEntry* e) const { kvEntry_Destroy(e); }
};
using KvEntryPtr = std::unique_ptr<kvEntry, KvEntryDeleter>;

enum class ConnectionState { kConnecting, kConnected, kReconnecting, kClosed };

class Connection {
 public:
  // Connects (or, with retry_on_failed_connect and the server unreachable, goes on connecting
  // in the background). Throws NatsError on bad settings (unreadable TLS/creds files, bad
  // URL) and when the server refuses the connection (credentials, TLS): that is not retried.
  explicit Connection(const NatsSettings& settings);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  natsConnection* nc() const { return nc_; }
  jsCtx* js() const { return js_; }
  const NatsSettings& settings() const { return settings_; }

  ConnectionState state() const { return state_.load(std::memory_order_acquire); }
  bool connected() const { return state() == ConnectionState::kConnected; }
  // Bumped on every (re)connect: a publisher compares it to learn that replies may be lost.
  uint64_t connect_generation() const { return connect_generation_.load(std::memory_order_acquire); }
  // Waits until connected, closed or timeout; true when connected.
  bool WaitConnected(std::chrono::milliseconds timeout);
  // "could not connect to NATS at <urls, passwords masked>[: <reason of the last attempt>]".
  std::string NotConnectedMessage() const;
  // Server URL currently connected to, "" when none.
  std::string ConnectedUrl() const;

 private:
  static void OnConnected(natsConnection* nc, void* closure);
  static void OnDisconnected(natsConnection* nc, void* closure);
  static void OnReconnected(natsConnection* nc, void* closure);
  static void OnClosed(natsConnection* nc, void* closure);
  static int64_t ReconnectDelay(natsConnection* nc, int attempts, void* closure);
  void SetState(ConnectionState state);

  NatsSettings settings_;
  std::string display_urls_;  // for messages: passwords masked
  std::string first_error_;   // why the first attempt failed, when retried in the background
  natsOptions* options_ = nullptr;
  natsConnection* nc_ = nullptr;
  jsCtx* js_ = nullptr;
  void* callback_state_ = nullptr;  // ConnectionCallbackState, see connection.cpp
  std::atomic<ConnectionState> state_{ConnectionState::kConnecting};
  std::atomic<uint64_t> connect_generation_{0};
  std::mutex mutex_;
  std::condition_variable changed_;
};

// The default URL: $NATS_URL, else nats://127.0.0.1:4222.
std::string DefaultNatsUrl();

}  // namespace dbct::nats
