// Sets of half-open UTC time intervals [start, end), kept sorted and disjoint, so calendars,
// maintenance and outages combine by linear sweeps instead of per-second loops.
#pragma once

#include <vector>

#include "shared/time/time_types.hpp"

namespace pathwatch::collector {

struct Interval {
  shared::UtcNanos start{};
  shared::UtcNanos end{};
  shared::Nanos length() const { return end - start; }
  bool empty() const { return end <= start; }
  bool operator==(const Interval&) const = default;
};

class IntervalSet {
 public:
  IntervalSet() = default;
  // Any intervals, in any order, overlapping or empty: normalised on construction.
  explicit IntervalSet(std::vector<Interval> intervals);
  static IntervalSet of(Interval i) { return IntervalSet(std::vector<Interval>{i}); }

  // Appends an interval that starts at or after the end of the last one (the fast path of
  // builders that walk time forwards); touching intervals are merged. Anything else: add().
  void append(Interval i);
  void add(Interval i);

  IntervalSet unite(const IntervalSet& other) const;
  IntervalSet intersect(const IntervalSet& other) const;
  IntervalSet subtract(const IntervalSet& other) const;
  IntervalSet clip(Interval range) const;

  shared::Nanos total() const;
  bool contains(shared::UtcNanos t) const;
  bool empty() const { return items_.empty(); }
  const std::vector<Interval>& intervals() const { return items_; }
  bool operator==(const IntervalSet&) const = default;

 private:
  std::vector<Interval> items_;  // sorted, disjoint, non-touching, non-empty
};

}  // namespace pathwatch::collector
