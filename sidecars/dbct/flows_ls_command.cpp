// dbct flows ls: one line per tracking from the status bucket, wherever the tracking runs.
#include <iostream>

#include "commands.hpp"
#include "control_plane.hpp"
#include "text_table.hpp"

namespace dbct::cli {
int RunFlowsLs(const GlobalOptions& options) {
  CliConnection nats = ConnectToNats(options);
  nats::KvStorePtr bucket = OpenStatusBucket(nats);
  std::vector<nlohmann::json> statuses = ReadAllStatuses(nats, bucket.get());
  const int64_t now = NowMs();
  for (nlohmann::json& status : statuses) MarkStaleness(status, now);

  if (options.output == OutputFormat::kJson) {
    std::cout << nlohmann::json(statuses).dump(2) << '\n';
    return kExitOk;
  }
  if (statuses.empty()) {
    std::cerr << "no trackings have reported to NATS at " << nats.display_url << '\n';
    return kExitOk;
  }
  TextTable table({"NAME", "TYPE", "STATE", "EVENTS", "RATE", "LAG", "LAST EVENT", "HOST"});
  for (const nlohmann::json& status : statuses) {
    table.AddRow({FieldText(status, "name"), FieldText(status, "type"), FieldText(status, "state"),
                  FieldText(status, "events_total"), RateText(status), LagText(status),
                  FormatAge(status.value("last_event_at", nlohmann::json()), now),
                  FieldText(status, "host")});
  }
  table.Print(std::cout);
  return kExitOk;
}

}  // namespace dbct::cli
