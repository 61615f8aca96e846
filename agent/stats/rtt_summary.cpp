// Summary statistics of one window's round-trip samples.
#include "agent/stats/rtt_summary.hpp"

#include <algorithm>
#include <cmath>

namespace pathwatch::agent {

shared::Nanos nearest_rank(const std::vector<shared::Nanos>& sorted, double p) {
  if (sorted.empty()) return shared::Nanos{0};
  const double n = static_cast<double>(sorted.size());
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * n));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

RttSummary summarize_rtts(std::vector<shared::Nanos> samples) {
  RttSummary s;
  if (samples.empty()) return s;
  std::sort(samples.begin(), samples.end());
  const double n = static_cast<double>(samples.size());
  // long double: 6000 samples of up to 60 s in ns sum to 3.6e14, exact in a 64-bit mantissa.
  long double sum = 0;
  for (auto v : samples) sum += static_cast<long double>(v.count());
  const long double mean = sum / n;
  long double sq = 0;
  for (auto v : samples) {
    const long double d = static_cast<long double>(v.count()) - mean;
    sq += d * d;
  }
  s.min = samples.front();
  s.max = samples.back();
  s.avg = shared::Nanos{std::llround(mean)};
  s.stddev = shared::Nanos{std::llround(std::sqrt(sq / n))};
  s.p50 = nearest_rank(samples, 50);
  s.p90 = nearest_rank(samples, 90);
  s.p99 = nearest_rank(samples, 99);
  return s;
}

}  // namespace pathwatch::agent
