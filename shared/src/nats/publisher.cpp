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

std::string HeaderValue(natsMsg* msg, const char* name) {
  const char* value = nullptr;
  if (msg == nullptr || natsMsgHeader_Get(msg, name, &value) != NATS_OK || value == nullptr)
    return "";
  return value;
}

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
  CheckStatus(natsConnection_Subscribe(&sub, connection_.nc(), wildcard.c_str(),
                                       &Publisher::OnReply, this),
              "could not subscribe to publish acknowledgements");
  subscription_.reset(sub);
  int reply_limit = static_cast<int>(std::min<size_t>(settings_.max_in_flight * 4 + 1024, 1 << 30));
  natsSubscription_SetPendingLimits(sub, reply_limit, kReplyBytesLimit);
  natsSubscription_SetOnCompleteCB(sub, &Publisher::OnSubscriptionComplete, this);
}

Publisher::~Publisher() {
  if (subscription_) {
    SignalBlockGuard guard;
    natsSubscription_Unsubscribe(subscription_.get());
    std::unique_lock<std::mutex> lock(reply_mutex_);
    // After the complete callback the message handler will not run again.
    reply_ready_.wait_for(lock, std::chrono::seconds(2), [&] { return subscription_done_; });
    lock.unlock();
    natsSubscription_Destroy(subscription_.release());
  }
  for (natsMsg* reply : replies_) natsMsg_Destroy(reply);
}

// cnats thread: queue the reply and wake the owner, nothing else.
void Publisher::OnReply(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
  auto* self = static_cast<Publisher*>(closure);
  {
    std::lock_guard<std::mutex> lock(self->reply_mutex_);
    self->replies_.push_back(msg);
  }
  self->reply_ready_.notify_all();
  if (self->settings_.wake) self->settings_.wake();
}

void Publisher::OnSubscriptionComplete(void* closure) {
  auto* self = static_cast<Publisher*>(closure);
  {
    std::lock_guard<std::mutex> lock(self->reply_mutex_);
    self->subscription_done_ = true;
  }
  self->reply_ready_.notify_all();
}

std::string Publisher::ReplySubject(uint64_t generation, uint64_t index) const {
  char tail[48];
  std::snprintf(tail, sizeof tail, ".%" PRIu64 ".%" PRIu64, generation, index);
  return inbox_ + tail;
}

bool Publisher::Publish(const OutgoingMessage& message, milliseconds wait) {
  if (message.sequence <= last_sequence_taken_ && last_sequence_taken_ != 0) {
    throw std::invalid_argument("event sequence must increase: got " +
                                std::to_string(message.sequence) + " after " +
                                std::to_string(last_sequence_taken_));
  }
  if (message.msg_id.empty()) throw std::invalid_argument("event has no Nats-Msg-Id");

  Poll(milliseconds(0));
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
  const std::string reply = ReplySubject(generation_, index);
  scratch_.assign(message.subject);
  natsMsg* raw = nullptr;
  natsStatus s = natsMsg_Create(&raw, scratch_.c_str(), reply.c_str(), message.payload.data(),
                                static_cast<int>(message.payload.size()));
  MsgPtr msg(raw);
  if (s != NATS_OK) {
    throw NatsError(StatusMessage("could not build message for subject \"" + scratch_ + "\"", s),
                    false);
  }
  auto set_header = [&](const char* name, std::string_view value) {
    if (value.empty()) return;
    scratch_.assign(value);
    natsStatus hs = natsMsgHeader_Set(msg.get(), name, scratch_.c_str());
    if (hs != NATS_OK) throw NatsError(StatusMessage(std::string("could not set header ") + name, hs), false);
  };
  set_header(kHeaderMsgId, message.msg_id);
  set_header(kHeaderPosition, message.position);
  set_header(kHeaderOp, message.op);
  set_header(kHeaderTable, message.table);
  set_header(kHeaderKey, message.key);
  char expected[24];
  std::snprintf(expected, sizeof expected, "%" PRId64, slot_offset_ + static_cast<int64_t>(index) - 1);
  set_header(kHeaderExpectedLastSequence, expected);

  next_index_++;
  last_sequence_taken_ = message.sequence;
  Entry entry;
  entry.sequence = message.sequence;
  entry.index = index;
  entry.msg = std::move(msg);
  entry.msg_generation = generation_;
  pending_.push_back(std::move(entry));
  in_flight_.store(pending_.size(), std::memory_order_relaxed);
  if (pending_.size() > max_in_flight_observed_.load(std::memory_order_relaxed))
    max_in_flight_observed_.store(pending_.size(), std::memory_order_relaxed);
  if (!need_resync_) Send(pending_.back());
  return true;
}

void Publisher::Send(Entry& entry) {
  if (entry.msg_generation != generation_) {
    // Re-sending after a resync: same subject, data and headers; new reply subject and
    // expected last sequence.
    natsMsg* old = entry.msg.get();
    const std::string reply = ReplySubject(generation_, entry.index);
    natsMsg* raw = nullptr;
    natsStatus s = natsMsg_Create(&raw, natsMsg_GetSubject(old), reply.c_str(),
                                  natsMsg_GetData(old), natsMsg_GetDataLength(old));
    MsgPtr fresh(raw);
    if (s != NATS_OK) throw NatsError(StatusMessage("could not rebuild message", s), false);
    const char** keys = nullptr;
    int count = 0;
    if (natsMsgHeader_Keys(old, &keys, &count) == NATS_OK) {
      for (int i = 0; i < count; i++) {
        if (std::strcmp(keys[i], kHeaderExpectedLastSequence) == 0) continue;
        const char* value = nullptr;
        if (natsMsgHeader_Get(old, keys[i], &value) == NATS_OK && value != nullptr)
          natsMsgHeader_Set(fresh.get(), keys[i], value);
      }
      std::free(static_cast<void*>(keys));
    }
    char expected[24];
    std::snprintf(expected, sizeof expected, "%" PRId64,
                  slot_offset_ + static_cast<int64_t>(entry.index) - 1);
    natsMsgHeader_Set(fresh.get(), kHeaderExpectedLastSequence, expected);
    entry.msg = std::move(fresh);
    entry.msg_generation = generation_;
    resent_++;
  }
  entry.sent = true;
  entry.sent_at = Clock::now();
  natsStatus s = natsConnection_PublishMsg(connection_.nc(), entry.msg.get());
  if (s != NATS_OK) StartRecovery(StatusMessage("could not publish to stream \"" + stream_ + "\"", s));
}

void Publisher::SendUnsent() {
  for (auto& entry : pending_) {
    if (need_resync_) return;
    if (!entry.acked && !entry.sent) Send(entry);
  }
}

uint64_t Publisher::Poll(milliseconds wait) {
  if (need_resync_ && wait.count() > 0) {
    auto until = std::chrono::duration_cast<milliseconds>(next_resync_at_ - Clock::now());
    wait = std::max(milliseconds(0), std::min(wait, until));
  }
  std::vector<natsMsg*> replies;
  {
    std::unique_lock<std::mutex> lock(reply_mutex_);
    if (replies_.empty() && wait.count() > 0)
      reply_ready_.wait_for(lock, wait, [&] { return !replies_.empty(); });
    replies.swap(replies_);
  }
  ProcessReplies(replies);
  AdvanceWatermark();
  CheckTimeouts();
  TryResync();
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

void Publisher::ProcessReplies(std::vector<natsMsg*>& replies) {
  for (natsMsg* reply : replies) {
    MsgPtr owner(reply);
    HandleReply(reply);
  }
  replies.clear();
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
  entry->acked = true;
}

void Publisher::AdvanceWatermark() {
  if (pending_.empty() || !pending_.front().acked) return;
  uint64_t watermark = 0;
  natsMsg* last = nullptr;
  MsgPtr last_owner;
  while (!pending_.empty() && pending_.front().acked) {
    watermark = pending_.front().sequence;
    last_owner = std::move(pending_.front().msg);
    last = last_owner.get();
    pending_.pop_front();
  }
  last_acked_msg_id_ = HeaderValue(last, kHeaderMsgId);
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
      std::string stored_id = HeaderValue(stored.get(), kHeaderMsgId);
      if (entry != nullptr && !stored_id.empty() && stored_id == HeaderValue(entry->msg.get(), kHeaderMsgId)) {
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
  for (auto& entry : pending_) entry.sent = false;
  need_resync_ = false;
  backoff_ = milliseconds(0);
  retries_.fetch_add(1, std::memory_order_relaxed);
  SendUnsent();
}

}  // namespace dbct::nats
