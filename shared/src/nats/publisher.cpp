// publisher.cpp — see the design notes in publisher.hpp.
#include "dbct/nats/publisher.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "dbct/nats/stream.hpp"

namespace dbct::nats {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kPollSlice{50};
constexpr int kReplyBytesLimit = 256 * 1024 * 1024;
// natsMsg_Destroy hands a message to cnats' garbage-collector thread and wakes it when it
// sleeps: destroying one at a time woke it (and so preempted us) every few messages.
constexpr size_t kDiscardBatch = 512;

// Text of "description" in a JetStream error reply, or the whole reply when absent.
std::string ErrorDescription(std::string_view reply) {
  constexpr std::string_view kKey = "\"description\":";
  size_t at = reply.find(kKey);
  if (at == std::string_view::npos) return std::string(reply);
  at = reply.find('"', at + kKey.size());
  if (at == std::string_view::npos) return std::string(reply);
  size_t end = reply.find('"', at + 1);
  if (end == std::string_view::npos) return std::string(reply);
  return std::string(reply.substr(at + 1, end - at - 1));
}

// Parses "<generation>.<index>" from a reply subject tail.
bool ParseReplyTail(const char* tail, uint64_t& generation, uint64_t& index) {
  char* end = nullptr;
  generation = std::strtoull(tail, &end, 10);
  if (end == tail || *end != '.') return false;
  const char* second = end + 1;
  index = std::strtoull(second, &end, 10);
  return end != second && *end == '\0';
}

}  // namespace

Publisher::Publisher(Connection& connection, std::string stream, PublisherSettings settings)
    : connection_(connection), stream_(std::move(stream)), settings_(std::move(settings)) {
  if (settings_.max_in_flight == 0) throw std::invalid_argument("max_in_flight must be at least 1");
  auto state = GetStreamState(connection_, stream_, settings_.request_timeout);
  if (!state) {
    throw NatsError("stream \"" + stream_ + "\" does not exist: create it before publishing", false);
  }
  slot_offset_ = static_cast<int64_t>(state->last_sequence);  // index 1 goes right after it
  last_connect_generation_ = connection_.connect_generation();

  SignalBlockGuard guard;  // subscribing may start a delivery thread
  natsInbox* inbox = nullptr;
  CheckStatus(natsInbox_Create(&inbox), "could not create a reply inbox");
  inbox_ = reinterpret_cast<const char*>(inbox);
  natsInbox_Destroy(inbox);

  natsSubscription* sub = nullptr;
  const std::string wildcard = inbox_ + ".>";
  synchronous_ = !settings_.wake;
  natsStatus s = synchronous_
                     ? natsConnection_SubscribeSync(&sub, connection_.nc(), wildcard.c_str())
                     : natsConnection_Subscribe(&sub, connection_.nc(), wildcard.c_str(),
                                                &Publisher::OnReply, this);
  CheckStatus(s, "could not subscribe to publish acknowledgements");
  subscription_.reset(sub);
  int reply_limit = static_cast<int>(std::min<size_t>(settings_.max_in_flight * 4 + 1024, 1 << 30));
  natsSubscription_SetPendingLimits(sub, reply_limit, kReplyBytesLimit);
  if (!synchronous_) natsSubscription_SetOnCompleteCB(sub, &Publisher::OnSubscriptionComplete, this);
}

Publisher::~Publisher() {
  if (subscription_) {
    SignalBlockGuard guard;
    natsSubscription_Unsubscribe(subscription_.get());
    if (!synchronous_) {
      std::unique_lock<std::mutex> lock(reply_mutex_);
      // After the complete callback the message handler will not run again.
      reply_ready_.wait_for(lock, std::chrono::seconds(2), [&] { return subscription_done_; });
    }
    natsSubscription_Destroy(subscription_.release());
  }
  for (natsMsg* reply : replies_) natsMsg_Destroy(reply);
  DestroyDiscarded();
}

void Publisher::Discard(MsgPtr msg) {
  discarded_.push_back(msg.release());
  if (discarded_.size() >= kDiscardBatch) DestroyDiscarded();
}

void Publisher::DestroyDiscarded() {
  for (natsMsg* msg : discarded_) natsMsg_Destroy(msg);
  discarded_.clear();
}

// cnats thread (wake hook set): queue the reply; wake the owner only when the queue was
// empty, since the owner takes the whole queue at once.
void Publisher::OnReply(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
  auto* self = static_cast<Publisher*>(closure);
  bool first;
  {
    std::lock_guard<std::mutex> lock(self->reply_mutex_);
    self->replies_.push_back(msg);
    first = self->replies_.size() == 1;
  }
  if (!first) return;
  self->reply_ready_.notify_all();
  self->settings_.wake();
}

void Publisher::OnSubscriptionComplete(void* closure) {
  auto* self = static_cast<Publisher*>(closure);
  {
    std::lock_guard<std::mutex> lock(self->reply_mutex_);
    self->subscription_done_ = true;
  }
  self->reply_ready_.notify_all();
}

MsgPtr Publisher::BuildFor(uint64_t index, std::string_view subject, const EventHeaders& headers,
                           std::string_view payload, bool with_reply,
                           std::string_view previous_msg_id) {
  reply_subject_.clear();
  if (with_reply) {
    char tail[48];
    int n = std::snprintf(tail, sizeof tail, ".%" PRIu64 ".%" PRIu64, generation_, index);
    reply_subject_.assign(inbox_).append(tail, static_cast<size_t>(n));
  }
  last_built_index_ = index;
  return builder_.Build(subject, reply_subject_, headers,
                        slot_offset_ + static_cast<int64_t>(index) - 1, payload,
                        index == base_index_ ? std::string_view() : previous_msg_id);
}

std::string_view Publisher::PreviousMsgId(const Entry& entry) {
  if (entry.index == base_index_) return {};
  // Acknowledged and gone: stored, so its expected sequence alone anchors this one.
  const Entry* previous = FindEntry(entry.index - 1);
  return previous == nullptr ? std::string_view() : HeadersOf(previous->msg.get()).msg_id;
}

bool Publisher::Publish(const OutgoingMessage& message, milliseconds wait) {
  if (message.sequence <= last_sequence_taken_ && last_sequence_taken_ != 0) {
    throw std::invalid_argument("event sequence must increase: got " +
                                std::to_string(message.sequence) + " after " +
                                std::to_string(last_sequence_taken_));
  }
  if (message.msg_id.empty()) throw std::invalid_argument("event has no Nats-Msg-Id");
  if (message.subject.empty()) throw std::invalid_argument("event has no subject");

  if (held_ == 0) Poll(milliseconds(0));  // else: polled when the held burst goes out
  const auto deadline = Clock::now() + (wait.count() > 0 ? wait : milliseconds(0));
  while (pending_.size() >= settings_.max_in_flight) {
    if (wait.count() == 0) return false;
    if (wait != kWaitForever) {
      auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return false;
      Poll(std::min(left, kPollSlice));
    } else {
      Poll(kPollSlice);
    }
  }

  // Build the message before taking an index: indexes must stay gapless.
  const uint64_t index = next_index_;
  EventHeaders headers{message.msg_id, message.position, message.op, message.table, message.key};
  // Held events ask for no acknowledgement, except the one completing a burst (see Send).
  const bool with_reply = settings_.send_batch <= 1 || held_ + 1 >= settings_.send_batch;
  MsgPtr msg = BuildFor(index, message.subject, headers, message.payload, with_reply,
                        previous_msg_id_);
  previous_msg_id_.assign(message.msg_id);

  next_index_++;
  last_sequence_taken_ = message.sequence;
  Entry entry;
  entry.sequence = message.sequence;
  entry.index = index;
  entry.msg = std::move(msg);
  entry.msg_generation = generation_;
  entry.replies = with_reply;
  pending_.push_back(std::move(entry));
  in_flight_.store(pending_.size(), std::memory_order_relaxed);
  if (pending_.size() > max_in_flight_observed_.load(std::memory_order_relaxed))
    max_in_flight_observed_.store(pending_.size(), std::memory_order_relaxed);
  if (need_resync_) return true;  // the resync sends it
  if (settings_.send_batch <= 1) {
    Send(pending_.back(), true);
  } else if (++held_ >= settings_.send_batch) {
    SendHeld();
    Poll(milliseconds(0));
  }
  return true;
}

// Sends the held burst back to back, so that cnats' flusher finds it in its buffer at once.
void Publisher::SendHeld() {
  if (held_ == 0) return;
  const size_t first = pending_.size() - std::min(held_, pending_.size());
  held_ = 0;
  for (size_t i = first; i < pending_.size() && !need_resync_; i++) {
    if (!pending_[i].sent && !pending_[i].acked) Send(pending_[i], i + 1 == pending_.size());
  }
}

// Sparse acknowledgements: within a burst only the last message has a reply subject. Every
// message names its predecessor (expected last sequence and msg-id), and JetStream stores one
// connection's messages in order, so a positive, non-duplicate acknowledgement of index i
// means every index before it is stored too; a silently rejected one makes all later ones
// fail, the last with a reply (HandleReply). last_of_burst: it must ask for an acknowledgement.
void Publisher::Send(Entry& entry, bool last_of_burst) {
  const bool resend = entry.msg_generation != generation_;
  if (!resend && last_of_burst && !entry.replies && entry.index == last_built_index_) {
    // the builder still holds this message's bytes
    char tail[48];
    int n = std::snprintf(tail, sizeof tail, ".%" PRIu64 ".%" PRIu64, generation_, entry.index);
    reply_subject_.assign(inbox_).append(tail, static_cast<size_t>(n));
    MsgPtr fresh = builder_.Rebuild(natsMsg_GetSubject(entry.msg.get()), reply_subject_);
    Discard(std::move(entry.msg));
    entry.msg = std::move(fresh);
    entry.replies = true;
  } else if (resend || (last_of_burst && !entry.replies)) {
    // Re-sending after a resync (new reply subject and expected last sequence), or a held
    // event that closes a short burst: same subject, data and headers.
    natsMsg* old = entry.msg.get();
    std::string_view data(natsMsg_GetData(old), static_cast<size_t>(natsMsg_GetDataLength(old)));
    MsgPtr fresh = BuildFor(entry.index, natsMsg_GetSubject(old), HeadersOf(old), data, true,
                            PreviousMsgId(entry));
    Discard(std::move(entry.msg));
    entry.msg = std::move(fresh);
    entry.msg_generation = generation_;
    entry.replies = true;
    if (resend) resent_++;
  }
  entry.sent = true;
  entry.sent_at = Clock::now();
  natsStatus s = natsConnection_PublishMsg(connection_.nc(), entry.msg.get());
  if (s != NATS_OK) StartRecovery(StatusMessage("could not publish to stream \"" + stream_ + "\"", s));
}

void Publisher::SendUnsent() {
  held_ = 0;
  for (auto& entry : pending_) {
    if (need_resync_) return;
    if (!entry.acked && !entry.sent) Send(entry, true);
  }
}

uint64_t Publisher::Poll(milliseconds wait) {
  if (need_resync_ && wait.count() > 0) {
    auto until = std::chrono::duration_cast<milliseconds>(next_resync_at_ - Clock::now());
    wait = std::max(milliseconds(0), std::min(wait, until));
  }
  SendHeld();
  TakeReplies(wait);
  AdvanceWatermark();
  CheckTimeouts();
  TryResync();
  if (pending_.empty()) DestroyDiscarded();  // idle: hold no memory
  return AckWatermark();
}

bool Publisher::Flush(milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  Poll(milliseconds(0));
  while (!pending_.empty()) {
    auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    Poll(std::min(left, kPollSlice));
  }
  return true;
}

// Handles every reply that has arrived, first waiting up to `wait` for one when none has.
void Publisher::TakeReplies(milliseconds wait) {
  if (!synchronous_) {
    TakeQueuedReplies(wait);
    return;
  }
  natsSubscription* sub = subscription_.get();
  int64_t wait_ms = std::max<int64_t>(wait.count(), 0);
  for (;;) {
    int ready = 0;
    if (natsSubscription_GetPending(sub, &ready, nullptr) != NATS_OK) return;  // closed
    if (ready == 0) {
      if (wait_ms == 0) return;
      ready = 1;  // NextMsg below waits for it
    }
    for (int i = 0; i < ready; i++) {
      natsMsg* raw = nullptr;
      natsStatus s = natsSubscription_NextMsg(&raw, sub, wait_ms);
      wait_ms = 0;
      MsgPtr reply(raw);
      if (s == NATS_OK) {
        HandleReply(reply.get());
        Discard(std::move(reply));
      } else if (s == NATS_NO_RESPONDERS) {
        // cnats drops this reply, and with it which send it answers: any may be lost.
        if (!pending_.empty())
          StartRecovery("no JetStream responders for stream \"" + stream_ +
                        "\" (JetStream not ready, or the stream is missing)");
      } else if (s == NATS_SLOW_CONSUMER) {
        if (!pending_.empty()) StartRecovery("publish acknowledgements were dropped (too many queued)");
      } else {
        return;  // timeout, or the subscription or connection is closed
      }
    }
  }
}

void Publisher::TakeQueuedReplies(milliseconds wait) {
  std::vector<natsMsg*> replies;
  {
    std::unique_lock<std::mutex> lock(reply_mutex_);
    if (replies_.empty() && wait.count() > 0)
      reply_ready_.wait_for(lock, wait, [&] { return !replies_.empty(); });
    replies.swap(replies_);
  }
  for (natsMsg* raw : replies) {
    MsgPtr reply(raw);
    HandleReply(reply.get());
    Discard(std::move(reply));
  }
}

Publisher::Entry* Publisher::FindEntry(uint64_t index) {
  if (pending_.empty() || index < pending_.front().index) return nullptr;
  uint64_t at = index - pending_.front().index;
  if (at >= pending_.size()) return nullptr;
  return &pending_[at];
}

void Publisher::HandleReply(natsMsg* reply) {
  const char* subject = natsMsg_GetSubject(reply);
  if (subject == nullptr || std::strncmp(subject, inbox_.c_str(), inbox_.size()) != 0 ||
      subject[inbox_.size()] != '.')
    return;
  uint64_t generation = 0, index = 0;
  if (!ParseReplyTail(subject + inbox_.size() + 1, generation, index)) return;
  if (generation != generation_) return;  // answer to a send made before the last resync
  Entry* entry = FindEntry(index);
  if (entry == nullptr || entry->acked) return;

  if (natsMsg_IsNoResponders(reply)) {
    StartRecovery("no JetStream responders for stream \"" + stream_ +
                  "\" (JetStream not ready, or the stream is missing)");
    return;
  }
  std::string_view body(natsMsg_GetData(reply), static_cast<size_t>(natsMsg_GetDataLength(reply)));
  if (body.find("\"error\"") != std::string_view::npos) {
    StartRecovery("stream \"" + stream_ + "\" rejected a message: " + ErrorDescription(body));
    return;
  }
  if (body.find("\"seq\"") == std::string_view::npos) {
    StartRecovery("unexpected publish acknowledgement from stream \"" + stream_ + "\": " +
                  std::string(body.substr(0, 200)));
    return;
  }
  if (settings_.send_batch <= 1 || body.find("\"duplicate\"") != std::string_view::npos) {
    // Every message has its own reply; or a duplicate, stored before and perhaps not right
    // after its predecessors: vouches for itself only (the ack timeout and resync settle any
    // earlier message without a reply).
    entry->acked = true;
    return;
  }
  for (auto& e : pending_) {
    if (e.index > index) break;
    e.acked = true;
  }
}

void Publisher::AdvanceWatermark() {
  if (pending_.empty() || !pending_.front().acked) return;
  uint64_t watermark = 0;
  while (!pending_.empty() && pending_.front().acked) {
    watermark = pending_.front().sequence;
    Discard(std::move(pending_.front().msg));
    pending_.pop_front();
  }
  watermark_.store(watermark, std::memory_order_release);
  in_flight_.store(pending_.size(), std::memory_order_relaxed);
}

void Publisher::StartRecovery(std::string reason) {
  if (need_resync_) return;
  need_resync_ = true;
  last_error_ = std::move(reason);
  if (backoff_.count() == 0) backoff_ = settings_.retry_backoff_min;
  next_resync_at_ = Clock::now() + backoff_;
}

void Publisher::CheckTimeouts() {
  if (need_resync_ || pending_.empty()) return;
  uint64_t connect_generation = connection_.connect_generation();
  if (connect_generation != last_connect_generation_) {
    last_connect_generation_ = connect_generation;
    StartRecovery("NATS connection was re-established; acknowledgements in flight may be lost");
    return;
  }
  const Entry& oldest = pending_.front();
  if (oldest.sent && Clock::now() - oldest.sent_at > settings_.ack_timeout) {
    StartRecovery("no acknowledgement from stream \"" + stream_ + "\" within " +
                  std::to_string(settings_.ack_timeout.count()) + " ms");
  }
}

void Publisher::TryResync() {
  if (!need_resync_ || Clock::now() < next_resync_at_) return;
  auto schedule_retry = [&] {
    backoff_ = std::min(settings_.retry_backoff_max,
                        std::max(settings_.retry_backoff_min, backoff_ * 2));
    next_resync_at_ = Clock::now() + backoff_;
  };
  if (!connection_.connected()) {
    schedule_retry();
    return;
  }
  generation_++;  // from here on, replies to earlier sends are ignored
  last_connect_generation_ = connection_.connect_generation();
  try {
    auto state = GetStreamState(connection_, stream_, settings_.request_timeout);
    if (!state) throw NatsError("stream \"" + stream_ + "\" does not exist", true);
    const int64_t last = static_cast<int64_t>(state->last_sequence);
    const uint64_t first_unacked = pending_.empty() ? next_index_ : pending_.front().index;
    const int64_t candidate = last - slot_offset_;  // our index stored at the stream's end
    bool rebase = false;
    if (candidate >= static_cast<int64_t>(first_unacked) &&
        candidate < static_cast<int64_t>(next_index_)) {
      Entry* entry = FindEntry(static_cast<uint64_t>(candidate));
      SignalBlockGuard guard;
      natsMsg* raw = nullptr;
      jsErrCode code = static_cast<jsErrCode>(0);
      jsOptions options;
      jsOptions_Init(&options);
      options.Wait = settings_.request_timeout.count();
      natsStatus s = js_GetMsg(&raw, connection_.js(), stream_.c_str(),
                               static_cast<uint64_t>(last), &options, &code);
      MsgPtr stored(raw);
      if (s != NATS_OK && s != NATS_NOT_FOUND && code != JSNoMessageFoundErr)
        CheckStatus(s, "could not read the last message of stream \"" + stream_ + "\"");
      std::string_view stored_id = HeadersOf(stored.get()).msg_id;
      if (entry != nullptr && !stored_id.empty() && stored_id == HeadersOf(entry->msg.get()).msg_id) {
        for (auto& e : pending_) {
          if (e.index > entry->index) break;
          e.acked = true;
        }
      } else {
        rebase = true;
      }
    } else if (candidate != static_cast<int64_t>(first_unacked) - 1) {
      rebase = true;
    }
    if (rebase) {
      // The stream's end is not one of our messages: continue right after it.
      slot_offset_ = last - static_cast<int64_t>(first_unacked - 1);
      last_error_ = "stream \"" + stream_ + "\" ends with a message this publisher did not write "
                    "(sequence " + std::to_string(last) + "); continuing after it";
    }
  } catch (const NatsError& e) {
    last_error_ = e.what();
    schedule_retry();
    return;
  }
  AdvanceWatermark();
  // The stream's end was just read: the first message sent from here is anchored there by its
  // expected sequence; the msg-id chain starts after it.
  base_index_ = pending_.empty() ? next_index_ : pending_.front().index;
  for (auto& entry : pending_) entry.sent = false;
  need_resync_ = false;
  backoff_ = milliseconds(0);
  retries_.fetch_add(1, std::memory_order_relaxed);
  SendUnsent();
}

}  // namespace dbct::nats
