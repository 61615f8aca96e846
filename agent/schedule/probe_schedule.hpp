// When each flow's next probe goes out. Pure: the caller passes monotonic "now".
//
// Spreading: flows are grouped by probe group (one target's probes of one kind and port: the
// same probe over every path the target lists) and by interval. The n groups of one interval
// get phases 0, interval/n, 2*interval/n, ... in the order of their group keys, so a thousand
// targets at 1 s go out one every millisecond instead of together at the second boundary.
// The flows of one group share their phase: the primary and the backup probe of a target
// leave at the same instant, so the two paths are measured side by side under the same
// conditions (that burst is as large as the number of paths, 2 or 3).
//
// A flow that falls behind by more than one interval (the loop was stalled) skips the probes
// it missed instead of sending them in a burst; skipped probes are counted.
//
// Hurrying (the agent's suspicion, docs/agent.md): for a while every flow is probed `factor`
// times as often, at the sub-slots phase + k x interval / factor, so the flows of one group
// still leave together and a hurried flow is back on its own slots when the hurry ends.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <queue>
#include <string>
#include <vector>

#include "agent/probe/probe_result.hpp"
#include "shared/time/time_types.hpp"

namespace pathwatch::agent {

struct ScheduleEntry {
  FlowId flow = 0;
  std::string group;  // flows with the same group and interval share a phase
  shared::Nanos interval{std::chrono::seconds{1}};
};

class ProbeSchedule {
 public:
  // Phases are counted from `epoch` (the agent's start), so a reload keeps them in step.
  explicit ProbeSchedule(shared::MonoNanos epoch) : epoch_(epoch) {}

  // Replaces the set of flows. Each flow's first probe is its first phase slot at or after
  // `now`.
  void set_flows(const std::vector<ScheduleEntry>& entries, shared::MonoNanos now);

  std::optional<shared::MonoNanos> next_due() const;

  // Appends every flow due at or before `now` (in due order) to `out` and schedules its next
  // probe one interval later.
  void take_due(shared::MonoNanos now, std::vector<FlowId>& out);

  // Until `until`, every flow is probed `factor` (> 1) times as often; flows due later than
  // their next sub-slot are brought forward to it. A hurry under way is only extended.
  // Returns whether a new hurry began (false: extended, or factor <= 1).
  bool hurry(std::uint32_t factor, shared::MonoNanos until, shared::MonoNanos now);
  bool hurrying(shared::MonoNanos now) const { return now < hurry_until_; }

  // The phase of a flow (tests, logs); nullopt for an unknown flow.
  std::optional<shared::Nanos> phase(FlowId flow) const;
  std::size_t size() const { return flows_.size(); }
  std::uint64_t skipped() const { return skipped_; }

 private:
  struct Slot {
    shared::Nanos interval{};
    shared::Nanos phase{};
  };
  struct Due {
    shared::MonoNanos at;
    FlowId flow;
    bool operator>(const Due& o) const { return at != o.at ? at > o.at : flow > o.flow; }
  };
  // The first time epoch + phase + k * interval >= now.
  shared::MonoNanos first_at_or_after(const Slot& slot, shared::MonoNanos now) const;
  // The slot a flow is on at `at`: its own, or its sub-slots while hurrying.
  Slot slot_at(const Slot& slot, shared::MonoNanos at) const;

  shared::MonoNanos epoch_;
  std::map<FlowId, Slot> flows_;
  std::priority_queue<Due, std::vector<Due>, std::greater<>> queue_;
  std::uint64_t skipped_ = 0;
  std::uint32_t hurry_factor_ = 1;
  shared::MonoNanos hurry_until_{};
};

}  // namespace pathwatch::agent
