#include "agent/agent_main.hpp"

#include "agent/config/agent_config.hpp"
#include "shared/cli/command_line.hpp"
#include "shared/logging/logging.hpp"

namespace pathwatch::agent {

int run_agent(const shared::DaemonOptions& options) {
  const auto config = load_agent_config(options.config_file);
  auto log = shared::component_logger("agent");
  log->error("the probe engine is not built yet (issue 3)");
  return shared::kExitFailure;
}

}  // namespace pathwatch::agent
