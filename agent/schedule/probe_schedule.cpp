// Evenly spread probe times for every flow (rules in the header).
#include "agent/schedule/probe_schedule.hpp"

#include <algorithm>
#include <set>
#include <utility>

namespace pathwatch::agent {

std::int64_t ProbeSchedule::slot_index(const Slot& slot, shared::MonoNanos t,
                                       std::uint32_t factor) const {
  // Slot k starts at base + k x interval; its sub-slots are floor(j x interval / factor)
  // later. Find the interval holding t, then the first sub-slot in it at or after t (j =
  // factor is the next interval's own slot).
  const shared::MonoNanos base = epoch_ + slot.phase;
  const std::int64_t interval = slot.interval.count();
  const std::int64_t since = (t - base).count();
  std::int64_t k = since / interval;
  if (since % interval != 0 && since < 0) --k;       // floor
  const std::int64_t offset = since - k * interval;  // [0, interval)
  const std::int64_t f = factor;
  return k * f + (offset * f + interval - 1) / interval;  // j: ceil, <= factor
}

shared::MonoNanos ProbeSchedule::slot_time(const Slot& slot, std::int64_t index,
                                           std::uint32_t factor) const {
  const std::int64_t f = factor;
  std::int64_t k = index / f;
  if (index % f != 0 && index < 0) --k;  // floor
  const std::int64_t interval = slot.interval.count();
  return epoch_ + slot.phase + shared::Nanos{k * interval + (index - k * f) * interval / f};
}

shared::MonoNanos ProbeSchedule::slot_at_or_after(const Slot& slot, shared::MonoNanos t,
                                                  std::uint32_t factor) const {
  return slot_time(slot, slot_index(slot, t, factor), factor);
}

shared::MonoNanos ProbeSchedule::next_after(const Slot& slot, shared::MonoNanos at) {
  const shared::MonoNanos after = at + shared::Nanos{1};
  const shared::MonoNanos own = slot_at_or_after(slot, after);
  if (slot.steady || at >= hurry_until_ || hurry_factor_ <= 1) return own;
  const shared::MonoNanos sub = slot_at_or_after(slot, after, hurry_factor_);
  if (sub < hurry_until_) return sub;
  if (sub < own) held_back_from_ = std::min(held_back_from_, sub);
  return own;
}

std::uint64_t ProbeSchedule::slots_between(const Slot& slot, shared::MonoNanos from,
                                           shared::MonoNanos to) const {
  // Sub-slots before the hurry's end, the flow's own slots from there.
  if (slot.steady) {
    return static_cast<std::uint64_t>(
        std::max<std::int64_t>(0, slot_index(slot, to, 1) - slot_index(slot, from, 1)));
  }
  const shared::MonoNanos split = std::clamp(hurry_until_, from, to);
  const std::int64_t n = slot_index(slot, to, 1) - slot_index(slot, split, 1) +
                         slot_index(slot, split, hurry_factor_) -
                         slot_index(slot, from, hurry_factor_);  // factor 1 when never hurried
  return static_cast<std::uint64_t>(std::max<std::int64_t>(0, n));
}

void ProbeSchedule::bring_forward(shared::MonoNanos now) {
  held_back_from_ = shared::MonoNanos::max();
  std::vector<Due> dues;
  dues.reserve(queue_.size());
  while (!queue_.empty()) {
    Due due = queue_.top();
    queue_.pop();
    if (flows_.at(due.flow).steady) {
      dues.push_back(due);
      continue;
    }
    // Never to `now` itself: a flow sent at this instant keeps one sub-interval's spacing.
    const auto sooner =
        slot_at_or_after(flows_.at(due.flow), now + shared::Nanos{1}, hurry_factor_);
    // A sub-slot past the hurry's end (a long interval, a short hold) is not brought forward.
    if (sooner < hurry_until_) {
      due.at = std::min(due.at, sooner);
    } else if (sooner < due.at) {
      held_back_from_ = std::min(held_back_from_, sooner);
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
  const bool reaches_held_back = !outcome.began && until > held_back_from_;
  hurry_factor_ = factor;
  hurry_until_ = std::max(hurry_until_, until);
  if (!outcome.began && !new_factor && !reaches_held_back) return outcome;
  // A few microseconds per thousand flows, once per hurry (and on an extension only when it
  // reaches a held-back sub-slot).
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
  // A kept flow's next probe before the reload. Phases move when groups come or go, and the
  // new slot may lie just after the flow's last probe: it starts no sooner than half an
  // interval before its old next probe (at least half an interval after its last one).
  std::map<FlowId, shared::MonoNanos> was_due;
  for (auto q = queue_; !q.empty(); q.pop()) was_due[q.top().flow] = q.top().at;
  const auto old_flows = std::move(flows_);
  flows_.clear();
  queue_ = {};
  hurry_factor_ = 1;
  hurry_until_ = {};
  held_back_from_ = shared::MonoNanos::max();
  for (const auto& e : entries) {
    const Slot slot{e.interval, phases.at({e.interval, e.group}), e.steady};
    flows_[e.flow] = slot;
    shared::MonoNanos from = now;
    const auto old = old_flows.find(e.flow);
    const auto due = was_due.find(e.flow);
    if (old != old_flows.end() && due != was_due.end() && old->second.interval == e.interval) {
      from = std::max(now, due->second - e.interval / 2);
    }
    queue_.push({slot_at_or_after(slot, from), e.flow});
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
      // the slots the flow was on: sub-slots while hurried, its own after).
      const shared::MonoNanos resume = next_after(own, now);
      skipped_ += slots_between(own, next, resume);
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
