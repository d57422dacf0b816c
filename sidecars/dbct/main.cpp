// dbct: validates and runs DatabaseChangeTracking resources, and shows what they are doing.
#include <CLI/CLI.hpp>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "cli_context.hpp"
#include "commands.hpp"
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

// The first word where a command was expected but none of that name exists ("dbct nonsense",
// "dbct flows bogus"), with the command it was given to; CLI11 only says that a subcommand is
// required.
struct UnknownWord {
  std::string word;
  std::string parent;   // "dbct flows"
  std::string choices;  // "ls, status and logs"
};

std::optional<UnknownWord> FindUnknownCommand(const CLI::App& app, int argc, char** argv) {
  const CLI::App* current = &app;
  std::string path = "dbct";
  for (int i = 1; i < argc; i++) {
    const std::string word = argv[i];
    if (word == "--nats-url" || word == "--creds" || word == "-o" || word == "--output") {
      i++;  // its value
      continue;
    }
    if (!word.empty() && word[0] == '-') continue;
    const std::vector<const CLI::App*> commands = current->get_subcommands({});
    const CLI::App* next = nullptr;
    for (const CLI::App* command : commands) {
      if (command->check_name(word)) next = command;
    }
    if (next != nullptr) {
      current = next;
      path += " " + word;
      continue;
    }
    if (commands.empty() || current->get_require_subcommand_min() == 0) return std::nullopt;
    std::string choices;
    for (std::size_t k = 0; k < commands.size(); k++) {
      if (k > 0) choices += k + 1 == commands.size() ? " and " : ", ";
      choices += commands[k]->get_name();
    }
    return UnknownWord{word, path, choices};
  }
  return std::nullopt;
}

// "dbct flows logs --help" for the deepest subcommand given on the command line.
std::string HelpCommand(const CLI::App& app) {
  std::string command = "dbct";
  const CLI::App* current = &app;
  for (;;) {
    const auto given = current->get_subcommands();
    if (given.empty()) break;
    current = given.front();
    command += " " + current->get_name();
  }
  return command + " --help";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"dbct: change data capture to NATS JetStream, in Debezium's JSON format"};
  app.footer(kExamples);
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("dbct ") + DBCT_VERSION);

  GlobalOptions options;
  app.add_option("--nats-url", options.nats_url,
                 "NATS server URL, comma-separated for several (default: $NATS_URL, else "
                 "nats://127.0.0.1:4222); for run and delete, the URL of resources that give none");
  app.add_option("--creds", options.credentials,
                 "NATS credentials file; for run and delete, that of resources that give none");
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

  dbct::cli::RunOptions run_options;
  CLI::App* run = app.add_subcommand(
      "run", "run the resources: postgres through the extension, others as sidecar processes");
  run->add_option("-f,--file", run_options.paths, "resource file or directory; may be repeated")
      ->required();
  run->add_option("--sidecar-dir", run_options.sidecar_dir,
                  "directory of the dbct-<type> sidecars (default: next to dbct, then PATH)");
  run->footer(
      "postgres resources are registered in their database with dbchangetracking.track() (or\n"
      "alter_tracking() when the tracking exists with other tables or options), connecting with\n"
      "the resource's parameters; they run inside the server, so dbct run returns once they are\n"
      "registered. The tables are those the schema/table include and exclude lists select now.\n"
      "Every other resource runs as `dbct-<type> --manifest FILE`, restarted with a growing\n"
      "delay (1 s up to 30 s) when it exits, its output prefixed with [NAME]; SIGTERM or Ctrl-C\n"
      "stops them all (SIGKILL after 15 s). A sidecar exiting with code 2 (bad input) is not\n"
      "started again, nor one that exits 0 on its own (stopped by dbct delete or untrack).\n"
      "Change a file and run again to apply the change.\n\n"
      "Examples:\n  dbct run -f manifests/examples/postgres-orders.yaml\n"
      "  dbct run -f resources/            # every *.yaml and *.yml in it\n"
      "  dbct --nats-url nats://nats:4222 run -f mysql-shop.yaml\n\n"
      "Exit codes: 0 registered (postgres only) or stopped by a signal, 1 a database, NATS or\n"
      "sidecar failure, 2 invalid resources or usage.");
  run->callback([&] { action = [&] { return dbct::cli::RunRun(options, run_options); }; });

  dbct::cli::DeleteOptions delete_options;
  CLI::App* remove = app.add_subcommand("delete", "stop the trackings of the resources");
  remove->add_option("-f,--file", delete_options.paths, "resource file or directory")->required();
  remove->add_flag("--drop-stream", delete_options.drop_stream,
                   "also delete each tracking's stream and the events in it");
  remove->footer(
      "postgres trackings are stopped with dbchangetracking.untrack() in their database. Other\n"
      "types run as sidecar processes, here or on another machine: delete sends each a stop\n"
      "request on NATS (subject dbchangetracking.control.NAME) and waits until it has flushed its\n"
      "in-flight events, stored its position and exited 0 (dbct run does not start it again).\n\n"
      "Examples:\n  dbct delete -f orders.yaml\n  dbct delete -f resources/ --drop-stream\n\n"
      "Exit codes: 0 stopped, 1 a failure, 2 invalid resources or a tracking that does not exist.");
  remove->callback([&] { action = [&] { return dbct::cli::RunDelete(options, delete_options); }; });

  dbct::cli::UntrackOptions untrack_options;
  CLI::App* untrack = app.add_subcommand("untrack", "stop the tracking NAME");
  untrack->add_option("name", untrack_options.name, "tracking name")->required();
  untrack->add_flag("--drop-stream", untrack_options.drop_stream,
                    "also delete its stream and the events in it");
  untrack->add_option("-d,--database", untrack_options.conninfo,
                      "PostgreSQL connection string or URI of the tracking's database "
                      "(default: the PG* environment variables, as psql)");
  untrack->add_option("-f,--file", untrack_options.paths,
                      "find the resource NAME in this file or directory and use its database");
  untrack->footer(
      "A tracking whose status (on NATS) says it runs as a sidecar is stopped with a stop request,\n"
      "wherever it runs, as dbct delete does; -d or -f (or no such status) means postgres.\n\n"
      "Examples:\n  dbct untrack postgres-orders -d postgresql://app@db:5432/shop\n"
      "  dbct untrack mysql-shop           # a sidecar, found through its status\n"
      "  PGHOST=db PGDATABASE=shop dbct untrack postgres-orders --drop-stream\n"
      "  dbct untrack postgres-orders -f resources/\n\n"
      "Exit codes: 0 stopped, 1 a database or NATS failure, 2 no tracking of that name.");
  untrack->callback(
      [&] { action = [&] { return dbct::cli::RunUntrack(options, untrack_options); }; });

  CLI::App* flows = app.add_subcommand("flows", "show trackings: ls, status NAME, logs NAME [-f]");
  flows->require_subcommand(1);
  flows->footer(
      "Reads the control plane on NATS (bucket dbchangetracking-status, stream\n"
      "dbchangetracking-logs), so it shows trackings wherever they run.\n\n"
      "Examples:\n  dbct flows ls\n  dbct flows status postgres-orders\n"
      "  dbct flows logs postgres-orders -f");
  CLI::App* flows_ls =
      flows->add_subcommand("ls", "every tracking: name, type, state, events, rate, lag, host");
  flows_ls->footer(
      "A tracking that should refresh its status every 5 s but has not done so for 15 s shows\n"
      "state unknown (-o json keeps what it reported under reported_state).\n\n"
      "Examples:\n  dbct flows ls\n  dbct flows ls -o json\n"
      "  dbct --nats-url nats://nats.example.com:4222 --creds app.creds flows ls\n\n"
      "Exit codes: 0 listed (also when there are none), 1 NATS unreachable.");
  flows_ls->callback([&] { action = [&] { return dbct::cli::RunFlowsLs(options); }; });

  std::string flow_name;
  CLI::App* status = flows->add_subcommand("status", "one tracking in detail");
  status->add_option("name", flow_name, "tracking name (NAME or NAME-flow)")->required();
  status->footer(
      "Examples:\n  dbct flows status postgres-orders\n  dbct flows status postgres-orders-flow\n"
      "  dbct flows status postgres-orders -o json\n\n"
      "Exit codes: 0 shown, 1 NATS unreachable, 2 no tracking of that name.");
  status->callback([&] { action = [&] { return dbct::cli::RunFlowsStatus(options, flow_name); }; });

  dbct::cli::FlowsLogsOptions logs_options;
  CLI::App* logs = flows->add_subcommand("logs", "log lines of a tracking");
  logs->add_option("name", logs_options.name, "tracking name (NAME or NAME-flow)")->required();
  logs->add_flag("-f,--follow", logs_options.follow, "keep printing new lines until Ctrl-C");
  logs->add_option("--since", logs_options.since,
                   "only lines from this long ago on (a duration: 90s, 10m, 1h30m)");
  logs->footer(
      "Examples:\n  dbct flows logs postgres-orders\n  dbct flows logs postgres-orders -f\n"
      "  dbct flows logs postgres-orders --since 10m -o json\n\n"
      "Exit codes: 0 shown, 1 NATS unreachable, 2 no tracking of that name or a bad --since.");
  logs->callback([&] { action = [&] { return dbct::cli::RunFlowsLogs(options, logs_options); }; });

  dbct::cli::TailOptions tail_options;
  CLI::App* tail = app.add_subcommand("tail", "print change events of NAME as they arrive");
  tail->add_option("name", tail_options.name, "tracking name")->required();
  tail->add_flag("--from-start", tail_options.from_start,
                 "start with the oldest event still in the stream");
  tail->add_flag("--pretty", tail_options.pretty, "indent each event over several lines");
  tail->add_option("-n,--count", tail_options.count, "stop after this many events (0: never)")
      ->capture_default_str();
  tail->footer(
      "Prints one Debezium JSON event per line from subject dbchangetracking.NAME, through an\n"
      "ordered ephemeral consumer that leaves nothing behind on the server. -o json wraps each\n"
      "event with its subject, stream sequence and headers.\n\n"
      "Examples:\n  dbct tail postgres-orders\n  dbct tail postgres-orders --from-start --pretty\n"
      "  dbct tail postgres-orders --from-start -n 10 -o json | jq .headers\n\n"
      "Exit codes: 0 stopped (Ctrl-C or --count reached), 1 NATS unreachable,\n"
      "2 no tracking of that name.");
  tail->callback([&] { action = [&] { return dbct::cli::RunTail(options, tail_options); }; });

  CLI::App* stream = app.add_subcommand("stream", "JetStream stream of a tracking: info NAME");
  stream->require_subcommand(1);
  stream->footer("Examples:\n  dbct stream info postgres-orders");
  std::string stream_name;
  CLI::App* info = stream->add_subcommand("info", "the stream's configuration and state");
  info->add_option("name", stream_name, "tracking name")->required();
  info->footer(
      "Examples:\n  dbct stream info postgres-orders\n  dbct stream info postgres-orders -o "
      "json\n\n"
      "Exit codes: 0 shown, 1 NATS unreachable, 2 no stream for that name.");
  info->callback([&] { action = [&] { return dbct::cli::RunStreamInfo(options, stream_name); }; });

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // One line: what is wrong and where to read how it is used.
    if (const auto unknown = FindUnknownCommand(app, argc, argv)) {
      std::cerr << "dbct: unknown command \"" << unknown->parent << ' ' << unknown->word
                << "\"; the commands of " << unknown->parent << " are " << unknown->choices << '\n';
      return kExitBadInput;
    }
    std::cerr << "dbct: " << e.what() << "; see " << HelpCommand(app) << '\n';
    return kExitBadInput;
  } catch (const std::exception& e) {
    std::cerr << "dbct: " << e.what() << '\n';
    return dbct::cli::kExitFailure;
  }
  options.output = output == "json" ? OutputFormat::kJson : OutputFormat::kTable;
  if (!action) return kExitBadInput;
  try {
    return action();
  } catch (const dbct::cli::CliError& e) {
    std::cerr << "dbct: " << e.what() << '\n';
    return e.exit_code();
  } catch (const std::exception& e) {
    std::cerr << "dbct: " << e.what() << '\n';
    return dbct::cli::kExitFailure;
  }
}
