// pathwatch-agent: probes targets over every configured path and publishes to the collector.
#include <fmt/format.h>

#include "agent/config/agent_config.hpp"
#include "agent/agent_main.hpp"
#include "shared/cli/command_line.hpp"
#include "shared/cli/daemon_options.hpp"

int main(int argc, char** argv) {
  using namespace pathwatch;
  constexpr const char* kProgram = "pathwatch-agent";
  return shared::run_guarded(kProgram, [&] {
    const auto options = shared::parse_daemon_options(
        argc, argv, kProgram,
        "Probes targets over the primary and backup paths side by side and publishes\n"
        "path states, window statistics and route changes to the collector.");
    switch (options.mode) {
      case shared::DaemonOptions::Mode::kHelp:
        fmt::print("{}", options.help_text);
        return shared::kExitOk;
      case shared::DaemonOptions::Mode::kVersion:
        fmt::print("{}\n", shared::version_line(kProgram));
        return shared::kExitOk;
      case shared::DaemonOptions::Mode::kCheckConfig: {
        const auto config = agent::load_agent_config(options.config_file);
        std::size_t flows = 0;
        for (const auto& t : config.targets) flows += t.paths.size();
        fmt::print("{}: OK (agent {}, site {}, {} paths, {} targets, {} target-path pairs)\n",
                   options.config_file, config.agent_id, config.site, config.paths.size(),
                   config.targets.size(), flows);
        return shared::kExitOk;
      }
      case shared::DaemonOptions::Mode::kRun:
        return agent::run_agent(options);
    }
    return shared::kExitFailure;
  });
}
