// Evenly spread probe times for every flow (rules in the header).
#include "agent/schedule/probe_schedule.hpp"

#include <algorithm>
#include <set>
#include <utility>

namespace pathwatch::agent {

shared::MonoNanos ProbeSchedule::first_at_or_after(const Slot& slot, shared::MonoNanos now) const {
  const shared::MonoNanos base = epoch_ + slot.phase;
  if (now <= base) return base;
  const auto k = (now - base + slot.interval - shared::Nanos{1}) / slot.interval;  // ceil
  return base + k * slot.interval;
}

ProbeSchedule::Slot ProbeSchedule::slot_at(const Slot& slot, shared::MonoNanos at) const {
  if (at >= hurry_until_ || hurry_factor_ <= 1) return slot;
  const auto fast = std::max(shared::Nanos{1}, slot.interval / hurry_factor_);
  return {fast, slot.phase % fast};
}

bool ProbeSchedule::hurry(std::uint32_t factor, shared::MonoNanos until, shared::MonoNanos now) {
  if (factor <= 1 || until <= now) return false;
  const bool began = !hurrying(now);
  if (!began && factor == hurry_factor_) {
    hurry_until_ = std::max(hurry_until_, until);
    return false;
  }
  hurry_factor_ = factor;
  hurry_until_ = std::max(hurry_until_, until);
  // Bring every flow forward to its next sub-slot (never to `now` itself: a flow sent at this
  // instant keeps one sub-interval's spacing). The queue has no decrease-key: rebuilt, which
  // costs a few microseconds per thousand flows, once per hurry.
  std::vector<Due> dues;
  dues.reserve(queue_.size());
  while (!queue_.empty()) {
    Due due = queue_.top();
    queue_.pop();
    const auto sooner =
        first_at_or_after(slot_at(flows_.at(due.flow), now), now + shared::Nanos{1});
    // A sub-slot past the hurry's end (a long interval, a short hold) is not brought forward.
    if (sooner < hurry_until_) due.at = std::min(due.at, sooner);
    dues.push_back(due);
  }
  for (const auto& due : dues) queue_.push(due);
  return began;
}

void ProbeSchedule::set_flows(const std::vector<ScheduleEntry>& entries, shared::MonoNanos now) {
  // Distinct groups per interval, in key order: their index gives the phase.
  std::map<shared::Nanos, std::set<std::string>> groups;
  for (const auto& e : entries) groups[e.interval].insert(e.group);
  std::map<std::pair<shared::Nanos, std::string>, shared::Nanos> phases;
  for (const auto& [interval, names] : groups) {
    const auto n = static_cast<std::int64_t>(names.size());
    std::int64_t i = 0;
    for (const auto& name : names) {
      phases[{interval, name}] = shared::Nanos{interval.count() * i / n};
      ++i;
    }
  }
  flows_.clear();
  queue_ = {};
  for (const auto& e : entries) {
    const Slot slot{e.interval, phases.at({e.interval, e.group})};
    flows_[e.flow] = slot;
    queue_.push({first_at_or_after(slot, now), e.flow});
  }
}

std::optional<shared::MonoNanos> ProbeSchedule::next_due() const {
  if (queue_.empty()) return std::nullopt;
  return queue_.top().at;
}

void ProbeSchedule::take_due(shared::MonoNanos now, std::vector<FlowId>& out) {
  while (!queue_.empty() && queue_.top().at <= now) {
    const Due due = queue_.top();
    queue_.pop();
    const Slot& own = flows_.at(due.flow);
    out.push_back(due.flow);
    // Hurried: the next sub-slot, or the flow's own slot once the hurry is over by then.
    Slot slot = slot_at(own, due.at);
    shared::MonoNanos next = first_at_or_after(slot, due.at + shared::Nanos{1});
    if (slot.interval != own.interval && next >= hurry_until_) {
      slot = own;
      next = first_at_or_after(own, due.at + shared::Nanos{1});
    }
    if (next <= now) {
      // Stalled for more than an interval: resume in phase, skip what was missed.
      const shared::MonoNanos resume = first_at_or_after(slot, now + shared::Nanos{1});
      skipped_ += static_cast<std::uint64_t>((resume - next) / slot.interval);
      next = resume;
    }
    queue_.push({next, due.flow});
  }
}

std::optional<shared::Nanos> ProbeSchedule::phase(FlowId flow) const {
  auto it = flows_.find(flow);
  if (it == flows_.end()) return std::nullopt;
  return it->second.phase;
}

}  // namespace pathwatch::agent
