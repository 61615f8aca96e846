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
             const std::string api =
                 config.api_tokens
                     ? fmt::format("API on {}:{} with {} tokens", config.api_address,
                                   config.api_port, config.api_tokens->size())
                     : fmt::format("API on {}:{} without tokens: loopback callers are operators",
                                   config.api_address, config.api_port);
             return fmt::format("{} listen endpoints, store {}, {}", config.listen.size(),
                                config.database, api);
           },
       .run = collector::run_collector});
}
