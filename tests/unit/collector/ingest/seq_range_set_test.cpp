// SeqRangeSet against the std::set it replaced: the same members after every insert/erase, and
// in-order traffic kept as one run.
#include "collector/ingest/seq_range_set.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <set>

namespace pathwatch::collector {
namespace {

TEST(SeqRangeSet, InOrderSeqsAreOneRun) {
  SeqRangeSet s;
  for (std::uint64_t seq = 11; seq <= 5010; ++seq) s.insert(seq);
  ASSERT_EQ(s.runs().size(), 1u);  // 11..5010 contiguous: one run
  EXPECT_EQ(s.runs().begin()->first, 11u);
  EXPECT_EQ(s.runs().begin()->second, 5010u);
  for (std::uint64_t seq = 11; seq <= 5009; ++seq) s.erase(seq);  // commits, oldest first
  ASSERT_EQ(s.runs().size(), 1u);
  EXPECT_EQ(s.min(), 5010u);
  s.erase(5010);
  EXPECT_TRUE(s.empty());
}

TEST(SeqRangeSet, SplitsAndMergesRuns) {
  SeqRangeSet s;
  for (std::uint64_t seq : {1, 2, 3, 5, 6, 9}) s.insert(seq);
  EXPECT_EQ(s.runs().size(), 3u);  // 1..3, 5..6, 9
  s.insert(4);                     // bridges 1..3 and 5..6
  EXPECT_EQ(s.runs().size(), 2u);  // 1..6, 9
  s.insert(8);                     // extends 9 downwards
  EXPECT_EQ(s.runs().size(), 2u);  // 1..6, 8..9
  EXPECT_TRUE(s.contains(8));
  EXPECT_FALSE(s.contains(7));
  s.erase(3);  // middle of 1..6: 1..2, 4..6
  EXPECT_EQ(s.runs().size(), 3u);
  EXPECT_FALSE(s.contains(3));
  EXPECT_TRUE(s.contains(2));
  EXPECT_TRUE(s.contains(4));
}

TEST(SeqRangeSet, SameMembersAsStdSetUnderRandomOperations) {
  // 20,000 random inserts/erases of seqs 1..200 (fixed seed): membership and minimum equal
  // a std::set's after every operation, and the runs stay disjoint and non-touching.
  std::mt19937_64 rng(42);
  SeqRangeSet s;
  std::set<std::uint64_t> ref;
  for (int i = 0; i < 20000; ++i) {
    const std::uint64_t seq = 1 + rng() % 200;
    if (rng() % 2) {
      s.insert(seq);
      ref.insert(seq);
    } else {
      s.erase(seq);
      ref.erase(seq);
    }
    ASSERT_EQ(s.empty(), ref.empty());
    if (!ref.empty()) {
      ASSERT_EQ(s.min(), *ref.begin());
    }
    ASSERT_EQ(s.contains(seq), ref.contains(seq));
  }
  std::set<std::uint64_t> members;
  std::uint64_t previous_last = 0;
  bool first = true;
  for (const auto& [lo, hi] : s.runs()) {
    ASSERT_LE(lo, hi);
    if (!first) {
      ASSERT_GT(lo, previous_last + 1);  // disjoint and not touching
    }
    first = false;
    previous_last = hi;
    for (std::uint64_t v = lo; v <= hi; ++v) members.insert(v);
  }
  EXPECT_EQ(members, ref);
}

}  // namespace
}  // namespace pathwatch::collector
