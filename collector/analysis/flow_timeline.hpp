// Each measured flow's path state over time, rebuilt from stored rows: state changes are the
// precise edges, window end-states heal lost changes, and time outside the agent's sessions is
// unknown (never down). Built once per query batch; availability and failover sweep it.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "collector/analysis/interval_set.hpp"
#include "collector/store/records.hpp"

namespace pathwatch::collector {

struct StateStep {
  shared::UtcNanos at{};
  PathState state = PathState::kUnknown;
  bool operator==(const StateStep&) const = default;
};

// Piecewise-constant state: steps_[i].state holds on [steps_[i].at, steps_[i+1].at); before
// the first step the state is unknown. Consecutive steps always differ.
class FlowTimeline {
 public:
  FlowTimeline() = default;
  explicit FlowTimeline(std::vector<StateStep> steps) : steps_(std::move(steps)) {}
  PathState state_at(shared::UtcNanos t) const;
  // Index of the step in force at t, or -1 before the first step.
  std::ptrdiff_t index_at(shared::UtcNanos t) const;
  const std::vector<StateStep>& steps() const { return steps_; }

 private:
  std::vector<StateStep> steps_;
};

// A window that lost probes: kept (sparsely) to place a fault's onset before the state change
// that the agent's thresholds delayed.
struct LossyWindow {
  Interval when;
  std::uint32_t sent = 0;
  std::uint32_t lost = 0;
};

struct IndexedFlow {
  FlowRef ref;  // address is the first one seen; flows are keyed without it
  FlowTimeline timeline;
  std::vector<LossyWindow> lossy_windows;  // sorted by start
};

struct ObservationRows {
  std::span<const StoredStateChange> state_changes;
  std::span<const StoredWindow> windows;
  std::span<const AgentSession> sessions;
};

// How rows become timelines. Documented in docs/availability.md ("Timelines").
//  1. Points: every state change (at -> to) and every window's end-state (end -> state), sorted
//     by time; at equal times the state change wins. The agent sends a change the moment it
//     happens, so window end-states agree with the changes unless a change was lost (spool
//     overflow, DropReport); then the next window end repairs the timeline within one window.
//     The collector never turns a lossy window into "down" on its own: the agent's state
//     machine (thresholds, hysteresis) is the one authority on state.
//  2. Coverage: the union of the flow's agent's sessions [first, last). Outside it the state
//     is unknown, whatever the last point said; inside a session it is unknown until the
//     session's first point (an agent back after a silence has observed nothing yet).
// Rows must include the last change before the period asked for (or a window ending in it),
// otherwise the period starts unknown.
class ObservationIndex {
 public:
  explicit ObservationIndex(const ObservationRows& rows);

  const std::vector<IndexedFlow>& flows() const { return flows_; }
  // Indices into flows() of one site, and of one (site, target).
  const std::vector<std::size_t>& flows_of_site(const std::string& site) const;
  const std::vector<std::size_t>& flows_of(const std::string& site,
                                           const std::string& target) const;
  // The union of the sessions of every agent of a site.
  const IntervalSet& site_coverage(const std::string& site) const;

 private:
  std::vector<IndexedFlow> flows_;
  std::unordered_map<std::string, std::vector<std::size_t>> by_site_;
  std::unordered_map<std::string, std::vector<std::size_t>> by_site_target_;
  std::unordered_map<std::string, IntervalSet> site_coverage_;
};

// Exposed for tests: step 2 above for one flow. `raw` holds the flow's observations in time
// order, one per instant; repeats of a state count (each is an observation).
std::vector<StateStep> mask_by_coverage(const std::vector<StateStep>& raw,
                                        const IntervalSet& coverage);

}  // namespace pathwatch::collector
