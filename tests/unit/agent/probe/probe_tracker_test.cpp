// Outstanding probes, the deadline queue, duplicates, late answers and forgetting.
#include "agent/probe/probe_tracker.hpp"

#include <gtest/gtest.h>

namespace pathwatch::agent {
namespace {

using namespace std::chrono_literals;
const shared::MonoNanos kT0{shared::Nanos{5'000'000'000}};
const shared::UtcNanos kUtc0 = shared::from_unix_nanos(1'790'000'000'000'000'000);

ProbeAnswer ok_at(shared::MonoNanos t) {
  ProbeAnswer a;
  a.received_mono = t;
  return a;
}

TEST(ProbeTracker, AnswerCarriesSendTimesAndRtt) {
  ProbeTracker t;
  ASSERT_TRUE(t.start({1, 1}, kUtc0, kT0, 1s));
  auto r = t.answer({1, 1}, ok_at(kT0 + 250us));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->sent_utc, kUtc0);
  EXPECT_EQ(r->sent_mono, kT0);
  EXPECT_EQ(r->rtt, shared::Nanos{250'000});
  EXPECT_EQ(t.outstanding(), 0u);
}

TEST(ProbeTracker, SameProbeTwiceIsRefused) {
  ProbeTracker t;
  ASSERT_TRUE(t.start({1, 1}, kUtc0, kT0, 1s));
  EXPECT_FALSE(t.start({1, 1}, kUtc0, kT0 + 1ms, 1s));
  EXPECT_EQ(t.outstanding(), 1u);
}

TEST(ProbeTracker, TimeoutsInDeadlineOrderAcrossTimeouts) {
  ProbeTracker t;
  // Deadlines: A at +3 s, B at +1 s, C at +2 s (different targets' timeouts share one queue).
  ASSERT_TRUE(t.start({1, 1}, kUtc0, kT0, 3s));
  ASSERT_TRUE(t.start({2, 1}, kUtc0, kT0, 1s));
  ASSERT_TRUE(t.start({3, 1}, kUtc0, kT0, 2s));
  EXPECT_EQ(t.next_deadline(), kT0 + 1s);
  std::vector<ProbeResult> out;
  t.expire(kT0 + 999ms, out);
  EXPECT_TRUE(out.empty());
  t.expire(kT0 + 2s, out);  // B (+1 s) and C (+2 s), in that order; A still waits
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].flow, 2u);
  EXPECT_EQ(out[1].flow, 3u);
  EXPECT_EQ(out[0].outcome, Outcome::kTimeout);
  EXPECT_FALSE(out[0].rtt);
  EXPECT_EQ(t.outstanding(), 1u);
}

TEST(ProbeTracker, AnsweredProbeNeverTimesOut) {
  ProbeTracker t;
  ASSERT_TRUE(t.start({1, 1}, kUtc0, kT0, 1s));
  ASSERT_TRUE(t.answer({1, 1}, ok_at(kT0 + 1ms)));
  std::vector<ProbeResult> out;
  t.expire(kT0 + 5s, out);
  EXPECT_TRUE(out.empty());
}

TEST(ProbeTracker, DuplicateAndLateFlags) {
  ProbeTracker t;
  ASSERT_TRUE(t.start({1, 1}, kUtc0, kT0, 1s));
  std::vector<ProbeResult> out;
  t.expire(kT0 + 1s, out);
  ASSERT_EQ(out.size(), 1u);
  auto late = t.answer({1, 1}, ok_at(kT0 + 1500ms));
  auto late_dup = t.answer({1, 1}, ok_at(kT0 + 1600ms));
  ASSERT_TRUE(late && late_dup);
  EXPECT_TRUE(late->late);
  EXPECT_FALSE(late->duplicate);
  EXPECT_EQ(late->rtt, shared::Nanos{1'500'000'000});  // still measured, for the record
  EXPECT_TRUE(late_dup->late);
  EXPECT_TRUE(late_dup->duplicate);
}

TEST(ProbeTracker, ForgetsAfterRetention) {
  ProbeTracker t;
  ASSERT_TRUE(t.start({1, 1}, kUtc0, kT0, 1s, 7));
  std::vector<ProbeResult> out;
  // Retention = max(4 x 1 s, 10 s) = 10 s after sending.
  t.expire(kT0 + 9s, out);
  EXPECT_EQ(t.remembered(), 1u);
  EXPECT_EQ(t.find_wire_seq(7), (ProbeKey{1, 1}));
  t.expire(kT0 + 10s, out);
  EXPECT_EQ(t.remembered(), 0u);
  EXPECT_FALSE(t.find_wire_seq(7));
  EXPECT_FALSE(t.answer({1, 1}, ok_at(kT0 + 11s)));
  EXPECT_FALSE(t.next_deadline());
}

TEST(ProbeTracker, WrappedWireSequenceBelongsToNewestProbe) {
  ProbeTracker t;
  ASSERT_TRUE(t.start({1, 1}, kUtc0, kT0, 1s, 7));
  ASSERT_TRUE(t.start({2, 9}, kUtc0, kT0 + 1s, 1s, 7));  // sequence 7 again after a wrap
  EXPECT_EQ(t.find_wire_seq(7), (ProbeKey{2, 9}));
  std::vector<ProbeResult> out;
  t.expire(kT0 + 10s, out);  // forgets the first probe: must not drop the newer mapping
  EXPECT_EQ(t.find_wire_seq(7), (ProbeKey{2, 9}));
}

TEST(ProbeTracker, NegativeRttClampsToZero) {
  ProbeTracker t;
  ASSERT_TRUE(t.start({1, 1}, kUtc0, kT0, 1s));
  auto r = t.answer({1, 1}, ok_at(kT0 - 1us));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->rtt, shared::Nanos{0});
}

}  // namespace
}  // namespace pathwatch::agent
