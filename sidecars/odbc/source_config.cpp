#include "source_config.hpp"

namespace dbct::odbc {

std::string CheckNoColumnFilters(const config::Resource& r, std::string_view source) {
  if (r.Parameter("columnIncludeList").empty() && r.Parameter("columnExcludeList").empty()) return "";
  return "columnIncludeList/columnExcludeList are not implemented yet for " + std::string(source) + ": remove them";
}

std::string ReadSnapshotMode(const config::Resource& r, std::string_view source, std::string* mode) {
  *mode = r.Parameter("snapshotMode", "initial");
  if (*mode == "initial" || *mode == "initial_only" || *mode == "no_data" || *mode == "never") return "";
  return "snapshotMode " + *mode + " is not implemented for " + std::string(source) +
         ": use initial, initial_only, no_data or never";
}

std::string ReadValueModes(const config::Resource& r, bool interval, values::ValueModes* modes) {
  try {
    modes->decimal = values::ParseDecimalMode(r.Parameter("decimalHandlingMode", "precise"));
    modes->time_precision = values::ParseTimePrecisionMode(r.Parameter("timePrecisionMode", "adaptive"));
    modes->binary = values::ParseBinaryMode(r.Parameter("binaryHandlingMode", "bytes"));
    if (interval) modes->interval = values::ParseIntervalMode(r.Parameter("intervalHandlingMode", "numeric"));
  } catch (const values::ValueError& e) {
    return e.what();
  }
  return "";
}

}  // namespace dbct::odbc
