// The agent's run loop: start-up steps, the event loop, and ordered shutdown.
#pragma once

#include "shared/cli/daemon_options.hpp"

namespace pathwatch::agent {

// Returns the process exit code. Never calls exit().
int run_agent(const shared::DaemonOptions& options);

}  // namespace pathwatch::agent
