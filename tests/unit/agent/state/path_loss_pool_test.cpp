// The flows of a path weighed together: its measured loss rate and when it is silent.
#include "agent/state/path_loss_pool.hpp"

#include <gtest/gtest.h>

namespace pathwatch::agent {
namespace {

// Three flows on "primary" (1 s probes: 3,600 probes/h each), one on "backup". The primary
// pool's threshold: ln(3 x 3,600 / 1e-4) = ln(1.08e8) = 18.50 nats; a loss on a clean path is
// worth ln(1 / 0.001) = 6.91, so the 3rd loss in a row (20.7) silences it and the 2nd
// (13.8 >= 9.25) is half way.
PathLossPool primary_and_backup() {
  PathLossPool pool{StateThresholds{}};
  pool.set_flows({{1, "primary"}, {2, "primary"}, {3, "primary"}, {4, "backup"}});
  return pool;
}

TEST(PathLossPoolTest, AllFlowsLosingTogetherSilenceTheirPath) {
  auto pool = primary_and_backup();
  EXPECT_FALSE(pool.on_outcome(1, false, false, 0).silent);
  EXPECT_FALSE(pool.doubts_cut(1));
  EXPECT_FALSE(pool.on_outcome(2, false, false, 0).silent);
  EXPECT_TRUE(pool.doubts_cut(1));
  EXPECT_FALSE(pool.doubts_cut(4));  // another path
  EXPECT_FALSE(pool.on_outcome(4, true, false, 0).silent);
  const auto e = pool.on_outcome(3, false, false, 0);
  EXPECT_TRUE(e.silent);
  EXPECT_EQ(e.losses_since_answer, 3u);
  EXPECT_EQ(e.flows, 3u);
}

TEST(PathLossPoolTest, AnAnswerOnAnyFlowOfThePathEndsTheSilence) {
  auto pool = primary_and_backup();
  pool.on_outcome(1, false, false, 0);
  pool.on_outcome(1, false, false, 0);
  pool.on_outcome(1, false, false, 0);
  pool.on_outcome(2, true, false, 0);  // the path carries packets: flow 1 may be a dead host
  EXPECT_FALSE(pool.on_outcome(1, false, false, 0).silent);
  EXPECT_FALSE(pool.doubts_cut(1));
  EXPECT_EQ(pool.on_outcome(3, false, false, 0).losses_since_answer, 2u);
}

TEST(PathLossPoolTest, ARstIsAnAnswerOfThePath) {
  EXPECT_TRUE(path_delivered(Outcome::kOk));
  EXPECT_TRUE(path_delivered(Outcome::kRefused));  // the host answered: the path works
  EXPECT_FALSE(path_delivered(Outcome::kTimeout));
  EXPECT_FALSE(path_delivered(Outcome::kUnreachable));
}

TEST(PathLossPoolTest, AStreakJoinsThePathsLossRateWhenItsFlowAnswers) {
  auto pool = primary_and_backup();
  pool.on_outcome(1, false, false, 0);
  pool.on_outcome(1, false, false, 0);
  EXPECT_EQ(pool.on_outcome(2, true, false, 0).loss_rate, 0.0);  // flow 1's streak undecided
  EXPECT_DOUBLE_EQ(pool.on_outcome(1, true, false, 0).loss_rate, 2.0 / 4);  // 2 lost of 4
  EXPECT_EQ(pool.loss_rate(4), 0.0);
}

TEST(PathLossPoolTest, ADownFlowsLossesNeverMakeItsPathLookLossy) {
  auto pool = primary_and_backup();
  pool.on_outcome(1, true, false, 0);
  for (int i = 0; i < 10; ++i) pool.on_outcome(1, false, i >= 3, 0);  // DOWN after 3
  pool.on_outcome(2, true, false, 0);
  EXPECT_EQ(pool.on_outcome(1, true, true, 0).loss_rate, 0.0);  // 2 answers, no loss
}

TEST(PathLossPoolTest, ADownFlowsAnswersDoNotMakeItsPathLookCleaner) {
  auto pool = primary_and_backup();
  pool.on_outcome(2, false, false, 0);
  pool.on_outcome(2, true, false, 0);  // 1 of 2
  for (int i = 0; i < 5; ++i) pool.on_outcome(1, true, true, 0);
  EXPECT_DOUBLE_EQ(pool.loss_rate(1), 0.5);
}

TEST(PathLossPoolTest, LossesWeighLessOnALossyPath) {
  auto pool = primary_and_backup();
  // Path measured at 50 % (2 of 4): a loss is worth ln 2 = 0.693; 18.50 / 0.693 = 26.7, so
  // the 27th loss in a row silences it.
  pool.on_outcome(1, false, false, 0);
  pool.on_outcome(1, true, false, 0);
  pool.on_outcome(2, false, false, 0);
  pool.on_outcome(2, true, false, 0);
  for (int i = 1; i < 27; ++i) {
    ASSERT_FALSE(pool.on_outcome(static_cast<FlowId>(1 + i % 3), false, false, 0).silent) << i;
  }
  EXPECT_TRUE(pool.on_outcome(1, false, false, 0).silent);
}

TEST(PathLossPoolTest, APoolThatKeepsItsNameKeepsItsMemory) {
  auto pool = primary_and_backup();
  pool.on_outcome(1, false, false, 0);
  pool.on_outcome(1, true, false, 0);
  pool.set_flows({{1, "primary"}, {5, "primary"}});
  EXPECT_DOUBLE_EQ(pool.loss_rate(5), 0.5);
  EXPECT_EQ(pool.on_outcome(3, false, false, 0).flows, 0u);  // gone: no evidence
}

TEST(PathLossPoolTest, MovingAFlowLeavesTheOtherPoolsAlone) {
  auto pool = primary_and_backup();
  pool.on_outcome(1, false, false, 0);
  pool.on_outcome(1, true, false, 0);  // primary at 50 %
  pool.on_outcome(2, false, false, 0);
  pool.move_flow(3, "backup");
  EXPECT_EQ(*pool.pool_of(3), "backup");
  EXPECT_EQ(pool.on_outcome(3, true, false, 0).flows, 2u);
  EXPECT_DOUBLE_EQ(pool.loss_rate(1), 0.5);  // primary's memory and evidence stay
  EXPECT_EQ(pool.on_outcome(1, false, false, 0).losses_since_answer, 2u);
  pool.move_flow(4, "primary");  // backup keeps flow 3
  EXPECT_EQ(pool.on_outcome(4, false, false, 0).flows, 3u);
  EXPECT_EQ(pool.pool_of(9), nullptr);
}

}  // namespace
}  // namespace pathwatch::agent
