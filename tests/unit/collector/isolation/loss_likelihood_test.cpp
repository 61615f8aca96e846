// Loss likelihood: the evidence of hand-computed counts, the posterior, the credible set, the
// onset and the counts since it.
#include "collector/isolation/loss_likelihood.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace pathwatch::collector::isolation {
namespace {

using std::chrono::seconds;
const shared::UtcNanos kZero{};

TEST(LossLikelihood, EvidenceIsBetaBinomialInsideAndBackgroundOutside) {
  // Flow A crosses segment 0 and lost 2 of 4; flow B crosses segment 1 and lost 0 of 4.
  const std::vector<LossEvidence> flows{{{0}, {4, 2}}, {{1}, {4, 0}}};
  std::vector<char> marks(2, 0);
  // Segment 0 lossy: A's 2 of 4 under a uniform prior, B(3, 3) = 1/30; B's 0 of 4 under the
  // background prior Beta(1, 99): B(1, 103) / B(1, 99) = 99 / 103.
  EXPECT_NEAR(log_evidence(flows, {0}, marks), std::log(1.0 / 30) + std::log(99.0 / 103), 1e-9);
  // Segment 1 lossy: B(1, 5) = 1/5 inside; A's 2 of 4 as background: B(3, 101) / B(1, 99).
  const double background = std::lgamma(3.0) + std::lgamma(101.0) - std::lgamma(104.0) -
                            (std::lgamma(1.0) + std::lgamma(99.0) - std::lgamma(100.0));
  EXPECT_NEAR(log_evidence(flows, {1}, marks), std::log(1.0 / 5) + background, 1e-9);
  EXPECT_GT(log_evidence(flows, {0}, marks), log_evidence(flows, {1}, marks));
  // Both lossy: one pool, 2 of 8, B(3, 7); nothing outside.
  EXPECT_NEAR(log_evidence(flows, {0, 1}, marks),
              std::lgamma(3.0) + std::lgamma(7.0) - std::lgamma(10.0), 1e-9);
  EXPECT_EQ(marks, (std::vector<char>{0, 0}));  // scratch left clean
}

TEST(LossLikelihood, PosteriorNormalisesTheEvidence) {
  const auto p = posterior({0.0, std::log(3.0)});
  ASSERT_EQ(p.size(), 2u);
  EXPECT_NEAR(p[0], 0.25, 1e-12);
  EXPECT_NEAR(p[1], 0.75, 1e-12);
  EXPECT_TRUE(posterior({}).empty());
  const auto far = posterior({-1000.0, 0.0});  // no underflow to NaN
  EXPECT_NEAR(far[1], 1.0, 1e-12);
}

TEST(LossLikelihood, CredibleSetIsTheFewestLikeliestHoldingNinetyPercent) {
  EXPECT_EQ(credible_set({0.05, 0.95}), (std::vector<std::size_t>{1}));
  EXPECT_EQ(credible_set({0.5, 0.45, 0.05}), (std::vector<std::size_t>{0, 1}));
  EXPECT_EQ(credible_set({0.3, 0.3, 0.3, 0.1}), (std::vector<std::size_t>{0, 1, 2}));
  // Indistinguishable members stay together even past the mass.
  EXPECT_EQ(credible_set({0.46, 0.46, 0.08}), (std::vector<std::size_t>{0, 1}));
  EXPECT_EQ(credible_set({0.92, 0.04, 0.04}), (std::vector<std::size_t>{0}));
  EXPECT_EQ(credible_set({0.5, 0.5}), (std::vector<std::size_t>{0, 1}));
}

Observation with_windows(shared::UtcNanos since, std::vector<WindowCounts> windows) {
  Observation o;
  o.state = ObservedState::kDegraded;
  o.since = since;
  o.windows = std::move(windows);
  return o;
}

TEST(LossLikelihood, OnsetIsWhenTheFirstDegradedFlowEnteredItsState) {
  // An old lossy window (an earlier fault) does not move the onset back.
  const Observation a =
      with_windows(kZero + seconds{12}, {{kZero + seconds{3}, kZero + seconds{4}, 2, 2},
                                         {kZero + seconds{11}, kZero + seconds{12}, 2, 1}});
  const Observation b = with_windows(kZero + seconds{11}, {});
  EXPECT_EQ(loss_onset({&a, &b}), kZero + seconds{11});
  // The window just before the instant it entered the state lost probes (the agent decides
  // on the answer after a loss): the onset is that window's start, so its losses count.
  const Observation d = with_windows(kZero + seconds{12} + std::chrono::milliseconds{300},
                                     {{kZero + seconds{11}, kZero + seconds{12}, 2, 1}});
  EXPECT_EQ(loss_onset({&d}), kZero + seconds{11});
  EXPECT_EQ(counts_since(d, *loss_onset({&d})).lost, 1u);
  // Without entry times: the first window with losses.
  const Observation c = with_windows(kZero, {{kZero + seconds{5}, kZero + seconds{6}, 2, 0},
                                             {kZero + seconds{6}, kZero + seconds{7}, 2, 1}});
  EXPECT_EQ(loss_onset({&c}), kZero + seconds{6});
  EXPECT_FALSE(loss_onset({}).has_value());
}

TEST(LossLikelihood, PartialLossRecentlyIsSomeButNotAllOfTheLastThreeWindows) {
  Observation o = with_windows(kZero, {{kZero + seconds{8}, kZero + seconds{9}, 2, 1},
                                       {kZero + seconds{9}, kZero + seconds{10}, 2, 0},
                                       {kZero + seconds{10}, kZero + seconds{11}, 2, 0},
                                       {kZero + seconds{11}, kZero + seconds{12}, 2, 2}});
  EXPECT_TRUE(lost_some_recently(o));  // 2 of 6 over the last 3 (the first is older)
  o.windows[3].lost = 0;
  EXPECT_FALSE(lost_some_recently(o));  // the loss at 8-9 s is older than 3 windows
  for (auto& w : o.windows) w.lost = w.sent;
  EXPECT_FALSE(lost_some_recently(o));  // everything lost: an outage's signature
}

TEST(LossLikelihood, CountsSinceTheOnsetIncludeTheWindowHoldingIt) {
  const Observation o = with_windows(kZero, {{kZero + seconds{9}, kZero + seconds{10}, 2, 2},
                                             {kZero + seconds{10}, kZero + seconds{11}, 2, 1},
                                             {kZero + seconds{11}, kZero + seconds{12}, 2, 3}});
  const auto c = counts_since(o, kZero + seconds{10} + std::chrono::milliseconds{500});
  EXPECT_EQ(c.sent, 4u);
  EXPECT_EQ(c.lost, 3u);                                     // a hostile lost > sent counts as sent
  EXPECT_EQ(counts_since(o, kZero + seconds{10}).sent, 4u);  // a window ending at it: before
}

}  // namespace
}  // namespace pathwatch::collector::isolation
