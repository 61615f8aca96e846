// pathwatchctl: the operator's and vendor's command line, over the collector's API.
#include <fmt/format.h>

#include <cstdlib>
#include <string_view>
#include <vector>

#include "ctl/commands.hpp"
#include "ctl/token_file.hpp"
#include "shared/cli/command_line.hpp"
#include "shared/config/units.hpp"

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
    "  audit [--since T] [--limit N]       who changed what through the API (operators)\n"
    "  keygen --out DIR --name NAME        CURVE key pair: NAME.key (0600), NAME.pub (0644)\n"
    "  token create --role viewer|operator --name NAME\n"
    "                                      API bearer token (shown once) and its token-file line\n"
    "\n"
    "Times T: '2026-11-03 01:00' (JST) or '2026-11-02T16:00Z' (UTC).\n"
    "\n"
    "Options:\n"
    "  --collector URL  the collector's API (default http://127.0.0.1:7080; https:// with "
    "api.tls)\n"
    "  --json           print the API's JSON instead of tables (for scripts)\n"
    "  --token-file F   read the API bearer token from file F (default: $PATHWATCH_TOKEN)\n"
    "  --cacert F       https: verify the collector against the CA certificate(s) in F\n"
    "  --timeout D      give up when the whole request takes longer (default 30s,\n"
    "                   $PATHWATCH_TIMEOUT); D is seconds or a duration such as 500ms\n"
    "  --connect-timeout D  give up connecting after D (default 5s)\n"
    "  -h, --help       show this help and exit\n"
    "  -V, --version    show the version and exit\n"
    "\n"
    "Exit codes: 0 ok, 1 failure (collector unreachable, server error), 2 usage error,\n"
    "3 availability: at least one service is below its target.\n";

// "2" (seconds) or "500ms", "1.5s": positive, at most an hour.
std::chrono::milliseconds parse_timeout(const std::string& flag, const std::string& text) {
  auto d = pathwatch::shared::parse_duration(text);
  if (!d && !text.empty() && text.find_first_not_of("0123456789") == std::string::npos) {
    d = pathwatch::shared::parse_duration(text + "s");
  }
  const auto ms =
      d ? std::chrono::duration_cast<std::chrono::milliseconds>(*d) : std::chrono::milliseconds{0};
  if (!d || ms.count() <= 0 || ms > std::chrono::hours{1}) {
    throw pathwatch::shared::UsageError(
        fmt::format("{}: expected seconds or a duration such as 500ms, got '{}'", flag, text));
  }
  return ms;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace pathwatch;
  return shared::run_guarded(kProgram, [&] {
    ctl::CtlOptions options;
    options.collector = *ctl::parse_collector_url("http://127.0.0.1:7080");
    if (const char* t = std::getenv("PATHWATCH_TOKEN"); t && *t) options.http.token = t;
    if (const char* t = std::getenv("PATHWATCH_TIMEOUT"); t && *t) {
      options.http.timeout = parse_timeout("PATHWATCH_TIMEOUT", t);
    }
    // --flag VALUE or --flag=VALUE.
    const auto value_of = [&](int& at, std::string_view a, std::string_view flag) -> std::string {
      if (a.size() > flag.size() && a[flag.size()] == '=') {
        return std::string(a.substr(flag.size() + 1));
      }
      if (at + 1 >= argc) throw shared::UsageError(fmt::format("{} needs a value", flag));
      return argv[++at];
    };
    const auto is_flag = [](std::string_view a, std::string_view flag) {
      return a == flag ||
             (a.size() > flag.size() && a.rfind(flag, 0) == 0 && a[flag.size()] == '=');
    };
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
      } else if (is_flag(a, "--timeout")) {
        options.http.timeout = parse_timeout("--timeout", value_of(i, a, "--timeout"));
      } else if (is_flag(a, "--connect-timeout")) {
        options.http.connect_timeout =
            parse_timeout("--connect-timeout", value_of(i, a, "--connect-timeout"));
      } else if (is_flag(a, "--cacert")) {
        options.http.ca_file = value_of(i, a, "--cacert");
      } else if (is_flag(a, "--token-file")) {
        options.http.token = ctl::read_token_file(value_of(i, a, "--token-file"));
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
          throw shared::UsageError(
              "--collector: expected http://HOST:PORT or https://HOST:PORT, got '" + url + "'");
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
