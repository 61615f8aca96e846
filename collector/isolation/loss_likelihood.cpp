#include "collector/isolation/loss_likelihood.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace pathwatch::collector::isolation {
namespace {

// Background loss prior Beta(a, b): mean 1 %, as much weight as 100 probes.
constexpr double kBackgroundA = 1.0;
constexpr double kBackgroundB = 99.0;

double log_beta(double a, double b) {
  return std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b);
}

// log of the Beta-binomial evidence of `lost` of `sent` probes (in a given order) under a
// Beta(a, b) prior on their common loss rate.
double log_marginal(double lost, double sent, double a, double b) {
  return log_beta(lost + a, sent - lost + b) - log_beta(a, b);
}

}  // namespace

std::optional<shared::UtcNanos> loss_onset(const std::vector<const Observation*>& degraded) {
  std::optional<shared::UtcNanos> entered, lossy;
  for (const Observation* o : degraded) {
    for (const auto& w : o->windows) {
      if (std::min(w.lost, w.sent) > 0 && (!lossy || w.start < *lossy)) lossy = w.start;
    }
    if (o->since == shared::UtcNanos{}) continue;
    // The loss that took it there may lie in the window just before that instant (the agent
    // decides on the answer after a loss), or in the window ending at it (a window row set
    // the state): count from that window's start.
    auto start = o->since;
    for (const auto& w : o->windows) {
      const bool adjacent = w.end <= o->since && w.end + (w.end - w.start) > o->since;
      if (adjacent && std::min(w.lost, w.sent) > 0) start = std::min(start, w.start);
    }
    if (!entered || start < *entered) entered = start;
  }
  if (entered) return entered;
  if (lossy) return lossy;
  return degraded.empty() ? std::nullopt : std::optional{shared::UtcNanos{}};
}

LossCounts recent_counts(const Observation& o) {
  LossCounts c;
  const auto n = o.windows.size();
  for (std::size_t k = n > kRecentLossWindows ? n - kRecentLossWindows : 0; k < n; ++k) {
    c.sent += o.windows[k].sent;
    c.lost += std::min(o.windows[k].lost, o.windows[k].sent);
  }
  return c;
}

bool lost_some_recently(const Observation& o) {
  const auto c = recent_counts(o);
  return c.lost > 0 && c.lost < c.sent;
}

LossCounts counts_since(const Observation& o, shared::UtcNanos onset) {
  LossCounts c;
  for (const auto& w : o.windows) {
    if (w.end <= onset) continue;
    c.sent += w.sent;
    c.lost += std::min(w.lost, w.sent);
  }
  return c;
}

double log_evidence(const std::vector<LossEvidence>& flows, const std::vector<SegmentIndex>& lossy,
                    std::vector<char>& marks) {
  for (const auto s : lossy) marks[s] = 1;
  double in_sent = 0, in_lost = 0, out_sent = 0, out_lost = 0;
  for (const auto& f : flows) {
    const bool crosses =
        std::any_of(f.segments.begin(), f.segments.end(), [&](SegmentIndex s) { return marks[s]; });
    (crosses ? in_sent : out_sent) += static_cast<double>(f.counts.sent);
    (crosses ? in_lost : out_lost) += static_cast<double>(f.counts.lost);
  }
  for (const auto s : lossy) marks[s] = 0;
  return log_marginal(in_lost, in_sent, 1.0, 1.0) +
         log_marginal(out_lost, out_sent, kBackgroundA, kBackgroundB);
}

std::vector<double> posterior(const std::vector<double>& log_evidence) {
  std::vector<double> p(log_evidence.size(), 0.0);
  if (p.empty()) return p;
  const double top = *std::max_element(log_evidence.begin(), log_evidence.end());
  double sum = 0;
  for (std::size_t i = 0; i < p.size(); ++i) sum += p[i] = std::exp(log_evidence[i] - top);
  for (auto& x : p) x /= sum;
  return p;
}

std::vector<std::size_t> credible_set(const std::vector<double>& p) {
  std::vector<std::size_t> order(p.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return p[a] > p[b]; });
  std::vector<std::size_t> kept;
  double mass = 0;
  for (const auto i : order) {
    // Equal to the last one kept: the evidence cannot tell them apart, keep both.
    const bool tie = !kept.empty() && std::abs(p[i] - p[kept.back()]) <= 1e-9 * p[kept.back()];
    if (mass >= kCredibleMass - 1e-9 && !tie) break;
    kept.push_back(i);
    mass += p[i];
  }
  return kept;
}

}  // namespace pathwatch::collector::isolation
