// Random loss right after its onset, in the lab topology: 30 % loss on the main office's
// primary line, probes every 500 ms, 1 s windows, as the lab runs them (tests/lab/isolation).
// Each agent runs the agent's own code: its ProbeSchedule, with the suspicion that probes every
// flow 5 x as often for 3 s once a loss puts a path in doubt (and closes windows every probe
// interval meanwhile), and one PathStateMachine per flow, fed each outcome when it is known
// (an answer after 1 ms, a loss at the timeout). Many
// onsets with a fixed seed (std::mt19937 is the same sequence everywhere): how often the
// verdict names main-primary alone T seconds after the onset, and that it never names anything
// else alone. The figures are in docs/isolation.md.
#include <gtest/gtest.h>

#include <algorithm>
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
    // Each flow's outcomes (when known, lost), and the agent's hurries (start, until).
    std::vector<std::vector<std::pair<shared::UtcNanos, bool>>> outcomes(flows.size());
    std::vector<std::pair<shared::UtcNanos, shared::UtcNanos>> hurries;
    for (int step = 0; step < 100000; ++step) {  // bounded: ~2,000 events per agent
      const auto send_at = kZero + (*schedule.next_due() - shared::MonoNanos{});
      if (!pending.empty() && pending.top().known <= std::min(send_at, now)) {
        const Pending p = pending.top();
        pending.pop();
        Observation& o = *flows[p.result.flow];
        auto& m = machines[p.result.flow];
        const auto change = m.on_result(p.result);
        if (change) {
          o.state = to_observed(change->to);
          o.since = change->at;
        }
        outcomes[p.result.flow].push_back({p.known, p.result.outcome != agent::Outcome::kOk});
        // AgentRuntime's suspicion: a flow leaving UP, or losses putting it in doubt.
        if ((change && change->from == agent::PathState::kUp) || m.doubts_up()) {
          if (schedule.hurry(kSpeedup, mono(p.known + kHold), mono(p.known))) {
            hurries.push_back({p.known, p.known + kHold});
          } else if (!hurries.empty()) {
            hurries.back().second = p.known + kHold;
          }
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
    // The windows that closed by `now`: every 1 s, and every probe interval (the split) while
    // the agent was hurried when it armed its window timer (AgentRuntime::next_window_end).
    std::vector<shared::UtcNanos> ends;
    for (auto end = kZero + kInterval; end <= now; end += kInterval) {
      const bool regular = (end - kZero) % kWindow == shared::Nanos{0};
      const bool split = std::any_of(hurries.begin(), hurries.end(), [&](const auto& h) {
        return h.first < end && h.second > end - kInterval;
      });
      if (regular || split) ends.push_back(end);
    }
    for (std::size_t i = 0; i < flows.size(); ++i) {
      auto& windows = flows[i]->windows;
      shared::UtcNanos start = kZero;
      auto it = outcomes[i].begin();
      for (const auto end : ends) {
        WindowCounts w{start, end, 0, 0};
        for (; it != outcomes[i].end() && it->first < end; ++it) {
          ++w.sent;
          w.lost += it->second ? 1 : 0;
        }
        if (w.sent > 0) windows.push_back(w);
        start = end;
      }
      while (windows.size() > 16) windows.erase(windows.begin());
    }
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
