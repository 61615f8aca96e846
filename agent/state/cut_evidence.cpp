// The cut test's arithmetic (rules in the header).
#include "agent/state/cut_evidence.hpp"

#include <algorithm>
#include <cmath>

namespace pathwatch::agent {

double loss_evidence(double loss_rate, const StateThresholds& thresholds) {
  const double heaviest = std::clamp(thresholds.max_random_loss_percent / 100.0, 0.01, 0.99);
  return -std::log(std::clamp(loss_rate, kCleanLossRate, heaviest));
}

double cut_threshold(double probes_per_hour, const StateThresholds& thresholds) {
  // Never below 0: a target looser than one false DOWN per probe asks for no evidence at all
  // (down_after still holds), and a negative count must not reach the unsigned cast below.
  return std::max(0.0, std::log(std::max(probes_per_hour, 1.0) / thresholds.false_down_per_hour));
}

std::uint32_t losses_for_cut(double loss_rate, double probes_per_hour,
                             const StateThresholds& thresholds) {
  if (loss_rate <= kCleanishLossRate) return thresholds.down_after;
  const double needed =
      std::ceil(cut_threshold(probes_per_hour, thresholds) / loss_evidence(loss_rate, thresholds));
  return std::max(thresholds.down_after, static_cast<std::uint32_t>(std::min(needed, 1e6)));
}

}  // namespace pathwatch::agent
