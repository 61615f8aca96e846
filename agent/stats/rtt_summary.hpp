// Summary statistics of one window's round-trip samples: min/avg/max, population standard
// deviation and exact nearest-rank percentiles. Pure.
#pragma once

#include <cstdint>
#include <vector>

#include "shared/time/time_types.hpp"

namespace pathwatch::agent {

struct RttSummary {
  shared::Nanos min{0};
  shared::Nanos avg{0};
  shared::Nanos max{0};
  shared::Nanos stddev{0};  // population (divide by n): the window is the whole population
  shared::Nanos p50{0};
  shared::Nanos p90{0};
  shared::Nanos p99{0};
};

// Percentiles are exact, nearest-rank (the ceil(p/100 * n)-th smallest sample, so always an
// observed value): at 1 probe per 10 ms a 10 s window holds at most 1000 samples per flow,
// and sorting that once per window is cheaper than any sketch's bookkeeping per sample.
// All zero when `samples` is empty. Takes the vector by value: it is sorted.
RttSummary summarize_rtts(std::vector<shared::Nanos> samples);

// The nearest-rank percentile of already sorted samples; p in (0, 100].
shared::Nanos nearest_rank(const std::vector<shared::Nanos>& sorted, double p);

}  // namespace pathwatch::agent
