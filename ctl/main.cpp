// pathwatchctl: the operator's and vendor's command line, over the collector's API.
#include <fmt/format.h>

#include <string_view>
#include <vector>

#include "ctl/commands.hpp"
#include "shared/cli/command_line.hpp"

namespace {

constexpr const char* kProgram = "pathwatchctl";
constexpr const char* kUsage =
    "Usage: pathwatchctl [--collector URL] [--json] COMMAND [options]\n"
    "Queries and manages a pathwatch collector over its HTTP API.\n"
    "\n"
    "Commands:\n"
    "  status                              agents (connected or silent), flows and their states\n"
    "  sites                               per-site summary\n"
    "  events [--since T] [--until T] [--site S]\n"
    "                                      state, route and link changes, failovers (default: last "
    "24 h)\n"
    "  availability --month YYYY-MM [--service S]\n"
    "                                      contract availability per service (JST month)\n"
    "  maintenance list\n"
    "  maintenance add --start T --end T [--service S]... [--note TEXT]\n"
    "  maintenance remove ID\n"
    "  incidents [--open] [--limit N]       incidents, newest first\n"
    "  incident ID                         one incident: verdict over time, causes, evidence\n"
    "  keygen --out DIR --name NAME        CURVE key pair: NAME.key (0600), NAME.pub (0644)\n"
    "\n"
    "Times T: '2026-11-03 01:00' (JST) or '2026-11-02T16:00Z' (UTC).\n"
    "\n"
    "Options:\n"
    "  --collector URL  the collector's API (default http://127.0.0.1:7080)\n"
    "  --json           print the API's JSON instead of tables (for scripts)\n"
    "  -h, --help       show this help and exit\n"
    "  -V, --version    show the version and exit\n"
    "\n"
    "Exit codes: 0 ok, 1 failure (collector unreachable, server error), 2 usage error,\n"
    "3 availability: at least one service is below its target.\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace pathwatch;
  return shared::run_guarded(kProgram, [&] {
    ctl::CtlOptions options;
    options.collector = *ctl::parse_collector_url("http://127.0.0.1:7080");
    int i = 1;
    for (; i < argc; ++i) {
      const std::string_view a = argv[i];
      if (a == "--help" || a == "-h" || a == "help") {
        fmt::print("{}", kUsage);
        return shared::kExitOk;
      }
      if (a == "--version" || a == "-V") {
        fmt::print("{}\n", shared::version_line(kProgram));
        return shared::kExitOk;
      }
      if (a == "--json") {
        options.json = true;
      } else if (a == "--collector" || a.rfind("--collector=", 0) == 0) {
        std::string url;
        if (a == "--collector") {
          if (i + 1 >= argc) throw shared::UsageError("--collector needs a URL");
          url = argv[++i];
        } else {
          url = std::string(a.substr(12));
        }
        const auto parsed = ctl::parse_collector_url(url);
        if (!parsed)
          throw shared::UsageError("--collector: expected http://HOST:PORT, got '" + url + "'");
        options.collector = *parsed;
      } else if (a.rfind("--", 0) == 0) {
        throw shared::UsageError("unknown option '" + std::string(a) + "'");
      } else {
        break;
      }
    }
    if (i >= argc) throw shared::UsageError("a command is required");
    const std::string command = argv[i];
    std::vector<std::string> args;
    for (int k = i + 1; k < argc; ++k) {
      if (std::string_view(argv[k]) == "--json") {
        options.json = true;  // also accepted after the command
      } else {
        args.emplace_back(argv[k]);
      }
    }
    return ctl::run_command(command, args, options);
  });
}
