// Evenly spread probe times for every flow (rules in the header).
#include "agent/schedule/probe_schedule.hpp"

#include <algorithm>
#include <set>
#include <utility>

namespace pathwatch::agent {

shared::MonoNanos ProbeSchedule::slot_at_or_after(const Slot& slot, shared::MonoNanos t,
                                                  std::uint32_t factor) const {
  // Slot k starts at base + k x interval; its sub-slots are floor(j x interval / factor)
  // later. Find the interval holding t, then the first sub-slot in it at or after t (j =
  // factor is the next interval's own slot).
  const shared::MonoNanos base = epoch_ + slot.phase;
  const std::int64_t interval = slot.interval.count();
  const std::int64_t since = (t - base).count();
  std::int64_t k = since / interval;
  if (since % interval != 0 && since < 0) --k;  // floor
  const shared::MonoNanos start = base + shared::Nanos{k * interval};
  const std::int64_t offset = (t - start).count();  // [0, interval)
  const std::int64_t f = factor;
  const std::int64_t j = (offset * f + interval - 1) / interval;  // ceil, <= factor
  return start + shared::Nanos{j * interval / f};
}

shared::MonoNanos ProbeSchedule::next_after(const Slot& slot, shared::MonoNanos at) {
  const shared::MonoNanos after = at + shared::Nanos{1};
  const shared::MonoNanos own = slot_at_or_after(slot, after);
  if (at >= hurry_until_ || hurry_factor_ <= 1) return own;
  const shared::MonoNanos sub = slot_at_or_after(slot, after, hurry_factor_);
  if (sub < hurry_until_) return sub;
  if (sub < own) held_back_ = true;
  return own;
}

void ProbeSchedule::bring_forward(shared::MonoNanos now) {
  held_back_ = false;
  std::vector<Due> dues;
  dues.reserve(queue_.size());
  while (!queue_.empty()) {
    Due due = queue_.top();
    queue_.pop();
    // Never to `now` itself: a flow sent at this instant keeps one sub-interval's spacing.
    const auto sooner =
        slot_at_or_after(flows_.at(due.flow), now + shared::Nanos{1}, hurry_factor_);
    // A sub-slot past the hurry's end (a long interval, a short hold) is not brought forward.
    if (sooner < hurry_until_) {
      due.at = std::min(due.at, sooner);
    } else if (sooner < due.at) {
      held_back_ = true;
    }
    dues.push_back(due);
  }
  for (const auto& due : dues) queue_.push(due);
}

ProbeSchedule::HurryOutcome ProbeSchedule::hurry(std::uint32_t factor, shared::MonoNanos until,
                                                 shared::MonoNanos now) {
  if (factor <= 1 || until <= now) return {};
  HurryOutcome outcome;
  outcome.began = !hurrying(now);
  const bool new_factor = !outcome.began && factor != hurry_factor_;
  const bool reaches_held_back = !outcome.began && until > hurry_until_ && held_back_;
  hurry_factor_ = factor;
  hurry_until_ = std::max(hurry_until_, until);
  if (!outcome.began && !new_factor && !reaches_held_back) return outcome;
  // A few microseconds per thousand flows, once per hurry (and rarely on an extension).
  bring_forward(now);
  outcome.rescheduled = true;
  return outcome;
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
  hurry_factor_ = 1;
  hurry_until_ = {};
  held_back_ = false;
  for (const auto& e : entries) {
    const Slot slot{e.interval, phases.at({e.interval, e.group})};
    flows_[e.flow] = slot;
    queue_.push({slot_at_or_after(slot, now), e.flow});
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
    shared::MonoNanos next = next_after(own, due.at);
    if (next <= now) {
      // Stalled for more than an interval: resume in phase, skip what was missed (counted in
      // the slots the flow was on, sub-slots while hurried).
      const shared::MonoNanos resume = next_after(own, now);
      const std::int64_t per_interval = hurrying(next) ? hurry_factor_ : 1;
      skipped_ += static_cast<std::uint64_t>(
          ((resume - next).count() * per_interval + own.interval.count() / 2) /
          own.interval.count());
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
