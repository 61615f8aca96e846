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
// Hurrying (the agent's suspicion, docs/agent.md): for a while every flow (but the steady ones)
// is probed `factor`
// times as often, at the sub-slots phase + k x interval + floor(j x interval / factor),
// j < factor. The flows of one group still leave together, and a flow's own slots are among
// its sub-slots (j = 0), so when the hurry ends it steps back onto them without a probe
// following the last sub-slot a moment later, even when factor does not divide the interval.
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
  // Never hurried: its probes keep their own slots through a suspicion (hop probes, whose
  // answers routers rate-limit: hurrying them only loses the answers, agent/runtime/flow_plan).
  bool steady = false;
};

class ProbeSchedule {
 public:
  // Phases are counted from `epoch` (the agent's start), so a reload keeps them in step.
  explicit ProbeSchedule(shared::MonoNanos epoch) : epoch_(epoch) {}

  // Replaces the set of flows. Each flow's first probe is its first phase slot at or after
  // `now`; a flow kept with its interval (same id) also no sooner than half an interval
  // before its old next probe, so moved phases do not probe it twice in a moment. A hurry under way
  // ends: its factor suited the old flows, so the caller starts it again at the new flows' pace
  // (AgentRuntime keeps within suspicion.max_rate that way).
  void set_flows(const std::vector<ScheduleEntry>& entries, shared::MonoNanos now);

  std::optional<shared::MonoNanos> next_due() const;

  // Appends every flow due at or before `now` (in due order) to `out` and schedules its next
  // probe: its next slot, or its next sub-slot while hurried.
  void take_due(shared::MonoNanos now, std::vector<FlowId>& out);

  struct HurryOutcome {
    bool began = false;        // a new hurry, not the extension of one under way
    bool rescheduled = false;  // flows were brought forward: next_due() may be sooner
  };
  // Until `until`, every flow is probed `factor` (> 1) times as often; flows due later than
  // their next sub-slot are brought forward to it. A hurry under way is extended; flows it
  // had already handed back to their own slots come forward again, and a new factor moves
  // every flow to its sub-slots. Nothing happens for factor <= 1.
  HurryOutcome hurry(std::uint32_t factor, shared::MonoNanos until, shared::MonoNanos now);
  bool hurrying(shared::MonoNanos now) const { return now < hurry_until_; }
  shared::MonoNanos hurry_until() const { return hurry_until_; }
  std::uint32_t hurry_factor(shared::MonoNanos now) const {
    return hurrying(now) ? hurry_factor_ : 1;
  }

  // The phase of a flow (tests, logs); nullopt for an unknown flow.
  std::optional<shared::Nanos> phase(FlowId flow) const;
  std::size_t size() const { return flows_.size(); }
  std::uint64_t skipped() const { return skipped_; }

 private:
  struct Slot {
    shared::Nanos interval{};
    shared::Nanos phase{};
    bool steady = false;
  };
  struct Due {
    shared::MonoNanos at;
    FlowId flow;
    bool operator>(const Due& o) const { return at != o.at ? at > o.at : flow > o.flow; }
  };
  // The index of the flow's first own slot (factor 1) or sub-slot at or after `t`, counted
  // from its slot at epoch + phase (negative before it), and the time of an index.
  std::int64_t slot_index(const Slot& slot, shared::MonoNanos t, std::uint32_t factor) const;
  shared::MonoNanos slot_time(const Slot& slot, std::int64_t index, std::uint32_t factor) const;
  // The first of the flow's own slots (factor 1) or sub-slots at or after `t`.
  shared::MonoNanos slot_at_or_after(const Slot& slot, shared::MonoNanos t,
                                     std::uint32_t factor = 1) const;
  // How many probes the flow would send in [from, to): sub-slots before the hurry's end, its
  // own slots after.
  std::uint64_t slots_between(const Slot& slot, shared::MonoNanos from, shared::MonoNanos to) const;
  // The flow's next probe after one at `at`: its next sub-slot while the hurry lasts, else
  // its own next slot.
  shared::MonoNanos next_after(const Slot& slot, shared::MonoNanos at);
  // Moves every queued flow to its next sub-slot if that is sooner (the queue has no
  // decrease-key: rebuilt).
  void bring_forward(shared::MonoNanos now);

  shared::MonoNanos epoch_;
  std::map<FlowId, Slot> flows_;
  std::priority_queue<Due, std::vector<Due>, std::greater<>> queue_;
  std::uint64_t skipped_ = 0;
  std::uint32_t hurry_factor_ = 1;
  shared::MonoNanos hurry_until_{};
  // The earliest sub-slot a flow was held back from, waiting on its own slot instead because
  // that sub-slot lay past the hurry's end (max: none). An extension past it brings the
  // flows forward again; one that stops short of it changes nothing.
  shared::MonoNanos held_back_from_ = shared::MonoNanos::max();
};

}  // namespace pathwatch::agent
