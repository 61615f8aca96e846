// What strict validation costs: loading a large agent config (a boundary agent with thousands
// of targets) through the strict loader, side by side with yaml-cpp's bare parse of the same
// text (the peer), so the ratio shows our overhead on this machine.
#include <benchmark/benchmark.h>
#include <yaml-cpp/yaml.h>

#include <string>

#include "agent/config/agent_config.hpp"

namespace {

std::string make_config(int targets) {
  std::string text =
      "agent: {id: boundary-01, site: dc}\n"
      "collector: {endpoints: tcp://198.18.10.10:7000, insecure_plaintext: true}\n"
      "paths:\n"
      "  - {name: primary, source: 198.18.1.10}\n"
      "  - {name: backup, source: 198.18.1.11}\n"
      "targets:\n";
  for (int i = 0; i < targets; ++i) {
    text += "  - {name: t" + std::to_string(i) + ", address: 198.19." + std::to_string(i / 250) +
            "." + std::to_string(i % 250 + 1) + ", tcp: [443], paths: [primary, backup]}\n";
  }
  return text;
}

void BM_StrictAgentConfig(benchmark::State& state) {
  const std::string text = make_config(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    auto config = pathwatch::agent::parse_agent_config(
        pathwatch::shared::ConfigNode::load_string(text, "bench.yaml"), "bench.yaml");
    benchmark::DoNotOptimize(config);
  }
}
BENCHMARK(BM_StrictAgentConfig)->Arg(10000)->Unit(benchmark::kMillisecond);

void BM_YamlCppParseOnly(benchmark::State& state) {
  const std::string text = make_config(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    auto node = YAML::Load(text);
    benchmark::DoNotOptimize(node);
  }
}
BENCHMARK(BM_YamlCppParseOnly)->Arg(10000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
