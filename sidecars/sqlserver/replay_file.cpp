#include "replay_file.hpp"

#include <map>

#include <nlohmann/json.hpp>

#include "replay_lines.hpp"

namespace dbct::sqlserver {

namespace {

using nlohmann::json;
using odbc::SourceValue;

SourceValue ValueOf(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return SourceValue::Null();
    case json::value_t::boolean: return SourceValue::Bool(v.get<bool>());
    case json::value_t::number_integer: return SourceValue::Int(v.get<int64_t>());
    case json::value_t::number_unsigned: return SourceValue::Int(static_cast<int64_t>(v.get<uint64_t>()));
    case json::value_t::number_float: return SourceValue::Text(v.dump());  // exact text for decimals
    case json::value_t::string: return SourceValue::Text(v.get<std::string>());
    default: throw std::invalid_argument("must be null, a number, a boolean or a string");
  }
}

Lsn LsnField(const json& line, const char* key, const std::string& where) {
  auto it = line.find(key);
  if (it == line.end() || !it->is_string()) throw ReplayError(where + std::string(key) + " is missing or not a string");
  auto lsn = Lsn::Parse(it->get<std::string>());
  if (!lsn) {
    throw ReplayError(where + key + " \"" + it->get<std::string>() +
                      "\" is not an LSN: write 0x followed by 20 hex digits, or 00000027:00000758:0003");
  }
  return *lsn;
}

}  // namespace

ReplayInput ReadReplay(std::istream& in, const std::string& name) {
  ReplayInput out;
  std::map<std::string, size_t> by_name;
  odbc::ForEachReplayLine<ReplayError>(in, name, [&](const json& line, const std::string& where) {
    auto ci = line.find("capture_instance");
    if (ci == line.end() || !ci->is_string()) throw ReplayError(where + "capture_instance is missing");
    const std::string instance_name = ci->get<std::string>();

    if (line.contains("columns")) {
      CaptureInstance instance;
      instance.name = instance_name;
      const std::string table = line.value("source_table", "");
      const size_t dot = table.find('.');
      if (dot == std::string::npos) {
        throw ReplayError(where + "source_table must be schema.table (is \"" + table + "\")");
      }
      instance.schema = table.substr(0, dot);
      instance.table = table.substr(dot + 1);
      instance.start_lsn = line.contains("start_lsn") ? LsnField(line, "start_lsn", where) : Lsn{};
      instance.columns = odbc::ReadReplayColumns<ReplayError, CapturedColumn>(line["columns"], where, "SQL Server",
                                                                              ParseColumnType);
      if (by_name.count(instance_name)) throw ReplayError(where + "capture instance \"" + instance_name + "\" is declared twice");
      by_name[instance_name] = out.instances.size();
      out.instances.push_back(std::move(instance));
      return;
    }

    auto found = by_name.find(instance_name);
    if (found == by_name.end()) {
      throw ReplayError(where + "capture instance \"" + instance_name +
                        "\" is not declared: add a line with its columns before its rows");
    }
    const CaptureInstance& instance = out.instances[found->second];
    ChangeRow row;
    row.instance = found->second;
    row.start_lsn = LsnField(line, "__$start_lsn", where);
    row.seqval = LsnField(line, "__$seqval", where);
    auto op = line.find("__$operation");
    if (op == line.end() || !op->is_number_integer() || op->get<int>() < 1 || op->get<int>() > 4) {
      throw ReplayError(where + "__$operation must be 1 (delete), 2 (insert), 3 (update before) or 4 (update after)");
    }
    row.operation = op->get<int>();
    row.update_mask = line.value("__$update_mask", "");
    auto time = line.find("commit_time");
    if (time != line.end()) {
      if (time->is_number_integer()) {
        row.commit_time_us = time->get<int64_t>() * 1000;
      } else if (!time->is_string() || !ParseDateTimeMicros(time->get<std::string>(), &row.commit_time_us)) {
        throw ReplayError(where + "commit_time must be \"YYYY-MM-DD hh:mm:ss.fff\" or epoch milliseconds");
      }
    }
    for (const CapturedColumn& c : instance.columns) {
      auto v = line.find(c.name);
      if (v == line.end()) {
        throw ReplayError(where + "column \"" + c.name + "\" of capture instance \"" + instance.name + "\" is missing");
      }
      try {
        row.values.push_back(ValueOf(*v));
      } catch (const std::invalid_argument& e) {
        throw ReplayError(where + "column \"" + c.name + "\" " + e.what());
      }
    }
    out.rows.push_back(std::move(row));
  });
  return out;
}

}  // namespace dbct::sqlserver
