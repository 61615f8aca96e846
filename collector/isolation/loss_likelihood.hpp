// Random loss, isolated by likelihood (loss tomography): which segment's loss explains every
// measurement's probe counts since the loss began best. Boolean tomography alone cannot use
// an up flow over a lossy segment (it is up by chance between losses), nor one that has not
// lost a probe yet; the counts of every flow, lossy or clean, can. Pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "collector/isolation/observation.hpp"
#include "collector/isolation/topology.hpp"

namespace pathwatch::collector::isolation {

struct LossCounts {
  std::uint64_t sent = 0;
  std::uint64_t lost = 0;
};

// One measurement's evidence: the segments it may cross and its counts since the onset.
struct LossEvidence {
  std::vector<SegmentIndex> segments;
  LossCounts counts;
};

// Under random loss an up flow proves its segments undegraded only with this many answers in
// a row since the onset: a flow over a 30 % lossy segment manages it with p = 0.7^20 = 0.08 %.
// (At 10, 3 %: with the agents probing 5 x as often on suspicion, one of a line's eight flows
// often had such a run within a second, and the verdict named a wrong segment;
// isolation_loss_onset_test.)
inline constexpr std::uint64_t kCleanProbesToProve = 20;
// The members of an indistinguishable group kept by the loss ranking: the fewest, likeliest
// first, that hold this share of the posterior (a 90 % credible set).
inline constexpr double kCredibleMass = 0.9;

// When the loss began: the earliest time one of the `degraded` measurements entered that
// state (a loss took it there; the window holding that instant counts, and so does the one
// just before it if it lost probes: the agent decides on the answer after a loss). Not older
// windows with losses: those may be an earlier fault's (a cut line's flows lose everything),
// which would dilute the counts with the time between. Without entry times (0), the earliest
// start of a window with lost probes. nullopt: `degraded` is empty.
std::optional<shared::UtcNanos> loss_onset(const std::vector<const Observation*>& degraded);

// How many of a measurement's latest windows show whether a loss is on it.
inline constexpr std::size_t kRecentLossWindows = 3;

// The probes of its latest kRecentLossWindows windows.
LossCounts recent_counts(const Observation& o);

// Its latest kRecentLossWindows windows lost some probes but not all: a random loss, not an
// outage (a cut loses everything once it holds).
bool lost_some_recently(const Observation& o);

// The probes of `o`'s windows that end after `onset` (the window holding the onset counts).
LossCounts counts_since(const Observation& o, shared::UtcNanos onset);

// log P(every flow's counts | exactly the segments in `lossy` lose packets): flows crossing one
// of them lose at one shared unknown rate (uniform prior), every other flow at a background
// rate (prior Beta(1, 99), mean 1 %: real networks lose a packet now and then). Both rates
// are integrated out (Beta-binomial evidence), so no hypothesis gains by having fewer flows
// to fit. `marks` is scratch space of one byte per segment, all zero on entry and on return.
double log_evidence(const std::vector<LossEvidence>& flows, const std::vector<SegmentIndex>& lossy,
                    std::vector<char>& marks);

// Posterior probabilities of hypotheses with equal prior, from their log evidence.
std::vector<double> posterior(const std::vector<double>& log_evidence);

// The indices of `p` (a posterior) to keep: the fewest, in descending probability, whose sum
// reaches kCredibleMass; ties at the boundary are all kept (indistinguishable stays "A or B").
std::vector<std::size_t> credible_set(const std::vector<double>& p);

}  // namespace pathwatch::collector::isolation
