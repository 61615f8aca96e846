// Decision time of isolation on a prefecture-sized topology (synthetic_network.hpp: 50 sites,
// 165 segments, 758 measurements, ~2,300 observations), and the exact hitting-set search
// against a naive exhaustive search (every subset by size) on the same failing sets (peer).
#include <benchmark/benchmark.h>

#include <random>

#include "collector/isolation/isolation.hpp"
#include "collector/isolation/topology_config.hpp"
#include "tests/unit/collector/isolation/synthetic_network.hpp"

namespace {

using namespace pathwatch::collector::isolation;

const Topology& topology() {
  static const Topology t = parse_topology(pathwatch::shared::ConfigNode::load_string(
      testing::synthetic_topology_yaml(50, 5), "bench.yaml"));
  return t;
}

// Four lines at four sites and one ASP host down, with router evidence.
ObservationSet lines_and_host() {
  testing::Faults f;
  // Appends only: GCC 12 at -O3 warns falsely (-Wrestrict) on "literal" + std::string.
  for (const char* s : {"3", "17", "29", "41"}) {
    std::string line = "s", agent = "agent";
    line.append(s).append("-primary");
    agent.append(s);
    f.down.insert(line);
    f.via[agent] = "backup";
  }
  f.down.insert("asp2-host");
  ObservationSet set;
  set.observations = testing::simulate(topology(), f);
  return set;
}

// The shared TGW down: 1,511 failing observations, no router evidence.
ObservationSet core_down() {
  testing::Faults f;
  f.down = {"tgw"};
  f.icmp_evidence = false;
  ObservationSet set;
  set.observations = testing::simulate(topology(), f);
  return set;
}

// 30 % loss on one site's primary line, 6 s after it began: every observation carries 16
// one-second windows (2 probes each), the flows over the line lose probes from 10 s on. With
// its windows the degraded pass ranks the suspects by loss likelihood; without them (the
// peer) it is the boolean decision alone, on the same states.
ObservationSet loss_on_a_line(bool with_windows) {
  testing::Faults f;
  f.degraded = {"s17-primary"};
  f.via["agent17"] = "primary";
  ObservationSet set;
  set.observations = testing::simulate(topology(), f);
  if (!with_windows) return set;
  std::mt19937 rng(17);
  const pathwatch::shared::UtcNanos zero{};
  for (auto& o : set.observations) {
    const bool lossy = o.state == ObservedState::kDegraded;
    if (lossy) o.since = zero + std::chrono::milliseconds{10500};
    for (int end = 1; end <= 16; ++end) {
      std::uint32_t lost = 0;
      for (int probe = 0; probe < 2; ++probe) lost += lossy && end > 10 && rng() % 10 < 3;
      o.windows.push_back(
          {zero + std::chrono::seconds{end - 1}, zero + std::chrono::seconds{end}, 2, lost});
    }
  }
  return set;
}

void BM_IsolateLossRanked(benchmark::State& state) {
  const ObservationSet set = loss_on_a_line(true);
  const Verdict v = isolate(topology(), set);  // it must be what is measured
  if (!v.degraded.loss_ranked || v.degraded.candidates.empty() ||
      v.degraded.candidates[0].groups[0].segments[0].segment != "s17-primary") {
    state.SkipWithError("the loss was not ranked onto s17-primary");
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(isolate(topology(), set));
}
BENCHMARK(BM_IsolateLossRanked)->Unit(benchmark::kMillisecond);

void BM_IsolateLossBoolean(benchmark::State& state) {
  const ObservationSet set = loss_on_a_line(false);
  for (auto _ : state) benchmark::DoNotOptimize(isolate(topology(), set));
}
BENCHMARK(BM_IsolateLossBoolean)->Unit(benchmark::kMillisecond);

void BM_IsolateLinesAndHost(benchmark::State& state) {
  const ObservationSet set = lines_and_host();
  for (auto _ : state) benchmark::DoNotOptimize(isolate(topology(), set));
}
BENCHMARK(BM_IsolateLinesAndHost)->Unit(benchmark::kMillisecond);

void BM_IsolateCoreDown(benchmark::State& state) {
  const ObservationSet set = core_down();
  for (auto _ : state) benchmark::DoNotOptimize(isolate(topology(), set));
}
BENCHMARK(BM_IsolateCoreDown)->Unit(benchmark::kMillisecond);

// A hitting-set instance the exhaustive peer can still finish: `n` disjoint pairs
// (answer size n, 2^n answers) plus noise sets, over 2n+4 elements.
std::vector<std::vector<std::uint32_t>> pairs_family(std::uint32_t n) {
  std::vector<std::vector<std::uint32_t>> sets;
  for (std::uint32_t i = 0; i < n; ++i) sets.push_back({2 * i, 2 * i + 1});
  for (std::uint32_t i = 0; i + 1 < n; ++i) sets.push_back({2 * i, 2 * i + 3, 2 * n});
  return sets;
}

void BM_HittingSetExact(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  const auto sets = pairs_family(n);
  HittingSetOptions o;
  o.max_solutions = 1u << n;
  o.extra_size = 0;
  for (auto _ : state) benchmark::DoNotOptimize(solve_hitting_sets(2 * n + 4, sets, o));
}
BENCHMARK(BM_HittingSetExact)->Arg(6)->Unit(benchmark::kMillisecond);

void BM_HittingSetExhaustive(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  const auto sets = pairs_family(n);
  for (auto _ : state) benchmark::DoNotOptimize(exhaustive_minimum_hitting_sets(2 * n + 4, sets));
}
BENCHMARK(BM_HittingSetExhaustive)->Arg(6)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
