#include "collector/analysis/interval_set.hpp"

#include <algorithm>

namespace pathwatch::collector {

IntervalSet::IntervalSet(std::vector<Interval> intervals) {
  std::sort(intervals.begin(), intervals.end(),
            [](const Interval& a, const Interval& b) { return a.start < b.start; });
  items_.reserve(intervals.size());
  for (const auto& i : intervals) append(i);
}

void IntervalSet::append(Interval i) {
  if (i.empty()) return;
  if (!items_.empty() && i.start <= items_.back().end) {
    items_.back().end = std::max(items_.back().end, i.end);
    return;
  }
  items_.push_back(i);
}

void IntervalSet::add(Interval i) {
  if (i.empty()) return;
  if (items_.empty() || i.start >= items_.back().start) {
    append(i);
    return;
  }
  *this = unite(IntervalSet::of(i));
}

IntervalSet IntervalSet::unite(const IntervalSet& other) const {
  IntervalSet out;
  out.items_.reserve(items_.size() + other.items_.size());
  auto a = items_.begin();
  auto b = other.items_.begin();
  while (a != items_.end() || b != other.items_.end()) {
    if (b == other.items_.end() || (a != items_.end() && a->start <= b->start)) {
      out.append(*a++);
    } else {
      out.append(*b++);
    }
  }
  return out;
}

IntervalSet IntervalSet::intersect(const IntervalSet& other) const {
  IntervalSet out;
  auto a = items_.begin();
  auto b = other.items_.begin();
  while (a != items_.end() && b != other.items_.end()) {
    const Interval i{std::max(a->start, b->start), std::min(a->end, b->end)};
    if (!i.empty()) out.items_.push_back(i);
    if (a->end < b->end) {
      ++a;
    } else {
      ++b;
    }
  }
  return out;
}

IntervalSet IntervalSet::subtract(const IntervalSet& other) const {
  IntervalSet out;
  auto b = other.items_.begin();
  for (const auto& a : items_) {
    shared::UtcNanos cursor = a.start;
    while (b != other.items_.end() && b->end <= cursor) ++b;
    auto c = b;
    while (c != other.items_.end() && c->start < a.end) {
      if (c->start > cursor) out.items_.push_back({cursor, c->start});
      cursor = std::max(cursor, c->end);
      if (c->end > a.end) break;
      ++c;
    }
    if (cursor < a.end) out.items_.push_back({cursor, a.end});
  }
  return out;
}

IntervalSet IntervalSet::clip(Interval range) const {
  return intersect(IntervalSet::of(range));
}

shared::Nanos IntervalSet::total() const {
  shared::Nanos sum{0};
  for (const auto& i : items_) sum += i.length();
  return sum;
}

bool IntervalSet::contains(shared::UtcNanos t) const {
  auto it = std::upper_bound(items_.begin(), items_.end(), t,
                             [](shared::UtcNanos v, const Interval& i) { return v < i.start; });
  if (it == items_.begin()) return false;
  --it;
  return t < it->end;
}

}  // namespace pathwatch::collector
