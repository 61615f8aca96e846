// Random loss right after its onset, in the lab topology: 30 % loss on the main office's
// primary line, probes every 500 ms, 1 s windows, as the lab runs them (tests/lab/isolation).
// Each agent runs the agent's own code (lab_agent_model.hpp): its ProbeSchedule with the
// suspicion, and one PathStateMachine per flow. Many onsets with a fixed seed (std::mt19937
// is the same sequence everywhere): how often the verdict names main-primary alone T seconds
// after the onset, and that it never names anything else alone. The figures are in
// docs/isolation.md.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <random>

#include "collector/isolation/isolation.hpp"
#include "collector/isolation/topology_config.hpp"
#include "tests/unit/collector/isolation/lab_agent_model.hpp"
#include "tests/unit/collector/isolation/lab_topology_test_base.hpp"
#include "tests/unit/collector/isolation/synthetic_network.hpp"

namespace pathwatch::collector::isolation {
namespace {

using std::chrono::milliseconds;

constexpr int kTrials = 400;
const shared::UtcNanos kZero{};

struct Outcome {
  int alone_right = 0;   // "degraded: main-primary", conclusive
  int alone_wrong = 0;   // conclusive, anything else
  int ranked_first = 0;  // main-primary the likeliest member of the first candidate
};

class LossOnset : public testing::LabTopologyTest {
 protected:
  // The observations `after` the onset of one trial: each agent's flows probed from a random
  // start, lost with p = 0.3 from the onset on if they cross the line, counted into the 1 s
  // windows that have closed by then (10 clean ones before the onset).
  static std::vector<Observation> trial(std::mt19937& rng, milliseconds after) {
    testing::Faults f;
    f.degraded = {"main-primary"};
    f.via = {{"main-agent", "primary"}};
    auto obs = testing::simulate(*topo_, f);
    // Only what the lab's agents probe: no branch office agent, and dc-agent reaches the
    // main office over `to-main` alone (whichever line dc-rtr uses).
    std::erase_if(obs, [](const Observation& o) {
      return o.agent_id == "branch-agent" || o.path == "to-main-primary" ||
             o.path == "to-main-backup";
    });
    const auto onset = kZero + milliseconds{10000 + static_cast<int>(rng() % 1000)};
    std::map<std::string, std::vector<Observation*>> agents;
    for (auto& o : obs) agents[o.agent_id].push_back(&o);
    for (auto& [agent, flows] : agents) {
      std::vector<testing::FlowFate> fates;
      for (const auto* o : flows) {
        fates.push_back({o->state == ObservedState::kDegraded ? 300u : 0u});
      }
      testing::run_lab_agent(rng, flows, fates, onset, onset + after);
    }
    return obs;
  }

  static Outcome run(milliseconds after, unsigned seed) {
    std::mt19937 rng(seed);
    Outcome out;
    for (int i = 0; i < kTrials; ++i) {
      ObservationSet set;
      set.observations = trial(rng, after);
      const Verdict v = isolate(*topo_, set);
      const Diagnosis& d = v.degraded;
      if (d.candidates.empty() || d.candidates[0].groups.empty()) continue;
      const auto& g = d.candidates[0].groups[0];
      const bool right = g.segments.front().segment == "main-primary";
      if (right && d.candidates[0].groups.size() == 1) ++out.ranked_first;
      if (d.conclusive) ++(right ? out.alone_right : out.alone_wrong);
    }
    std::printf(
        "  %4lld ms after the onset: main-primary alone %5.1f %%, ranked first %5.1f %%, "
        "something else alone %d of %d\n",
        static_cast<long long>(after.count()), 100.0 * out.alone_right / kTrials,
        100.0 * out.ranked_first / kTrials, out.alone_wrong, kTrials);
    return out;
  }
};

TEST_F(LossOnset, NeverNamesTheWrongSegmentAloneAndSoonNamesTheLine) {
  const Outcome at_1500 = run(milliseconds{1500}, 1);
  const Outcome at_2000 = run(milliseconds{2000}, 2);
  const Outcome at_3000 = run(milliseconds{3000}, 3);
  const Outcome at_4000 = run(milliseconds{4000}, 4);
  for (const auto& o : {at_1500, at_2000, at_3000, at_4000}) EXPECT_EQ(o.alone_wrong, 0);
  // Floors under what the model gives (docs/isolation.md), so that a change making the
  // ranking or the agents' suspicion worse fails here (without the suspicion: 44 % alone at
  // 1.5 s and 71 % at 2 s; hurried without split windows: 77 % and 98 %).
  EXPECT_GE(at_1500.ranked_first, kTrials * 95 / 100);
  EXPECT_GE(at_1500.alone_right, kTrials * 88 / 100);
  EXPECT_GE(at_2000.alone_right, kTrials * 95 / 100);
  EXPECT_GE(at_3000.alone_right, kTrials * 95 / 100);
  EXPECT_GE(at_4000.alone_right, kTrials * 95 / 100);
}

}  // namespace
}  // namespace pathwatch::collector::isolation
