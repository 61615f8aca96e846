// pathwatch-agent: probes targets over every configured path and publishes to the collector.
#include <fmt/format.h>

#include "agent/agent_main.hpp"
#include "agent/config/agent_config.hpp"
#include "shared/cli/daemon_options.hpp"

int main(int argc, char** argv) {
  using namespace pathwatch;
  return shared::run_daemon(
      argc, argv,
      {.program = "pathwatch-agent",
       .summary = "Probes targets over the primary and backup paths side by side and publishes\n"
                  "path states, window statistics and route changes to the collector.",
       .check_config =
           [](const std::string& file) {
             const auto config = agent::load_agent_config(file);
             std::size_t flows = 0;
             for (const auto& t : config.targets) flows += t.paths.size();
             return fmt::format("agent {}, site {}, {} paths, {} targets, {} target-path pairs",
                                config.agent_id, config.site, config.paths.size(),
                                config.targets.size(), flows);
           },
       .run = agent::run_agent});
}
