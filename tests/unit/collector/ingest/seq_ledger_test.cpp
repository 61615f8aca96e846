// The sequence ledger by hand: watermark, in-flight, gaps, give-ups.
#include "collector/ingest/seq_ledger.hpp"

#include <gtest/gtest.h>

namespace pathwatch::collector {
namespace {

const shared::UtcNanos kNow{};

TEST(SeqLedger, WatermarkFollowsContiguousCommits) {
  SeqLedger l;
  l.load("a", 10, 10);
  EXPECT_EQ(l.classify("a", 10), SeqLedger::Seen::kDuplicate);
  EXPECT_EQ(l.classify("a", 11), SeqLedger::Seen::kNew);
  EXPECT_FALSE(l.begin("a", "s", 11, kNow));
  EXPECT_EQ(l.classify("a", 11), SeqLedger::Seen::kInFlight);
  const auto gap = l.begin("a", "s", 14, kNow);  // 12..13 missing
  ASSERT_TRUE(gap);
  EXPECT_EQ(gap->first_seq, 12u);
  EXPECT_EQ(gap->last_seq, 13u);
  EXPECT_EQ(l.through_if_committed("a"), 11u);
  l.committed("a", 11, kNow);
  l.committed("a", 14, kNow);
  EXPECT_EQ(l.through("a"), 11u);
  EXPECT_EQ(l.open_gaps("a"), (std::vector<std::pair<std::uint64_t, std::uint64_t>>{{12, 13}}));
  l.give_up("a", 12, 13, kNow);
  EXPECT_EQ(l.through("a"), 14u);
}

TEST(SeqLedger, UnknownAgentWaitsForTheSeqsBelowItsFirst) {
  SeqLedger l;
  // The agent's Hello (seq 50) arrives ahead of its older unacknowledged messages 1..49.
  const auto gap = l.begin("new", "s", 50, kNow);
  ASSERT_TRUE(gap);  // 1..49 not seen yet: recorded and waited for
  EXPECT_EQ(gap->first_seq, 1u);
  EXPECT_EQ(gap->last_seq, 49u);
  l.committed("new", 50, kNow);
  EXPECT_EQ(l.through("new"), 0u);  // 1..49 hold the ack back
  l.give_up("new", 1, 49, kNow);    // e.g. the agent's DropReport, or the gap timeout
  EXPECT_EQ(l.through("new"), 50u);
}

}  // namespace
}  // namespace pathwatch::collector
