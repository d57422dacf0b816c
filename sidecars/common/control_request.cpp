#include "control_request.hpp"

#include <nlohmann/json.hpp>

#include "dbct/nats/stream.hpp"

namespace dbct::sidecar {

namespace {

struct InboxDeleter {
  void operator()(natsInbox* inbox) const { natsInbox_Destroy(inbox); }
};

// The next answer on the reply subscription: NATS_OK, NATS_TIMEOUT or NATS_NO_RESPONDERS.
natsStatus NextAnswer(natsSubscription* sub, std::chrono::milliseconds timeout, nlohmann::json* answer) {
  natsMsg* raw = nullptr;
  natsStatus s = natsSubscription_NextMsg(&raw, sub, timeout.count());
  nats::MsgPtr msg(raw);
  if (s != NATS_OK) return s;
  if (natsMsg_IsNoResponders(msg.get())) return NATS_NO_RESPONDERS;
  const char* data = natsMsg_GetData(msg.get());
  *answer = nlohmann::json::parse(data, data + natsMsg_GetDataLength(msg.get()), nullptr, false);
  if (!answer->is_object()) *answer = nlohmann::json{{"error", "an answer that is not a JSON object"}};
  return NATS_OK;
}

void TakeWhere(const nlohmann::json& answer, StopAnswer* out) {
  if (answer.contains("host") && answer["host"].is_string()) out->host = answer["host"];
  if (answer.contains("pid") && answer["pid"].is_number_integer()) out->pid = answer["pid"];
}

}  // namespace

std::string ControlSubject(std::string_view tracking) {
  return kControlSubjectPrefix + std::string(tracking);
}

StopAnswer RequestStop(nats::Connection& connection, const std::string& tracking, const std::string& from,
                       std::chrono::milliseconds answer_timeout, std::chrono::milliseconds finish_timeout) {
  nats::ValidateTrackingName(tracking);
  nats::SignalBlockGuard guard;
  natsInbox* raw_inbox = nullptr;
  nats::CheckStatus(natsInbox_Create(&raw_inbox), "could not create an inbox");
  std::unique_ptr<natsInbox, InboxDeleter> inbox(raw_inbox);
  natsSubscription* raw_sub = nullptr;
  nats::CheckStatus(natsConnection_SubscribeSync(&raw_sub, connection.nc(), inbox.get()),
                    "could not subscribe to the answers of tracking \"" + tracking + "\"");
  nats::SubscriptionPtr sub(raw_sub);
  const std::string body = nlohmann::json{{"request", kStopRequest}, {"from", from}}.dump();
  nats::CheckStatus(natsConnection_PublishRequest(connection.nc(), ControlSubject(tracking).c_str(), inbox.get(),
                                                  body.data(), static_cast<int>(body.size())),
                    "could not send a stop request to tracking \"" + tracking + "\"");

  StopAnswer out;
  nlohmann::json answer;
  natsStatus s = NextAnswer(sub.get(), answer_timeout, &answer);
  if (s == NATS_NO_RESPONDERS) {
    out.outcome = StopOutcome::kNoSidecar;
    return out;
  }
  if (s != NATS_OK) {
    out.outcome = StopOutcome::kNoAnswer;
    return out;
  }
  TakeWhere(answer, &out);
  if (answer.contains("error")) {
    out.outcome = StopOutcome::kFailed;
    out.error = answer["error"].is_string() ? answer["error"].get<std::string>() : answer["error"].dump();
    return out;
  }
  if (answer.value("state", "") == "stopping") {
    s = NextAnswer(sub.get(), finish_timeout, &answer);
    if (s != NATS_OK) {
      out.outcome = StopOutcome::kNotFinished;
      return out;
    }
    TakeWhere(answer, &out);
  }
  const std::string state = answer.value("state", "");
  if (answer.contains("position") && answer["position"].is_string()) out.position = answer["position"];
  if (answer.contains("events_total") && answer["events_total"].is_number_unsigned())
    out.events_total = answer["events_total"];
  if (state == "stopped") {
    out.outcome = StopOutcome::kStopped;
  } else {
    out.outcome = StopOutcome::kFailed;
    out.error = answer.value("error", "it finished in state " + (state.empty() ? std::string("unknown") : state));
  }
  return out;
}

}  // namespace dbct::sidecar
