// pathwatch-collector: receives what agents send, stores it durably and computes availability,
// failover events and fault isolation.
#include <fmt/format.h>

#include "collector/collector_main.hpp"
#include "collector/config/collector_config.hpp"
#include "shared/cli/command_line.hpp"
#include "shared/cli/daemon_options.hpp"

int main(int argc, char** argv) {
  using namespace pathwatch;
  constexpr const char* kProgram = "pathwatch-collector";
  return shared::run_guarded(kProgram, [&] {
    const auto options = shared::parse_daemon_options(
        argc, argv, kProgram,
        "Receives agent data over ZeroMQ, stores it, and computes availability, failover\n"
        "events and boundary fault isolation.");
    switch (options.mode) {
      case shared::DaemonOptions::Mode::kHelp:
        fmt::print("{}", options.help_text);
        return shared::kExitOk;
      case shared::DaemonOptions::Mode::kVersion:
        fmt::print("{}\n", shared::version_line(kProgram));
        return shared::kExitOk;
      case shared::DaemonOptions::Mode::kCheckConfig: {
        const auto config = collector::load_collector_config(options.config_file);
        fmt::print("{}: OK ({} listen endpoints, store {})\n", options.config_file,
                   config.listen.size(), config.database);
        return shared::kExitOk;
      }
      case shared::DaemonOptions::Mode::kRun:
        return collector::run_collector(options);
    }
    return shared::kExitFailure;
  });
}
