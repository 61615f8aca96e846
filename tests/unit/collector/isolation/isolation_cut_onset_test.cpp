// The lab's cuts right after they happen (tests/lab/isolation): is the verdict right within
// 3 probe intervals (1.5 s) of the fault, whatever the agents' probe phases? Each agent runs
// the agent's own code (lab_agent_model.hpp): its ProbeSchedule with the suspicion and one
// PathStateMachine per flow. A probe crossing the cut fails from the onset on: with a RST at
// once where the service refuses, otherwise at the timeout (the slowest case: a router's ICMP
// error would come at once; the evidence the lab gives is kept in the observation). A site
// cut off from the collector (site LAN, both lines) stops reporting: its last message is
// from at most one heartbeat (200 ms) before the cut, and the collector takes its
// measurements as unknown `silence_after` (1 s) after it, as the lab's collector does
// (docs/incidents.md); until then its last states stand. Many onsets with a fixed seed; the
// figures are in docs/isolation.md.
#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <map>
#include <random>

#include "collector/isolation/isolation.hpp"
#include "tests/unit/collector/isolation/lab_agent_model.hpp"
#include "tests/unit/collector/isolation/lab_topology_test_base.hpp"
#include "tests/unit/collector/isolation/synthetic_network.hpp"

namespace pathwatch::collector::isolation {
namespace {

using std::chrono::milliseconds;

constexpr int kTrials = 200;
const shared::UtcNanos kZero{};
constexpr milliseconds kHeartbeat{200};
constexpr milliseconds kSilenceAfter{1000};

struct Scenario {
  const char* name;
  testing::Faults faults;
  // The down verdict's one candidate: its groups, "a|b" for segments it cannot tell apart.
  std::vector<std::string> expected;
  bool cut_off_site = false;  // main-agent cannot reach the collector
  // What the lab's routers answer that simulate() does not say (site LAN: Time Exceeded).
  std::function<void(std::vector<Observation>&)> lab_evidence = nullptr;
};

std::vector<Scenario> scenarios() {
  std::vector<Scenario> out;
  auto add = [&out](const char* name, std::set<std::string> down, std::vector<std::string> exp) {
    Scenario s{name, {}, std::move(exp)};
    s.faults.down = std::move(down);
    out.push_back(std::move(s));
    return &out.back();
  };
  add("DC edge cut", {"dc-edge"}, {"dc-edge"});
  add("LGCS hop cut", {"lgcs"}, {"lgcs"});
  add("TGW hop cut", {"tgw"}, {"tgw|asp-host"});  // ambiguous by construction
  add("ASP host down", {"asp-host"}, {"tgw|asp-host"});
  add("ASP port closed", {"asp-service"}, {"asp-service"});
  // Site LAN: main-rtr loops the boundary agent's probes of the office host back to dc-rtr
  // (Time Exceeded from 198.18.101.2, not a router of the topology: no proof from it).
  Scenario* lan = add("site LAN cut", {"main-lan"}, {"main-lan"});
  lan->faults.icmp_evidence = false;
  lan->cut_off_site = true;
  lan->lab_evidence = [](std::vector<Observation>& obs) {
    for (auto& o : obs) {
      if (o.target == "main-office") o.icmp = IcmpEvidence{"198.18.101.2", 11, 0};
    }
  };
  add("both lines cut", {"main-primary", "main-backup"}, {"main-primary", "main-backup"})
      ->cut_off_site = true;
  return out;
}

class CutOnset : public testing::LabTopologyTest {
 protected:
  // What the collector holds `after` the onset of one cut, the agents started at random
  // instants and the onset at a random instant of a second, 10 s in.
  static std::vector<Observation> trial(const Scenario& s, std::mt19937& rng, milliseconds after) {
    auto obs = testing::simulate(*topo_, s.faults);
    // Only what the lab's agents probe: no branch office agent, and dc-agent reaches the
    // main office over `to-main` alone (whichever line dc-rtr uses).
    std::erase_if(obs, [](const Observation& o) {
      return o.agent_id == "branch-agent" || o.path == "to-main-primary" ||
             o.path == "to-main-backup";
    });
    if (s.lab_evidence) s.lab_evidence(obs);
    const auto onset = kZero + milliseconds{10000 + static_cast<int>(rng() % 1000)};
    const auto now = onset + after;
    std::map<std::string, std::vector<Observation*>> agents;
    for (auto& o : obs) agents[o.agent_id].push_back(&o);
    for (auto& [agent, flows] : agents) {
      std::vector<testing::FlowFate> fates;
      for (const auto* o : flows) {
        testing::FlowFate f;
        if (o->state == ObservedState::kDown) {
          f.loss_permille = 1000;
          if (o->tcp == TcpEvidence::kRefused) f.failure = agent::Outcome::kRefused;
        }
        fates.push_back(f);
      }
      if (s.cut_off_site && agent == "main-agent") {
        // Its last message reached the collector at most a heartbeat before the cut.
        const auto last_heard = onset - milliseconds{rng() % kHeartbeat.count()};
        testing::run_lab_agent(rng, flows, fates, onset, std::min(now, last_heard));
        if (now >= last_heard + kSilenceAfter) {
          for (auto* o : flows) {
            o->state = ObservedState::kUnknown;
            o->windows.clear();
          }
        }
        continue;
      }
      testing::run_lab_agent(rng, flows, fates, onset, now);
    }
    return obs;
  }

  // How many onsets give the expected verdict `after` the fault, and how many a wrong one
  // that claims to be sure (conclusive).
  static std::pair<int, int> run(const Scenario& s, milliseconds after, unsigned seed) {
    std::mt19937 rng(seed);
    int right = 0;
    int wrong_sure = 0;
    for (int i = 0; i < kTrials; ++i) {
      ObservationSet set;
      set.observations = trial(s, rng, after);
      const Diagnosis& d = isolate(*topo_, set).down;
      const bool exact = d.candidates.size() == 1 && names(d.candidates[0]) == s.expected;
      if (exact) ++right;
      if (d.conclusive && !exact) ++wrong_sure;
    }
    return {right, wrong_sure};
  }
};

// Right in every onset by 1.5 s. Before that the verdict may be a draft, and a draft can
// be sure of the wrong segment: the TCP probes of a target went down while its ICMP probes,
// on another phase, have not lost their second probe yet, so they still prove the host and
// the verdict says "asp-service". Printed, not asserted: that is why incident messages wait
// (alerts.settle, docs/incidents.md).
TEST_F(CutOnset, EveryLabCutIsNamedWithinThreeProbeIntervals) {
  unsigned seed = 1;
  for (const auto& s : scenarios()) {
    std::printf("  %-16s", s.name);
    for (const int ms : {750, 1000, 1250, 1500}) {
      const auto [right, wrong_sure] = run(s, milliseconds{ms}, seed++);
      std::printf("  %4d ms: %5.1f %% right, %4.1f %% sure of another", ms, 100.0 * right / kTrials,
                  100.0 * wrong_sure / kTrials);
      if (ms == 1500) {
        EXPECT_EQ(right, kTrials) << s.name;
      }
    }
    std::printf("\n");
  }
}

}  // namespace
}  // namespace pathwatch::collector::isolation
