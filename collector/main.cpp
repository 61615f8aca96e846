// pathwatch-collector: receives what agents send, stores it durably and computes availability,
// failover events and fault isolation.
#include <fmt/format.h>

#include "collector/collector_main.hpp"
#include "collector/config/collector_config.hpp"
#include "shared/cli/daemon_options.hpp"

int main(int argc, char** argv) {
  using namespace pathwatch;
  return shared::run_daemon(
      argc, argv,
      {.program = "pathwatch-collector",
       .summary =
           "Receives agent data over ZeroMQ, stores it, and computes availability, failover\n"
           "events and boundary fault isolation.",
       .check_config =
           [](const std::string& file) {
             const auto config = collector::load_collector_config(file);
             return fmt::format("{} listen endpoints, store {}", config.listen.size(),
                                config.database);
           },
       .run = collector::run_collector});
}
