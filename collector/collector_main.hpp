// The collector's run loop: start-up steps, serving, and ordered shutdown.
#pragma once

#include "shared/cli/daemon_options.hpp"

namespace pathwatch::collector {

// Returns the process exit code. Never calls exit().
int run_collector(const shared::DaemonOptions& options);

}  // namespace pathwatch::collector
