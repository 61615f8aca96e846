#include "collector/collector_main.hpp"

#include "collector/config/collector_config.hpp"
#include "shared/cli/command_line.hpp"
#include "shared/logging/logging.hpp"

namespace pathwatch::collector {

int run_collector(const shared::DaemonOptions& options) {
  const auto config = load_collector_config(options.config_file);
  auto log = shared::component_logger("collector");
  log->error("ingest is not built yet (issue 4)");
  return shared::kExitFailure;
}

}  // namespace pathwatch::collector
