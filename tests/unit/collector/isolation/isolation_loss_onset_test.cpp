// Random loss right after its onset, in the lab topology: 30 % loss on the main office's
// primary line, probes every 500 ms, 1 s windows, as the lab runs them (tests/lab/isolation).
// Each agent runs the agent's own code: its ProbeSchedule, with the suspicion that probes every
// flow 5 x as often for 3 s once a loss puts a path in doubt, and one PathStateMachine per
// flow, fed each outcome when it is known (an answer after 1 ms, a loss at the timeout). Many
// onsets with a fixed seed (std::mt19937 is the same sequence everywhere): how often the
// verdict names main-primary alone T seconds after the onset, and that it never names anything
// else alone. The figures are in docs/isolation.md.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <queue>
#include <random>

#include "agent/schedule/probe_schedule.hpp"
#include "agent/state/path_state_machine.hpp"
#include "collector/isolation/isolation.hpp"
#include "collector/isolation/topology_config.hpp"
#include "tests/unit/collector/isolation/lab_topology_test_base.hpp"
#include "tests/unit/collector/isolation/synthetic_network.hpp"

namespace pathwatch::collector::isolation {
namespace {

using std::chrono::milliseconds;

constexpr int kTrials = 400;
constexpr milliseconds kInterval{500};
constexpr milliseconds kTimeout{250};
constexpr milliseconds kWindow{1000};
const shared::UtcNanos kZero{};
// The lab agent's thresholds and suspicion (tests/lab/isolation: MAIN_CONFIG).
const agent::StateThresholds kThresholds{2, 2, 10.0, std::nullopt, milliseconds{200}, 6};
constexpr std::uint32_t kSpeedup = 5;  // every agent here has < 100 probes/s: never cut
constexpr milliseconds kHold{3000};

ObservedState to_observed(agent::PathState state) {
  switch (state) {
    case agent::PathState::kUp:
      return ObservedState::kUp;
    case agent::PathState::kDegraded:
      return ObservedState::kDegraded;
    case agent::PathState::kDown:
      return ObservedState::kDown;
    default:
      return ObservedState::kUnknown;
  }
}

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
    for (auto& [id, flows] : agents) run_agent(rng, flows, onset, onset + after);
    return obs;
  }

  // One agent from time 0 to `now`: its schedule, its flows' state machines and windows.
  static void run_agent(std::mt19937& rng, const std::vector<Observation*>& flows,
                        shared::UtcNanos onset, shared::UtcNanos now) {
    // Mono time = UTC time here; the agent started at a random instant of the first interval.
    const auto mono = [](shared::UtcNanos t) { return shared::MonoNanos{t - kZero}; };
    agent::ProbeSchedule schedule(mono(kZero + milliseconds{rng() % 500}));
    std::vector<agent::ScheduleEntry> entries;
    std::vector<agent::PathStateMachine> machines;
    std::vector<bool> over_line;
    for (std::size_t i = 0; i < flows.size(); ++i) {
      const Observation& o = *flows[i];
      entries.push_back(
          {static_cast<agent::FlowId>(i), o.target + "|" + std::to_string(o.port), kInterval});
      machines.emplace_back(kThresholds, kTimeout);
      over_line.push_back(o.state == ObservedState::kDegraded);
      flows[i]->state = ObservedState::kUnknown;
    }
    schedule.set_flows(entries, mono(kZero));
    struct Pending {
      shared::UtcNanos known;  // when the outcome is known
      agent::ProbeResult result;
      bool operator>(const Pending& p) const { return known > p.known; }
    };
    std::priority_queue<Pending, std::vector<Pending>, std::greater<>> pending;
    std::vector<std::uint64_t> seqs(flows.size(), 0);
    std::vector<agent::FlowId> due;
    for (int step = 0; step < 100000; ++step) {  // bounded: ~2,000 events per agent
      const auto send_at = kZero + (*schedule.next_due() - shared::MonoNanos{});
      if (!pending.empty() && pending.top().known <= std::min(send_at, now)) {
        const Pending p = pending.top();
        pending.pop();
        auto& m = machines[p.result.flow];
        const auto change = record(*flows[p.result.flow], m, p, now);
        // AgentRuntime's suspicion: a flow leaving UP, or losses putting it in doubt.
        if ((change && change->from == agent::PathState::kUp) || m.doubts_up()) {
          schedule.hurry(kSpeedup, mono(p.known + kHold), mono(p.known));
        }
        continue;
      }
      if (send_at > now) break;
      due.clear();
      schedule.take_due(mono(send_at), due);
      for (const auto id : due) {
        const bool lost = over_line[id] && send_at >= onset && rng() % 1000 < 300;
        Pending p{send_at + (lost ? kTimeout : milliseconds{1}), {}};
        p.result.flow = id;
        p.result.seq = ++seqs[id];
        p.result.sent_utc = send_at;
        p.result.outcome = lost ? agent::Outcome::kTimeout : agent::Outcome::kOk;
        if (!lost) p.result.rtt = milliseconds{1};
        pending.push(p);
      }
    }
    for (auto* o : flows) {
      while (o->windows.size() > 16) o->windows.erase(o->windows.begin());
    }
  }

  // One outcome into its flow's state machine and, if its window has closed by `now`, its
  // window's counts; returns the state change it caused.
  static std::optional<agent::StateChangeEvent> record(Observation& o, agent::PathStateMachine& m,
                                                       const auto& p, shared::UtcNanos now) {
    const auto change = m.on_result(p.result);
    if (change) {
      o.state = to_observed(change->to);
      o.since = change->at;
    }
    const auto end = kZero + ((p.known - kZero) / kWindow + 1) * kWindow;
    if (end > now) return change;  // its window has not closed yet
    if (o.windows.empty() || o.windows.back().end != end) {
      o.windows.push_back({end - kWindow, end, 0, 0});
    }
    ++o.windows.back().sent;
    o.windows.back().lost += p.result.outcome == agent::Outcome::kOk ? 0 : 1;
    return change;
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
  // 1.5 s and 71 % at 2 s).
  EXPECT_GE(at_1500.ranked_first, kTrials * 90 / 100);
  EXPECT_GE(at_1500.alone_right, kTrials * 65 / 100);
  EXPECT_GE(at_2000.alone_right, kTrials * 90 / 100);
  EXPECT_GE(at_3000.alone_right, kTrials * 95 / 100);
  EXPECT_GE(at_4000.alone_right, kTrials * 95 / 100);
}

}  // namespace
}  // namespace pathwatch::collector::isolation
