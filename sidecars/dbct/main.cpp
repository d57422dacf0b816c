// dbct: validates and runs DatabaseChangeTracking resources, and shows what they are doing.
#include <CLI/CLI.hpp>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "cli_context.hpp"
#include "validate_command.hpp"

namespace {

using dbct::cli::GlobalOptions;
using dbct::cli::kExitBadInput;
using dbct::cli::OutputFormat;

constexpr const char* kExamples = R"(Examples:
  dbct validate -f manifests/examples/postgres-orders.yaml
  dbct validate -f manifests/ -o json
  dbct run -f orders.yaml
  dbct flows ls
  dbct flows logs postgres-orders -f
  dbct tail postgres-orders --from-start
  dbct stream info postgres-orders

Exit codes: 0 success, 1 the work failed, 2 bad usage or bad input.)";

// Subcommands that come later: listed in --help, refusing to run.
int NotImplemented(const std::string& command) {
  std::cerr << "dbct " << command << ": not implemented yet\n";
  return kExitBadInput;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"dbct: change data capture to NATS JetStream, in Debezium's JSON format"};
  app.footer(kExamples);
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("dbct ") + DBCT_VERSION);

  GlobalOptions options;
  app.add_option("--nats-url", options.nats_url,
                 "NATS server URL for resources that give none (default: $NATS_URL, else "
                 "nats://127.0.0.1:4222)");
  app.add_option("--creds", options.credentials,
                 "NATS credentials file for resources that give none");
  std::string output = "table";
  app.add_option("-o,--output", output, "output format")
      ->check(CLI::IsMember({"table", "json"}))
      ->type_name("table|json")
      ->capture_default_str();
  app.fallthrough();  // global options may also follow the subcommand

  // Each subcommand's callback picks the action; it runs once every option is read.
  std::function<int()> action;
  std::vector<std::string> paths;

  CLI::App* validate = app.add_subcommand(
      "validate", "parse, substitute and check resources; print problems with file and line");
  validate
      ->add_option("-f,--file", paths,
                   "resource file or directory (every *.yaml and *.yml in it); - for stdin; "
                   "may be repeated")
      ->required();
  validate->footer(
      "Examples:\n  dbct validate -f orders.yaml\n  dbct validate -f a.yaml -f b.yaml -o json\n"
      "  dbct validate -f manifests/\n\nExit codes: 0 all valid, 2 problems found.");
  validate->callback([&] { action = [&] { return dbct::cli::RunValidate(options, paths); }; });

  std::vector<std::string> run_paths;
  CLI::App* run = app.add_subcommand(
      "run", "run the resources: postgres through the extension, others as sidecar processes");
  run->add_option("-f,--file", run_paths, "resource file or directory")->required();
  run->callback([&] { action = [] { return NotImplemented("run"); }; });

  std::vector<std::string> delete_paths;
  CLI::App* remove = app.add_subcommand("delete", "stop the trackings of the resources");
  remove->add_option("-f,--file", delete_paths, "resource file or directory")->required();
  remove->callback([&] { action = [] { return NotImplemented("delete"); }; });

  std::string untrack_name;
  CLI::App* untrack = app.add_subcommand("untrack", "stop the tracking NAME");
  untrack->add_option("name", untrack_name, "tracking name")->required();
  untrack->callback([&] { action = [] { return NotImplemented("untrack"); }; });

  CLI::App* flows = app.add_subcommand("flows", "show trackings: ls, status NAME, logs NAME [-f]");
  flows->require_subcommand(1);
  flows->add_subcommand("ls", "every tracking: name, type, state, events, rate, lag, host")
      ->callback([&] { action = [] { return NotImplemented("flows ls"); }; });
  std::string flow_name;
  bool follow = false;
  CLI::App* status = flows->add_subcommand("status", "one tracking in detail");
  status->add_option("name", flow_name, "tracking name")->required();
  status->callback([&] { action = [] { return NotImplemented("flows status"); }; });
  CLI::App* logs = flows->add_subcommand("logs", "log lines of a tracking");
  logs->add_option("name", flow_name, "tracking name")->required();
  logs->add_flag("-f,--follow", follow, "keep printing new lines");
  logs->callback([&] { action = [] { return NotImplemented("flows logs"); }; });

  std::string tail_name;
  bool from_start = false;
  CLI::App* tail = app.add_subcommand("tail", "print change events of NAME as they arrive");
  tail->add_option("name", tail_name, "tracking name")->required();
  tail->add_flag("--from-start", from_start, "start with the oldest event in the stream");
  tail->callback([&] { action = [] { return NotImplemented("tail"); }; });

  CLI::App* stream = app.add_subcommand("stream", "JetStream stream of a tracking: info NAME");
  stream->require_subcommand(1);
  std::string stream_name;
  CLI::App* info = stream->add_subcommand("info", "the stream's state");
  info->add_option("name", stream_name, "tracking name")->required();
  info->callback([&] { action = [] { return NotImplemented("stream info"); }; });

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);  // prints the message
    return kExitBadInput;
  } catch (const std::exception& e) {
    std::cerr << "dbct: " << e.what() << '\n';
    return dbct::cli::kExitFailure;
  }
  options.output = output == "json" ? OutputFormat::kJson : OutputFormat::kTable;
  return action ? action() : kExitBadInput;
}
