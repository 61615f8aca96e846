// libFuzzer targets for the strict config loaders: YAML text through ConfigNode::load_string and
// one parse_* function (chosen at compile time by PATHWATCH_FUZZ_CONFIG). A malformed config
// must end in shared::ConfigError (FILE:LINE:COL); any other exception escapes and libFuzzer
// reports it as a crash, as it does for memory errors and undefined behaviour.
#include <cstddef>
#include <cstdint>
#include <string>

#include "shared/config/config_error.hpp"
#include "shared/config/config_node.hpp"

#if PATHWATCH_FUZZ_CONFIG == 1
#include "agent/config/agent_config.hpp"
#elif PATHWATCH_FUZZ_CONFIG == 2
#include "collector/config/collector_config.hpp"
#elif PATHWATCH_FUZZ_CONFIG == 3
#include "collector/isolation/topology_config.hpp"
#else
#error "PATHWATCH_FUZZ_CONFIG must be 1 (agent), 2 (collector) or 3 (topology)"
#endif

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const auto root = pathwatch::shared::ConfigNode::load_string(text, "fuzz.yaml");
#if PATHWATCH_FUZZ_CONFIG == 1
    (void)pathwatch::agent::parse_agent_config(root, "fuzz.yaml");
#elif PATHWATCH_FUZZ_CONFIG == 2
    // No directory: relative file names (holidays, keys) resolve against the working directory,
    // which run_fuzzers.sh sets to an empty temporary one.
    (void)pathwatch::collector::parse_collector_config(root, "fuzz.yaml");
#else
    (void)pathwatch::collector::isolation::parse_topology(root);
#endif
  } catch (const pathwatch::shared::ConfigError&) {
    // The expected outcome for most inputs.
  }
  return 0;
}
