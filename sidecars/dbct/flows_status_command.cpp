// dbct flows status NAME[-flow]: one tracking's status in detail.
#include <iostream>

#include "commands.hpp"
#include "control_plane.hpp"
#include "text_table.hpp"

namespace dbct::cli {
namespace {

std::string StateText(const nlohmann::json& status, int64_t now) {
  std::string state = FieldText(status, "state");
  if (!status.value("stale", false)) return state;
  const std::string reported = FieldText(status, "reported_state");
  const std::string age = FormatAge(status.value("updated_at", nlohmann::json()), now);
  return state + " (last reported " + reported + ", " +
         (age == "-" ? std::string("with no update time") : "updated " + age) + ")";
}

// Snapshot progress; the key names of the event library and of the PostgreSQL worker both occur.
std::string SnapshotText(const nlohmann::json& status) {
  auto it = status.find("snapshot");
  if (it == status.end() || !it->is_object()) return "-";
  const nlohmann::json& snapshot = *it;
  auto first = [&](const char* a, const char* b) {
    const std::string text = FieldText(snapshot, a);
    return text != "-" ? text : FieldText(snapshot, b);
  };
  std::string text = FieldText(snapshot, "tables_done") + "/" +
                     FieldText(snapshot, "tables_total") + " tables, " + first("rows_done", "rows");
  if (snapshot.value("rows_total", nlohmann::json()).is_number())
    text += "/" + FieldText(snapshot, "rows_total");
  text += " rows";
  const std::string current = first("current_table", "table");
  if (current != "-") text += ", reading " + current;
  return text;
}

}  // namespace

int RunFlowsStatus(const GlobalOptions& options, const std::string& given) {
  CheckTrackingName(given);
  CliConnection nats = ConnectToNats(options);
  nats::KvStorePtr bucket = OpenStatusBucket(nats);
  std::optional<nlohmann::json> status;
  ResolveTrackingName(given, [&](const std::string& name) {
    status = ReadStatus(nats, bucket.get(), name);
    return status.has_value();
  });
  if (!status) {
    ThrowNoTracking(given, std::string("none has reported to bucket ") + kStatusBucket + " at " +
                               nats.display_url + "; see dbct flows ls");
  }
  const int64_t now = NowMs();
  MarkStaleness(*status, now);

  if (options.output == OutputFormat::kJson) {
    std::cout << status->dump(2) << '\n';
    return kExitOk;
  }
  std::string last_event = TimestampText(status->value("last_event_at", nlohmann::json()));
  if (last_event != "-")
    last_event += " (" + FormatAge(status->value("last_event_at", nlohmann::json()), now) + ")";
  std::string updated = TimestampText(status->value("updated_at", nlohmann::json()));
  if (updated != "-")
    updated += " (" + FormatAge(status->value("updated_at", nlohmann::json()), now) + ")";

  PrintKeyValues(std::cout, {
                                {"name", FieldText(*status, "name")},
                                {"type", FieldText(*status, "type")},
                                {"state", StateText(*status, now)},
                                {"host", FieldText(*status, "host")},
                                {"pid", FieldText(*status, "pid")},
                                {"version", FieldText(*status, "version")},
                                {"position", FieldText(*status, "position")},
                                {"events", FieldText(*status, "events_total")},
                                {"rate", RateText(*status)},
                                {"lag", LagText(*status)},
                                {"last event", last_event},
                                {"last error", FieldText(*status, "last_error")},
                                {"snapshot", SnapshotText(*status)},
                                {"updated", updated},
                            });
  return kExitOk;
}

}  // namespace dbct::cli
