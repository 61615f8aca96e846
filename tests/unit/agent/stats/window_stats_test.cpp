// Window statistics: hand-computed expectations for counts, RTT summary, jitter and IPDV.
#include "agent/stats/window_stats.hpp"

#include <gtest/gtest.h>

#include "agent/stats/delay_variation.hpp"
#include "agent/stats/rtt_summary.hpp"

namespace pathwatch::agent {
namespace {

using namespace std::chrono_literals;
using shared::Nanos;

const shared::UtcNanos kT0 = shared::from_unix_nanos(1'700'000'000'000'000'000);

ProbeResult answer(std::uint64_t seq, Nanos rtt, Outcome outcome = Outcome::kOk) {
  ProbeResult r;
  r.seq = seq;
  r.sent_utc = kT0 + seq * 1s;
  r.outcome = outcome;
  r.rtt = rtt;
  return r;
}

ProbeResult timeout(std::uint64_t seq) {
  ProbeResult r;
  r.seq = seq;
  r.sent_utc = kT0 + seq * 1s;
  r.outcome = Outcome::kTimeout;
  return r;
}

TEST(RttSummaryTest, HandComputedFiveSamples) {
  // Samples 10, 20, 30, 40, 100 ms.
  const auto s = summarize_rtts({40ms, 10ms, 100ms, 20ms, 30ms});
  EXPECT_EQ(s.min, 10ms);
  EXPECT_EQ(s.max, 100ms);
  EXPECT_EQ(s.avg, 40ms);  // (10+20+30+40+100)/5 = 200/5
  // Deviations -30, -20, -10, 0, 60 ms; squares 900+400+100+0+3600 = 5000 ms^2; /5 = 1000;
  // sqrt(1000) = 31.6227766 ms -> 31622777 ns (rounded).
  EXPECT_EQ(s.stddev, Nanos{31'622'777});
  // Nearest rank: p50 -> ceil(2.5) = 3rd = 30; p90 -> ceil(4.5) = 5th = 100; p99 -> 5th.
  EXPECT_EQ(s.p50, 30ms);
  EXPECT_EQ(s.p90, 100ms);
  EXPECT_EQ(s.p99, 100ms);
}

TEST(RttSummaryTest, PercentilesOverHundredSamples) {
  // 1..100 ms: nearest rank p50 = 50th = 50 ms, p90 = 90 ms, p99 = 99 ms.
  std::vector<Nanos> v;
  for (int i = 100; i >= 1; --i) v.push_back(Nanos{i * 1'000'000});
  const auto s = summarize_rtts(v);
  EXPECT_EQ(s.p50, 50ms);
  EXPECT_EQ(s.p90, 90ms);
  EXPECT_EQ(s.p99, 99ms);
  EXPECT_EQ(s.avg, Nanos{50'500'000});  // (1+100)/2 ms
}

TEST(RttSummaryTest, EmptyIsAllZero) {
  const auto s = summarize_rtts({});
  EXPECT_EQ(s.min, 0ns);
  EXPECT_EQ(s.p99, 0ns);
}

TEST(DelayVariationTest, Rfc3550AndIpdvDiffer) {
  // RTTs 10, 14, 12, 20 ms. D = +4, -2, +8 ms.
  DelayVariation dv;
  for (auto r : {10ms, 14ms, 12ms, 20ms}) dv.add(r);
  // RFC 3550: J1 = 0 + (4 - 0)/16 = 0.25 ms; J2 = 0.25 + (2 - 0.25)/16 = 0.359375 ms;
  // J3 = 0.359375 + (8 - 0.359375)/16 = 0.83691406 ms -> 836914 ns (836914.0625 rounded).
  EXPECT_EQ(dv.jitter_rfc3550(), Nanos{836'914});
  // RFC 3393 IPDV mean |D| = (4 + 2 + 8)/3 = 4.666667 ms -> 4666667 ns.
  EXPECT_EQ(dv.ipdv_mean_abs(), Nanos{4'666'667});
  EXPECT_EQ(dv.ipdv_pairs(), 3u);

  // A new window: IPDV restarts but pairs with the previous answer (20 ms); J carries on.
  dv.start_window();
  dv.add(21ms);  // D = +1 ms: IPDV = 1 ms; J = 0.83691406 + (1 - 0.83691406)/16 = 0.84710693
  EXPECT_EQ(dv.ipdv_mean_abs(), 1ms);
  EXPECT_EQ(dv.jitter_rfc3550(), Nanos{847'107});
}

TEST(WindowAccumulatorTest, CountsLossDuplicatesLateAndReordering) {
  WindowAccumulator acc(ProbeKind::kIcmp, kT0);
  acc.add(answer(1, 10ms));
  acc.add(timeout(2));
  acc.add(answer(4, 30ms));
  acc.add(answer(3, 20ms));  // answered after seq 4's answer: reordered (still a sample)
  ProbeResult dup = answer(4, 31ms);
  dup.duplicate = true;
  acc.add(dup);  // counted, not a sample
  ProbeResult late = answer(2, 1500ms);
  late.late = true;
  acc.add(late);  // counted, not a sample, does not undo seq 2's loss
  ProbeResult unreachable = timeout(5);
  unreachable.outcome = Outcome::kUnreachable;
  unreachable.icmp = IcmpEvidence{"198.18.101.2", 3, 1};
  acc.add(unreachable);

  const auto s = acc.close(kT0 + 10s);
  EXPECT_EQ(s.start, kT0);
  EXPECT_EQ(s.end, kT0 + 10s);
  EXPECT_EQ(s.sent, 5u);      // seq 1, 2, 4, 3, 5 final outcomes
  EXPECT_EQ(s.received, 3u);  // 1, 4, 3
  EXPECT_EQ(s.lost, 2u);      // 2 (timeout), 5 (unreachable)
  EXPECT_EQ(s.duplicates, 1u);
  EXPECT_EQ(s.late, 1u);
  EXPECT_EQ(s.reordered, 1u);
  EXPECT_EQ(s.rtt.min, 10ms);  // samples 10, 30, 20: the duplicate's 31 and late 1500 absent
  EXPECT_EQ(s.rtt.max, 30ms);
  EXPECT_EQ(s.rtt.avg, 20ms);
  // Arrival order 10, 30, 20: D = +20, -10 -> IPDV (20+10)/2 = 15 ms;
  // J = 20/16 = 1.25 ms, then 1.25 + (10 - 1.25)/16 = 1.796875 ms.
  EXPECT_EQ(s.ipdv_mean_abs, 15ms);
  EXPECT_EQ(s.jitter_rfc3550, Nanos{1'796'875});
  ASSERT_EQ(s.icmp_errors.size(), 1u);
  EXPECT_EQ(s.icmp_errors[0].router, "198.18.101.2");
  EXPECT_EQ(s.icmp_errors[0].type, 3);
  EXPECT_EQ(s.icmp_errors[0].code, 1);
  EXPECT_EQ(s.icmp_errors[0].count, 1u);

  // The next window starts empty at the previous end; reordering reference carries over:
  // an answer to seq 3 now is still older than seq 4's.
  acc.add(answer(3, 20ms));
  const auto next = acc.close(kT0 + 20s);
  EXPECT_EQ(next.start, kT0 + 10s);
  EXPECT_EQ(next.sent, 1u);
  EXPECT_EQ(next.reordered, 1u);
  EXPECT_EQ(next.duplicates, 0u);
  EXPECT_TRUE(next.icmp_errors.empty());
}

TEST(WindowAccumulatorTest, TcpOutcomeClassesAndRefusedIsAnAnswer) {
  WindowAccumulator acc(ProbeKind::kTcp, kT0);
  acc.add(answer(1, 2ms));                     // ok
  acc.add(answer(2, 3ms, Outcome::kRefused));  // RST: the host answered, RTT is a sample
  acc.add(timeout(3));
  ProbeResult unreach = timeout(4);
  unreach.outcome = Outcome::kUnreachable;
  acc.add(unreach);
  ProbeResult err = timeout(5);
  err.outcome = Outcome::kError;
  err.error_number = 1;
  acc.add(err);
  const auto s = acc.close(kT0 + 10s);
  EXPECT_EQ(s.sent, 5u);
  EXPECT_EQ(s.received, 2u);  // ok + refused
  EXPECT_EQ(s.lost, 3u);
  EXPECT_EQ(s.tcp.ok, 1u);
  EXPECT_EQ(s.tcp.refused, 1u);
  EXPECT_EQ(s.tcp.timeout, 1u);
  EXPECT_EQ(s.tcp.unreachable, 1u);
  EXPECT_EQ(s.tcp.error, 1u);
  EXPECT_EQ(s.rtt.avg, Nanos{2'500'000});  // (2 + 3) / 2 ms
}

TEST(WindowAccumulatorTest, EmptyWindow) {
  WindowAccumulator acc(ProbeKind::kIcmp, kT0);
  const auto s = acc.close(kT0 + 10s);
  EXPECT_EQ(s.sent, 0u);
  EXPECT_EQ(s.lost, 0u);
  EXPECT_EQ(s.rtt.avg, 0ns);
}

}  // namespace
}  // namespace pathwatch::agent
