// Evenly spread probe times for every flow (rules in the header).
#include "agent/schedule/probe_schedule.hpp"

#include <set>
#include <utility>

namespace pathwatch::agent {

shared::MonoNanos ProbeSchedule::first_at_or_after(const Slot& slot, shared::MonoNanos now) const {
  const shared::MonoNanos base = epoch_ + slot.phase;
  if (now <= base) return base;
  const auto k = (now - base + slot.interval - shared::Nanos{1}) / slot.interval;  // ceil
  return base + k * slot.interval;
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
    const Slot& slot = flows_.at(due.flow);
    out.push_back(due.flow);
    shared::MonoNanos next = due.at + slot.interval;
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
