// The sequential test that tells a cut from random loss (docs/agent.md "Loss is not a cut"):
// a run of k losses is evidence of a cut (every probe lost) against random loss at the
// measured rate q with likelihood ratio (1/q)^k (Wald's SPRT with a one-sided stop). Random
// loss reaches the threshold e^-threshold of the times a run starts, so a threshold of
// ln(probes per hour / false DOWNs per hour) keeps false DOWNs under the target however many
// probes a flow (or the flows of a path together) send.
#pragma once

#include <cstdint>

#include "agent/config/agent_config.hpp"

namespace pathwatch::agent {

// Probes per hour of a flow at its usual rate (1 s, the default interval). The cut threshold
// is taken at the usual rate, not hurried: the hurry lasts only suspicion.hold after a
// doubt, so it adds a bounded share of probes (docs/agent.md "Loss is not a cut").
inline constexpr double kDefaultProbesPerHour = 3600.0;

// What the flows of one path say together (PathLossPool), for one flow's outcome.
struct PathEvidence {
  double loss_rate = 0;  // the path's measured loss rate, streaks still running left out
  // Every flow of the path has lost since its last answer, and those losses together reach
  // the path's cut threshold (a cut silences every flow at once, random loss does not).
  bool silent = false;
  std::uint32_t losses_since_answer = 0;  // on the path, for the reason
  std::uint32_t flows = 0;                // of the path
};

// A loss rate measured as 0 still counts this much: the evidence of one loss stays finite
// (ln 1000 = 6.9), a clean path's flows need down_after anyway.
inline constexpr double kCleanLossRate = 1e-3;

// A measured loss rate up to this counts as clean: the flow needs down_after, as before the
// rule. 128 probes measure a true 1 % as up to 4 losses (2 % of the time more), and a lone
// flow or a dead host must still go DOWN within down_after intervals there; random loss at
// q <= 1/32 gives down_after = 3 in a row at most ~0.1 times per flow-hour (1 % true loss:
// 3.6e-3), a DEGRADED path's rates (>= 5 %) still need the full test.
inline constexpr double kCleanishLossRate = 4.0 / 128;

// ln(1/q), q = `loss_rate` held within [kCleanLossRate, max_random_loss_percent]: loss heavier
// than that is taken as that heavy, so it may go DOWN (the documented rule for heavier loss).
double loss_evidence(double loss_rate, const StateThresholds& thresholds);

// The evidence a streak needs for DOWN when the probes it is drawn from run at
// `probes_per_hour`: ln(probes_per_hour / false_down_per_hour).
double cut_threshold(double probes_per_hour, const StateThresholds& thresholds);

// Consecutive losses of one flow that call a cut against its measured `loss_rate`:
// down_after on a clean-ish flow (rate <= kCleanishLossRate: BFD's detect multiplier, as
// before), else the first streak whose evidence reaches the threshold, never fewer than
// down_after.
std::uint32_t losses_for_cut(double loss_rate, double probes_per_hour,
                             const StateThresholds& thresholds);

}  // namespace pathwatch::agent
