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
  // Retention = max(4 x 1 s, 2 s) = 4 s after sending.
  t.expire(kT0 + 3999ms, out);
  EXPECT_EQ(t.remembered(), 1u);
  EXPECT_EQ(t.find_wire_seq(7), (ProbeKey{1, 1}));
  t.expire(kT0 + 4s, out);
  EXPECT_EQ(t.remembered(), 0u);
  EXPECT_FALSE(t.find_wire_seq(7));
  EXPECT_FALSE(t.answer({1, 1}, ok_at(kT0 + 5s)));
  EXPECT_FALSE(t.next_deadline());
}

TEST(ProbeTracker, WrappedWireSequenceBelongsToNewestProbe) {
  ProbeTracker t;
  ASSERT_TRUE(t.start({1, 1}, kUtc0, kT0, 1s, 7));
  ASSERT_TRUE(t.start({2, 9}, kUtc0, kT0 + 1s, 1s, 7));  // sequence 7 again after a wrap
  EXPECT_EQ(t.find_wire_seq(7), (ProbeKey{2, 9}));
  std::vector<ProbeResult> out;
  t.expire(kT0 + 4s, out);  // forgets the first probe: must not drop the newer mapping
  EXPECT_EQ(t.find_wire_seq(7), (ProbeKey{2, 9}));
}

TEST(ProbeTracker, NegativeRttClampsToZero) {
  ProbeTracker t;
  ASSERT_TRUE(t.start({1, 1}, kUtc0, kT0, 1s));
  auto r = t.answer({1, 1}, ok_at(kT0 - 1us));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->rtt, shared::Nanos{0});
}

TEST(ProbeTracker, SteadyFlowRemembersOnlyItsRetention) {
  ProbeTracker t;
  std::vector<ProbeResult> out;
  // Two flows, 1 probe/s each for 60 s, each answered after 1 ms. After expire(now) at the
  // instant probe k is sent (t = k - 1 s), the probes sent in (now - 4 s, now] are
  // remembered: 4 per flow (retention max(4 x 1 s, 2 s) = 4 s).
  for (std::uint64_t k = 1; k <= 60; ++k) {
    const shared::MonoNanos now = kT0 + std::chrono::seconds{k - 1};
    t.expire(now, out);
    for (FlowId f : {FlowId{1}, FlowId{2}}) {
      ASSERT_TRUE(t.start({f, k}, kUtc0, now, 1s));
      ASSERT_TRUE(t.answer({f, k}, ok_at(now + 1ms)));
    }
  }
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(t.remembered(), 8u);
  EXPECT_EQ(t.outstanding(), 0u);
  EXPECT_TRUE(t.is_known({1, 57}));   // sent at +56 s, forgotten at +60 s: still known at +59 s
  EXPECT_FALSE(t.is_known({1, 56}));  // sent at +55 s, forgotten at +59 s
  // A duplicate of a remembered probe is flagged; the forgotten one is unknown.
  auto dup = t.answer({2, 58}, ok_at(kT0 + 57s + 2ms));
  ASSERT_TRUE(dup);
  EXPECT_TRUE(dup->duplicate);
  EXPECT_EQ(dup->rtt, shared::Nanos{2'000'000});
  EXPECT_FALSE(t.answer({2, 56}, ok_at(kT0 + 59s)));
}

TEST(ProbeTracker, OlderSeqStartedLaterIsStillFound) {
  ProbeTracker t;
  // Seqs 5, 7, then 6 (out of order): all three are known and answered by their own times.
  ASSERT_TRUE(t.start({1, 5}, kUtc0, kT0, 1s));
  ASSERT_TRUE(t.start({1, 7}, kUtc0, kT0 + 2ms, 1s));
  ASSERT_TRUE(t.start({1, 6}, kUtc0, kT0 + 3ms, 1s));
  EXPECT_FALSE(t.start({1, 6}, kUtc0, kT0 + 4ms, 1s));
  auto r6 = t.answer({1, 6}, ok_at(kT0 + 4ms));
  auto r5 = t.answer({1, 5}, ok_at(kT0 + 4ms));
  ASSERT_TRUE(r6 && r5);
  EXPECT_EQ(r6->rtt, shared::Nanos{1'000'000});  // 4 ms - 3 ms
  EXPECT_EQ(r5->rtt, shared::Nanos{4'000'000});  // 4 ms - 0
  EXPECT_EQ(t.outstanding(), 1u);                // seq 7
}

TEST(ProbeTracker, MixedTimeoutsInOneFlowForgetEachOnTime) {
  ProbeTracker t;
  // Seq 1: timeout 5 s, retention max(20 s, 2 s) = 20 s. Seq 2: timeout 1 s, retention 4 s
  // from +1 s, so it is forgotten first (at +5 s) although it is the newer one.
  ASSERT_TRUE(t.start({1, 1}, kUtc0, kT0, 5s));
  ASSERT_TRUE(t.start({1, 2}, kUtc0, kT0 + 1s, 1s));
  std::vector<ProbeResult> out;
  t.expire(kT0 + 5s, out);
  ASSERT_EQ(out.size(), 2u);  // seq 2 at +2 s, seq 1 at +5 s, deadline order
  EXPECT_EQ(out[0].seq, 2u);
  EXPECT_EQ(out[1].seq, 1u);
  EXPECT_TRUE(t.is_known({1, 1}));
  EXPECT_FALSE(t.is_known({1, 2}));
  EXPECT_EQ(t.next_deadline(), kT0 + 20s);
  t.expire(kT0 + 20s, out);
  EXPECT_EQ(t.remembered(), 0u);
  EXPECT_FALSE(t.next_deadline());
}

TEST(ProbeTracker, ConsecutiveWireSequencesAcrossTheWrap) {
  ProbeTracker t;
  // 70,000 probes numbered as an engine does (1, 2, ... wrapping after 65535 to 0), 1 ms
  // apart on 7 flows: the newest owner of a sequence is found, and only while remembered.
  std::vector<ProbeResult> out;
  std::uint16_t wire = 1;
  for (std::uint64_t i = 0; i < 70'000; ++i) {
    const FlowId flow = static_cast<FlowId>(i % 7);
    ASSERT_TRUE(t.start({flow, i / 7 + 1}, kUtc0, kT0 + std::chrono::milliseconds{i}, 1s, wire++));
  }
  // Probe i carries wire (i + 1) mod 65536: wire 5 was probe 4 and then probe 65540.
  EXPECT_EQ(t.find_wire_seq(5), (ProbeKey{65540 % 7, 65540 / 7 + 1}));
  EXPECT_EQ(t.find_wire_seq(4464), (ProbeKey{69999 % 7, 69999 / 7 + 1}));  // the newest
  // At +70 s (retention 4 s after each send), probes 0 .. 66,000 are forgotten: wire 4465
  // was last used by probe 4464, sent at +4.464 s.
  t.expire(kT0 + 70s, out);
  EXPECT_EQ(out.size(), 69'001u);  // deadlines <= +70 s: sent at <= +69 s
  EXPECT_FALSE(t.find_wire_seq(4465));
  EXPECT_EQ(t.find_wire_seq(4464), (ProbeKey{69999 % 7, 69999 / 7 + 1}));
  // Wire 2465 ((68,000 + 1) mod 65,536): probe 2464 (forgotten), then probe 68,000.
  EXPECT_EQ(t.find_wire_seq(2465), (ProbeKey{68000 % 7, 68000 / 7 + 1}));
  EXPECT_EQ(t.remembered(), 3'999u);  // sent in (+66 s, +69.999 s]
}

TEST(ProbeTracker, ShortTimeoutsAreRememberedTwoSeconds) {
  ProbeTracker t;
  // Timeout 100 ms: 4 x 100 ms = 400 ms is below the 2 s floor, so retention is 2 s.
  ASSERT_TRUE(t.start({1, 1}, kUtc0, kT0, 100ms));
  std::vector<ProbeResult> out;
  t.expire(kT0 + 1999ms, out);
  ASSERT_EQ(out.size(), 1u);  // timed out at +100 ms
  auto late = t.answer({1, 1}, ok_at(kT0 + 1500ms));
  ASSERT_TRUE(late);
  EXPECT_TRUE(late->late);
  t.expire(kT0 + 2s, out);
  EXPECT_EQ(t.remembered(), 0u);
}

}  // namespace
}  // namespace pathwatch::agent
