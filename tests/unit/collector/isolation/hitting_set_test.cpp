// Minimum hitting sets: hand-derived families, and agreement with exhaustive search.
#include "collector/isolation/hitting_set.hpp"

#include <gtest/gtest.h>

#include <random>

namespace pathwatch::collector::isolation {
namespace {

using Sets = std::vector<std::vector<std::uint32_t>>;

TEST(HittingSet, EmptyFamilyNeedsNothing) {
  const auto r = solve_hitting_sets(3, {});
  ASSERT_EQ(r.minimum.size(), 1u);
  EXPECT_TRUE(r.minimum[0].empty());
}

TEST(HittingSet, SingletonsAreForced) {
  // {0}, {0,1}, {2}: 0 and 2 are forced and hit everything: {0,2}, the only answer.
  const auto r = solve_hitting_sets(3, {{0}, {0, 1}, {2}});
  EXPECT_EQ(r.minimum, (Sets{{0, 2}}));
  EXPECT_TRUE(r.size_proven);
  EXPECT_TRUE(r.complete);
}

TEST(HittingSet, TriangleHasThreeMinimumPairs) {
  // {0,1},{1,2},{0,2}: no element hits all three; every pair does: 3 answers of size 2.
  const auto r = solve_hitting_sets(3, {{0, 1}, {1, 2}, {0, 2}});
  EXPECT_EQ(r.minimum, (Sets{{0, 1}, {0, 2}, {1, 2}}));
}

TEST(HittingSet, SharedElementBeatsAPairAndThePairIsTheAlternative) {
  // {0,1},{0,2}: {0} alone hits both (minimum). Of the size-2 hitting sets {0,1}, {0,2},
  // {1,2}, only {1,2} is irreducible (the others shrink to {0}): the one alternative.
  const auto r = solve_hitting_sets(3, {{0, 1}, {0, 2}});
  EXPECT_EQ(r.minimum, (Sets{{0}}));
  EXPECT_EQ(r.alternatives, (Sets{{1, 2}}));
}

TEST(HittingSet, LimitsAreReported) {
  // Four disjoint pairs: 2^4 = 16 minimum answers of size 4; ask for 5.
  HittingSetOptions o;
  o.max_solutions = 5;
  const auto r = solve_hitting_sets(8, {{0, 1}, {2, 3}, {4, 5}, {6, 7}}, o);
  EXPECT_EQ(r.minimum.size(), 5u);
  EXPECT_EQ(r.minimum[0].size(), 4u);
  EXPECT_FALSE(r.complete);
  EXPECT_TRUE(r.size_proven);
}

TEST(HittingSet, TinyBudgetFallsBackToGreedyAndSaysSo) {
  HittingSetOptions o;
  o.node_budget = 1;
  const auto r = solve_hitting_sets(6, {{0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 5}, {5, 0}}, o);
  ASSERT_EQ(r.minimum.size(), 1u);
  EXPECT_TRUE(r.bounded);
  EXPECT_FALSE(r.size_proven);
  // Still a hitting set: every pair of the 6-cycle is hit.
  for (std::uint32_t i = 0; i < 6; ++i) {
    const auto& m = r.minimum[0];
    const bool hit = std::find(m.begin(), m.end(), i) != m.end() ||
                     std::find(m.begin(), m.end(), (i + 1) % 6) != m.end();
    EXPECT_TRUE(hit) << i;
  }
}

TEST(HittingSet, AgreesWithExhaustiveSearchOnRandomFamilies) {
  // Fixed seed: 200 random families over 10 elements; the exact search must list exactly
  // the minimum hitting sets the exhaustive search finds (when it lists them all).
  std::mt19937 rng(20260501);
  for (int round = 0; round < 200; ++round) {
    const std::size_t universe = 10;
    Sets sets(1 + rng() % 7);
    for (auto& s : sets) {
      const std::size_t n = 1 + rng() % 4;
      while (s.size() < n) {
        const auto e = static_cast<std::uint32_t>(rng() % universe);
        if (std::find(s.begin(), s.end(), e) == s.end()) s.push_back(e);
      }
    }
    HittingSetOptions o;
    o.max_solutions = 1000;
    const auto ours = solve_hitting_sets(universe, sets, o);
    auto expected = exhaustive_minimum_hitting_sets(universe, sets);
    std::sort(expected.begin(), expected.end());
    ASSERT_TRUE(ours.complete);
    ASSERT_EQ(ours.minimum, expected) << "round " << round;
  }
}

}  // namespace
}  // namespace pathwatch::collector::isolation
