// dbct tail NAME [--from-start] [--pretty]: a tracking's change events as they arrive, through
// an ordered ephemeral consumer on its stream (nothing is left behind on the server).
#include <iostream>

#include "commands.hpp"
#include "control_plane.hpp"
#include "dbct/config/resource.hpp"
#include "stop_signal.hpp"

namespace dbct::cli {
namespace {

constexpr std::chrono::milliseconds kPoll{250};

std::string StreamOf(const std::string& name) { return "dbchangetracking-" + name + "-stream"; }
std::string SubjectOf(const std::string& name) { return "dbchangetracking." + name; }

std::string Render(natsMsg* message, const TailOptions& tail, OutputFormat output) {
  const std::string_view data = MessageData(message);
  nlohmann::json event = nlohmann::json::parse(data.begin(), data.end(), nullptr, false);
  const int indent = tail.pretty ? 2 : -1;
  if (output == OutputFormat::kJson) {
    // The event with what NATS knows about it, for scripts.
    nlohmann::json out = {{"subject", natsMsg_GetSubject(message)},
                          {"stream_sequence", StreamSequence(message)},
                          {"headers", HeadersToJson(message)}};
    out["event"] = event.is_discarded() ? nlohmann::json(std::string(data)) : event;
    return out.dump(indent);
  }
  if (event.is_discarded()) return std::string(data);
  return tail.pretty ? event.dump(indent) : std::string(data);
}

}  // namespace

int RunTail(const GlobalOptions& options, const TailOptions& tail) {
  CheckTrackingName(tail.name);
  if (tail.count < 0) throw BadInput("--count must be 0 or more");
  CliConnection nats = ConnectToNats(options);
  const std::optional<std::string> name = ResolveTrackingName(tail.name, [&](const std::string& n) {
    return ReadStreamInfo(nats, StreamOf(n)).has_value();
  });
  if (!name) {
    ThrowNoTracking(tail.name, "stream " + StreamOf(tail.name) + " does not exist at " +
                                   nats.display_url + "; see dbct flows ls");
  }
  InstallStopHandlers();
  nats::SubscriptionPtr subscription =
      SubscribeOrdered(nats, StreamOf(*name), SubjectOf(*name),
                       {tail.from_start ? DeliverFrom::kAll : DeliverFrom::kNew, 0});
  // Said once the consumer exists, so that a script knows events from now on will show.
  std::cerr << "dbct: tailing " << SubjectOf(*name) << " of stream " << StreamOf(*name)
            << (tail.from_start ? " from its first event" : " from new events")
            << "; Ctrl-C to stop" << std::endl;
  int64_t shown = 0;
  while (!StopRequested()) {
    nats::MsgPtr message = NextMessage(nats, subscription.get(), kPoll);
    if (!message) continue;
    std::cout << Render(message.get(), tail, options.output) << '\n' << std::flush;
    if (!std::cout) return kExitOk;  // the reader went away (dbct tail ... | head)
    if (tail.count > 0 && ++shown >= tail.count) return kExitOk;
  }
  return kExitOk;
}

}  // namespace dbct::cli
