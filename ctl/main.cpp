// pathwatchctl: the operator's and vendor's command line, over the collector's API.
#include <fmt/format.h>

#include <string_view>

#include "shared/cli/command_line.hpp"

namespace {

constexpr const char* kProgram = "pathwatchctl";
constexpr const char* kUsage =
    "Usage: pathwatchctl [--collector URL] COMMAND [options]\n"
    "Queries and manages a pathwatch collector.\n"
    "\n"
    "Commands:\n"
    "  status        agents, paths and their states, live\n"
    "\n"
    "Options:\n"
    "  -h, --help     show this help and exit\n"
    "  -V, --version  show the version and exit\n"
    "\n"
    "Exit codes: 0 ok, 1 failure (collector unreachable, server error), 2 usage error.\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace pathwatch;
  return shared::run_guarded(kProgram, [&] {
    if (argc < 2) throw shared::UsageError("a command is required");
    const std::string_view first = argv[1];
    if (first == "--help" || first == "-h" || first == "help") {
      fmt::print("{}", kUsage);
      return shared::kExitOk;
    }
    if (first == "--version" || first == "-V") {
      fmt::print("{}\n", shared::version_line(kProgram));
      return shared::kExitOk;
    }
    throw shared::UsageError(fmt::format("unknown command '{}'", first));
  });
}
