// publisher.hpp — ordered, bounded, exactly-once publishing of change events to JetStream.
//
// Design
// ------
// The caller hands over events with strictly increasing sequence numbers. Up to
// max_in_flight of them are published without waiting (core PUB with a reply subject on our
// own inbox; JetStream answers with a pub ack). The ack watermark is the highest caller
// sequence such that it and every earlier event is acknowledged; a source confirms only that.
//
// Order when a publish fails while a later one succeeds (JetStream answering 503 while it
// starts, a server killed with publishes in flight): every message carries
// Nats-Expected-Last-Sequence = the stream sequence its predecessor must have. The publisher
// numbers its messages 1, 2, 3... (index) and predicts stream sequence = offset + index, so a
// message is stored only directly after its predecessor; any gap makes JetStream reject every
// later message with "wrong last sequence" instead of storing it out of order. (nats-server
// 2.9 keeps that header on the stored and republished message; consumers can ignore it.)
//
// Another writer's message between two of ours would pass that check for our next message
// (it only compares sequence numbers), so each message also carries
// Nats-Expected-Last-Msg-Id = its predecessor's Nats-Msg-Id (nats-server keeps the last
// msg-id across restarts); the first message after the stream's end was read (construction,
// resync) is anchored by its sequence alone. A foreign message thus breaks the chain and
// starts a resync, which continues after it: nothing of ours is lost or skipped.
//
// Bursts (send_batch > 1): events are held and sent back to back, and only the last of a
// burst carries a reply subject. The same header makes that one acknowledgement vouch for the
// whole burst: JetStream stores one connection's messages in order, so the last one is stored
// after its predecessor only if every earlier one was stored after its own; one dropped
// without a reply makes every later one fail, the burst's last with an error reply. A
// duplicate acknowledgement vouches for its own message only.
//
// nats-server 2.9 (server/stream.go, processJetStreamMsg) checks Nats-Msg-Id against its
// duplicate window BEFORE the expected-last-sequence check, and rebuilds the window from the
// store after a restart. So re-sending a message that is already stored yields a positive ack
// flagged duplicate, whatever its expected-sequence header says. Past the window, the resend
// fails the expected-sequence check instead, so it is never stored twice either.
//
// Recovery ("resync") runs on the caller's thread, in Poll/Publish/Flush, when a current
// publish is rejected, times out (ack_timeout), or the connection reconnected with messages
// in flight: bump the generation (replies to older sends are ignored; the reply subject is
// <inbox>.<generation>.<index>), read the stream's last sequence and the Nats-Msg-Id of its
// last message, mark every pending message up to that one acknowledged, and resend the rest in
// order. If the stream's last message is not one of ours (someone else wrote to the stream),
// the offset is re-based on it. Attempts back off from retry_backoff_min to retry_backoff_max.
// The stream's subjects must be written by this publisher only.
//
// Threads: everything runs on the caller's thread, so the owner (e.g. a PostgreSQL worker
// loop) decides when work happens. Pub acks land on a synchronous subscription that Poll
// drains in batches: no thread hand-off, lock or wake-up per acknowledgement. Only with a
// wake hook does cnats' delivery thread take the replies instead; it queues them and wakes
// the owner once per batch (when the queue was empty). Per event the hot path makes one
// allocation (message.hpp) and destroys messages in batches (cnats frees them on its
// garbage-collector thread, which each destroy may wake). Not thread-safe except
// AckWatermark(), InFlight(), MaxInFlightObserved(), Retries().
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "dbct/nats/connection.hpp"
#include "dbct/nats/message.hpp"

namespace dbct::nats {

struct PublisherSettings {
  size_t max_in_flight = 4096;
  std::chrono::milliseconds ack_timeout{5000};  // no reply for this long: resync
  std::chrono::milliseconds retry_backoff_min{50};
  std::chrono::milliseconds retry_backoff_max{5000};
  std::chrono::milliseconds request_timeout{2000};  // stream state reads during resync
  // Events taken but held back to go out together (1: each is sent as it is taken). Held
  // events go out when this many are held, and at every Poll, Flush or wait, so an owner
  // that polls before it sleeps never leaves one behind. Sending a burst lets cnats write it
  // to the socket at once and nats-server read it at once: per message, a thread wake-up
  // less on each side. Only the last message of a burst asks for an acknowledgement, which
  // vouches for the whole burst (publisher.cpp, Send): JetStream answers once per burst.
  size_t send_batch = 1;
  // Optional: called on a cnats thread when replies arrive while none were waiting to be
  // polled; must only wake the owner (SetLatch). Without it the owner polls (Poll/Flush wait).
  std::function<void()> wake;
};

// One event. Views only need to live for the Publish call; empty headers are omitted.
struct OutgoingMessage {
  uint64_t sequence = 0;       // caller's, strictly increasing
  std::string_view subject;
  std::string_view payload;
  std::string_view msg_id;     // Nats-Msg-Id
  std::string_view position;   // Dbct-Position
  std::string_view op;         // Dbct-Op
  std::string_view table;      // Dbct-Table
  std::string_view key;        // Dbct-Key
};

class Publisher {
 public:
  static constexpr std::chrono::milliseconds kWaitForever{-1};

  // Reads the stream's last sequence (throws NatsError when that fails) and subscribes to
  // the pub-ack inbox.
  Publisher(Connection& connection, std::string stream, PublisherSettings settings = {});
  ~Publisher();
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;

  // Takes one event: sends it now (or with the next burst, see send_batch), or queues it
  // while recovering. Waits up to `wait`
  // (kWaitForever: no limit) while max_in_flight events are unacknowledged; returns false
  // without taking the event when there is still no room.
  bool Publish(const OutgoingMessage& message, std::chrono::milliseconds wait = kWaitForever);
  // Sends held events, handles replies and recovery, waiting up to `wait` for a reply.
  // Returns the watermark.
  uint64_t Poll(std::chrono::milliseconds wait = std::chrono::milliseconds(0));
  // Waits until every taken event is acknowledged; false on timeout.
  bool Flush(std::chrono::milliseconds timeout);

  uint64_t AckWatermark() const { return watermark_.load(std::memory_order_acquire); }
  size_t InFlight() const { return in_flight_.load(std::memory_order_relaxed); }
  size_t MaxInFlightObserved() const { return max_in_flight_observed_.load(std::memory_order_relaxed); }
  uint64_t Retries() const { return retries_.load(std::memory_order_relaxed); }  // resyncs done
  uint64_t Resent() const { return resent_; }                                     // messages sent again
  bool Recovering() const { return need_resync_; }
  // Why the last recovery started or failed; "" when none yet.
  const std::string& LastError() const { return last_error_; }

 private:
  struct Entry {
    uint64_t sequence;
    uint64_t index;
    MsgPtr msg;              // reply subject of generation msg_generation
    uint64_t msg_generation;
    bool sent = false;       // sent in the current generation
    bool acked = false;
    bool replies = true;     // msg has a reply subject (asks for an acknowledgement)
    std::chrono::steady_clock::time_point sent_at;
  };

  static void OnReply(natsConnection* nc, natsSubscription* sub, natsMsg* msg, void* closure);
  static void OnSubscriptionComplete(void* closure);
  void TakeReplies(std::chrono::milliseconds wait);
  void TakeQueuedReplies(std::chrono::milliseconds wait);
  void HandleReply(natsMsg* reply);
  void CheckTimeouts();
  void TryResync();
  void Send(Entry& entry, bool last_of_burst);
  void SendUnsent();
  void SendHeld();
  void AdvanceWatermark();
  void StartRecovery(std::string reason);
  Entry* FindEntry(uint64_t index);
  void Discard(MsgPtr msg);  // destroyed later, in batches
  void DestroyDiscarded();
  // The message of `index` for the current generation (reply subject, expected sequence).
  MsgPtr BuildFor(uint64_t index, std::string_view subject, const EventHeaders& headers,
                  std::string_view payload, bool with_reply, std::string_view previous_msg_id);
  // The Nats-Msg-Id of a rebuilt entry's predecessor ("" at the chain's base, or when acked and gone).
  std::string_view PreviousMsgId(const Entry& entry);

  Connection& connection_;
  std::string stream_;
  PublisherSettings settings_;
  std::string inbox_;
  SubscriptionPtr subscription_;
  bool synchronous_ = true;     // no wake hook: the owner drains the subscription itself

  std::deque<Entry> pending_;   // taken, not yet below the watermark; in order
  uint64_t next_index_ = 1;
  int64_t slot_offset_ = 0;     // stream sequence of message index i is slot_offset_ + i
  uint64_t generation_ = 1;
  uint64_t last_connect_generation_ = 0;
  uint64_t last_sequence_taken_ = 0;
  size_t held_ = 0;             // newest entries taken but not sent yet (send_batch > 1)

  bool need_resync_ = false;
  std::chrono::steady_clock::time_point next_resync_at_{};
  std::chrono::milliseconds backoff_{0};
  std::string last_error_;
  uint64_t resent_ = 0;
  MessageBuilder builder_;
  std::vector<natsMsg*> discarded_;
  std::string reply_subject_;   // <inbox>.<generation>.<index>, rebuilt in place
  uint64_t last_built_index_ = 0;  // the message builder_ holds the bytes of
  // Chain of Nats-Expected-Last-Msg-Id: from base_index_ on, each message names its
  // predecessor's Nats-Msg-Id; base_index_ itself is anchored by its expected sequence only.
  uint64_t base_index_ = 1;
  std::string previous_msg_id_;  // Nats-Msg-Id of the newest message taken

  std::atomic<uint64_t> watermark_{0};
  std::atomic<size_t> in_flight_{0};
  std::atomic<size_t> max_in_flight_observed_{0};
  std::atomic<uint64_t> retries_{0};

  // With a wake hook only: filled by the cnats thread, drained by the owner.
  std::mutex reply_mutex_;
  std::condition_variable reply_ready_;
  std::vector<natsMsg*> replies_;
  bool subscription_done_ = false;
};

}  // namespace dbct::nats
