// Test support: the lab's agents (tests/lab/isolation) as code, over simulated time, for the
// onset models (isolation_loss_onset_test.cpp, isolation_cut_onset_test.cpp). One agent runs
// the agent's own ProbeSchedule, with the suspicion that probes every flow 5 x as often for
// 3 s once a loss puts a path in doubt or a flow leaves UP (and closes windows every probe
// interval meanwhile), and one PathStateMachine per flow, fed each outcome when it is known
// with its path's evidence from the agent's PathLossPool (pools by path name, as
// AgentRuntime::on_result does).
// What it leaves in each observation is what the collector would hold at a given instant:
// the flow's state and its newest windows.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <queue>
#include <random>
#include <string>
#include <vector>

#include "agent/config/agent_config.hpp"
#include "agent/schedule/probe_schedule.hpp"
#include "agent/state/path_loss_pool.hpp"
#include "agent/state/path_state_machine.hpp"
#include "collector/isolation/observation.hpp"

namespace pathwatch::collector::isolation::testing {

// The lab's settings (MAIN_CONFIG and DC_CONFIG there): probes every 500 ms with a 250 ms
// timeout, 1 s windows, down and up after 2, loss judged over the last 6 probes, suspicion
// at its defaults.
inline constexpr std::chrono::milliseconds kLabInterval{500};
inline constexpr std::chrono::milliseconds kLabTimeout{250};
inline constexpr std::chrono::milliseconds kLabWindow{1000};
inline constexpr std::uint32_t kLabSpeedup = 5;  // these agents have < 100 probes/s: never cut
inline constexpr std::chrono::milliseconds kLabHold{3000};
inline const agent::StateThresholds kLabThresholds{
    2, 2, 10.0, std::nullopt, std::chrono::milliseconds{200}, 6};
// The most probes a lab flow sends per hour: every 500 ms, hurried 5 x (AgentRuntime's
// max_probes_per_hour).
inline constexpr double kLabProbesPerHour = 3600.0 / 0.5 * kLabSpeedup;

// How one flow fares from the onset on.
struct FlowFate {
  std::uint32_t loss_permille = 0;  // the chance that a probe fails: 1000 for a cut
  // How it fails: kRefused (a RST) comes back at once; anything else at the timeout.
  agent::Outcome failure = agent::Outcome::kTimeout;
};

inline ObservedState to_observed(agent::PathState state) {
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

// One agent from time 0 to `now`, started at a random instant of its first interval; its
// flows fare as `fates` says from `onset` on (answers take 1 ms). Sets each flow's state
// and since, keeps its ICMP/TCP evidence only while it is down, and gives it the windows
// that closed by `now` (every 1 s, and every probe interval while hurried; the newest 16).
inline void run_lab_agent(std::mt19937& rng, const std::vector<Observation*>& flows,
                          const std::vector<FlowFate>& fates, shared::UtcNanos onset,
                          shared::UtcNanos now) {
  using std::chrono::milliseconds;
  const shared::UtcNanos zero{};
  // Mono time = UTC time here.
  const auto mono = [&](shared::UtcNanos t) { return shared::MonoNanos{t - zero}; };
  agent::ProbeSchedule schedule(mono(zero + milliseconds{rng() % 500}));
  std::vector<agent::ScheduleEntry> entries;
  std::vector<agent::PathStateMachine> machines;
  std::vector<agent::PoolMember> members;
  for (std::size_t i = 0; i < flows.size(); ++i) {
    const Observation& o = *flows[i];
    entries.push_back(
        {static_cast<agent::FlowId>(i), o.target + "|" + std::to_string(o.port), kLabInterval});
    machines.emplace_back(kLabThresholds, kLabTimeout, kLabProbesPerHour);
    members.push_back({static_cast<agent::FlowId>(i), o.path, kLabProbesPerHour});
    flows[i]->state = ObservedState::kUnknown;
  }
  schedule.set_flows(entries, mono(zero));
  agent::PathLossPool pools(kLabThresholds);
  pools.set_flows(members);
  struct Pending {
    shared::UtcNanos known;  // when the outcome is known
    agent::ProbeResult result;
    bool operator>(const Pending& p) const { return known > p.known; }
  };
  std::priority_queue<Pending, std::vector<Pending>, std::greater<>> pending;
  std::vector<std::uint64_t> seqs(flows.size(), 0);
  std::vector<agent::FlowId> due;
  // Each flow's outcomes (when known, failed), and the agent's hurries (start, until).
  std::vector<std::vector<std::pair<shared::UtcNanos, bool>>> outcomes(flows.size());
  std::vector<std::pair<shared::UtcNanos, shared::UtcNanos>> hurries;
  for (int step = 0; step < 100000; ++step) {  // bounded: ~2,000 events per agent
    const auto send_at = zero + (*schedule.next_due() - shared::MonoNanos{});
    if (!pending.empty() && pending.top().known <= std::min(send_at, now)) {
      const Pending p = pending.top();
      pending.pop();
      Observation& o = *flows[p.result.flow];
      auto& m = machines[p.result.flow];
      const auto path = pools.on_outcome(p.result.flow, agent::path_delivered(p.result.outcome),
                                         m.state() == agent::PathState::kDown, m.loss_rate());
      const auto change = m.on_result(p.result, path);
      if (change) {
        o.state = to_observed(change->to);
        o.since = change->at;
      }
      outcomes[p.result.flow].push_back({p.known, p.result.outcome != agent::Outcome::kOk});
      // AgentRuntime's suspicion: a flow leaving UP, or losses putting it in doubt, or half
      // way to a cut.
      const bool half_way = m.state() != agent::PathState::kDown &&
                            (m.doubts_cut() || pools.doubts_cut(p.result.flow));
      if ((change && change->from == agent::PathState::kUp) || m.doubts_up() || half_way) {
        if (schedule.hurry(kLabSpeedup, mono(p.known + kLabHold), mono(p.known)).began) {
          hurries.push_back({p.known, p.known + kLabHold});
        } else if (!hurries.empty()) {
          hurries.back().second = p.known + kLabHold;
        }
      }
      continue;
    }
    if (send_at > now) break;
    due.clear();
    schedule.take_due(mono(send_at), due);
    for (const auto id : due) {
      const FlowFate& fate = fates[id];
      const bool failed =
          fate.loss_permille > 0 && send_at >= onset && rng() % 1000 < fate.loss_permille;
      const bool at_once = failed && fate.failure == agent::Outcome::kRefused;
      Pending p{send_at + (failed && !at_once ? milliseconds{kLabTimeout} : milliseconds{1}), {}};
      p.result.flow = id;
      p.result.seq = ++seqs[id];
      p.result.sent_utc = send_at;
      p.result.outcome = failed ? fate.failure : agent::Outcome::kOk;
      if (!failed || at_once) p.result.rtt = milliseconds{1};
      pending.push(p);
    }
  }
  // The windows that closed by `now`: every 1 s, and every probe interval (the split) while
  // the agent was hurried when it armed its window timer (AgentRuntime::next_window_end).
  std::vector<shared::UtcNanos> ends;
  for (auto end = zero + kLabInterval; end <= now; end += kLabInterval) {
    const bool regular = (end - zero) % kLabWindow == shared::Nanos{0};
    const bool split = std::any_of(hurries.begin(), hurries.end(), [&](const auto& h) {
      return h.first < end && h.second > end - kLabInterval;
    });
    if (regular || split) ends.push_back(end);
  }
  for (std::size_t i = 0; i < flows.size(); ++i) {
    Observation& o = *flows[i];
    if (o.state != ObservedState::kDown) {  // evidence of a failure the agent has not seen
      o.icmp.reset();
      o.tcp = TcpEvidence::kNone;
    }
    auto& windows = o.windows;
    shared::UtcNanos start = zero;
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

}  // namespace pathwatch::collector::isolation::testing
