// The path state machine: transitions, their times and reasons, from hand-built outcomes.
#include "agent/state/path_state_machine.hpp"

#include <gtest/gtest.h>

namespace pathwatch::agent {
namespace {

using namespace std::chrono_literals;
using shared::Nanos;

const shared::UtcNanos kT0 = shared::from_unix_nanos(1'700'000'000'000'000'000);
constexpr Nanos kTimeout = 1s;

// Probe `seq` is sent at kT0 + seq seconds (interval 1 s).
ProbeResult ok(std::uint64_t seq, Nanos rtt = 5ms, Outcome outcome = Outcome::kOk) {
  ProbeResult r;
  r.seq = seq;
  r.sent_utc = kT0 + seq * 1s;
  r.outcome = outcome;
  r.rtt = rtt;
  return r;
}

ProbeResult lost(std::uint64_t seq, Outcome outcome = Outcome::kTimeout) {
  ProbeResult r;
  r.seq = seq;
  r.sent_utc = kT0 + seq * 1s;
  r.outcome = outcome;
  return r;
}

StateThresholds thresholds() {
  StateThresholds t;  // the config defaults, spelt out
  t.down_after = 3;
  t.up_after = 3;
  t.degraded_loss_percent = 5.0;
  t.degraded_rtt = 200ms;
  t.evaluation_probes = 20;
  return t;
}

// Feeds `n` answers starting at seq `first`; returns the last change seen.
std::optional<StateChangeEvent> feed_ok(PathStateMachine& m, std::uint64_t first, int n,
                                        Nanos rtt = 5ms) {
  std::optional<StateChangeEvent> last;
  for (int i = 0; i < n; ++i) {
    if (auto e = m.on_result(ok(first + i, rtt))) last = e;
  }
  return last;
}

TEST(PathStateMachineTest, UnknownUntilUpAfterAnswers) {
  PathStateMachine m(thresholds(), kTimeout);
  EXPECT_EQ(m.state(), PathState::kUnknown);
  EXPECT_FALSE(m.on_result(ok(1)));
  EXPECT_FALSE(m.on_result(ok(2)));
  const auto e = m.on_result(ok(3));  // up_after = 3
  ASSERT_TRUE(e);
  EXPECT_EQ(e->from, PathState::kUnknown);
  EXPECT_EQ(e->to, PathState::kUp);
  EXPECT_EQ(e->at, kT0 + 3s + 5ms);  // send time of seq 3 + its RTT
  EXPECT_EQ(e->reason, "3 consecutive answers");
  EXPECT_EQ(e->seq, 3u);
}

TEST(PathStateMachineTest, DownAfterConsecutiveLossesAtTimeoutExpiry) {
  PathStateMachine m(thresholds(), kTimeout);
  feed_ok(m, 1, 3);
  EXPECT_FALSE(m.on_result(lost(4)));
  EXPECT_FALSE(m.on_result(lost(5)));
  const auto e = m.on_result(lost(6));  // down_after = 3
  ASSERT_TRUE(e);
  EXPECT_EQ(e->from, PathState::kUp);
  EXPECT_EQ(e->to, PathState::kDown);
  EXPECT_EQ(e->at, kT0 + 6s + kTimeout);  // seq 6 timed out 1 s after it was sent
  EXPECT_EQ(e->reason, "3 consecutive losses (last: timeout)");
  EXPECT_EQ(m.state(), PathState::kDown);
  EXPECT_FALSE(m.on_result(lost(7)));  // already down: no second event
}

TEST(PathStateMachineTest, LossStreakBrokenByAnAnswerDoesNotGoDown) {
  PathStateMachine m(thresholds(), kTimeout);
  feed_ok(m, 1, 3);
  m.on_result(lost(4));
  m.on_result(lost(5));
  m.on_result(ok(6));
  EXPECT_FALSE(m.on_result(lost(7)));
  EXPECT_NE(m.state(), PathState::kDown);
}

TEST(PathStateMachineTest, UnknownGoesStraightToDown) {
  PathStateMachine m(thresholds(), kTimeout);
  m.on_result(lost(1));
  m.on_result(lost(2));
  const auto e = m.on_result(lost(3));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->from, PathState::kUnknown);
  EXPECT_EQ(e->to, PathState::kDown);
}

TEST(PathStateMachineTest, RouterUnreachableIsALossWithEvidence) {
  PathStateMachine m(thresholds(), kTimeout);
  feed_ok(m, 1, 3);
  ProbeResult u = lost(4, Outcome::kUnreachable);
  u.rtt = 2ms;  // the ICMP error's round trip
  u.icmp = IcmpEvidence{"198.18.1.1", 3, 1};
  m.on_result(u);
  u.seq = 5;
  u.sent_utc = kT0 + 5s;
  m.on_result(u);
  u.seq = 6;
  u.sent_utc = kT0 + 6s;
  const auto e = m.on_result(u);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->to, PathState::kDown);
  EXPECT_EQ(e->at, kT0 + 6s + 2ms);  // when the ICMP error arrived
  EXPECT_EQ(e->outcome, Outcome::kUnreachable);
  ASSERT_TRUE(e->icmp);
  EXPECT_EQ(e->icmp->router, "198.18.1.1");
  EXPECT_EQ(e->icmp->code, 1);
}

TEST(PathStateMachineTest, TcpRefusedNeverBringsThePathUp) {
  // A RST is the host answering, but the measured service (host:port) is not usable: three
  // refusals from UNKNOWN go DOWN (down_after = 3), never UP, with the RST as evidence.
  PathStateMachine m(thresholds(), kTimeout);
  EXPECT_FALSE(m.on_result(ok(1, 3ms, Outcome::kRefused)));
  EXPECT_FALSE(m.on_result(ok(2, 3ms, Outcome::kRefused)));
  const auto e = m.on_result(ok(3, 3ms, Outcome::kRefused));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->from, PathState::kUnknown);
  EXPECT_EQ(e->to, PathState::kDown);
  EXPECT_EQ(e->outcome, Outcome::kRefused);
  EXPECT_EQ(e->at, kT0 + 3s + 3ms);  // when seq 3's RST arrived
  EXPECT_EQ(e->reason,
            "3 consecutive refusals (TCP RST: the host answered, the service did not accept)");
}

TEST(PathStateMachineTest, ServiceClosingGoesDownWithRefusedEvidence) {
  PathStateMachine m(thresholds(), kTimeout);
  feed_ok(m, 1, 3);
  ASSERT_EQ(m.state(), PathState::kUp);
  EXPECT_FALSE(m.on_result(ok(4, 2ms, Outcome::kRefused)));
  EXPECT_FALSE(m.on_result(ok(5, 2ms, Outcome::kRefused)));
  const auto e = m.on_result(ok(6, 2ms, Outcome::kRefused));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->from, PathState::kUp);
  EXPECT_EQ(e->to, PathState::kDown);
  EXPECT_EQ(e->outcome, Outcome::kRefused);
  // Back when the service accepts again (up_after = 3 handshakes).
  EXPECT_FALSE(feed_ok(m, 7, 2));
  const auto up = m.on_result(ok(9));
  ASSERT_TRUE(up);
  EXPECT_EQ(up->to, PathState::kUp);
}

TEST(PathStateMachineTest, MixedStreakEndingInRefusalNamesTheLastOutcome) {
  PathStateMachine m(thresholds(), kTimeout);
  feed_ok(m, 1, 3);
  m.on_result(lost(4));
  m.on_result(lost(5));
  const auto e = m.on_result(ok(6, 2ms, Outcome::kRefused));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->reason, "3 consecutive losses (last: refused)");
}

TEST(PathStateMachineTest, DownThenUpAgainAfterUpAfterAnswers) {
  PathStateMachine m(thresholds(), kTimeout);
  feed_ok(m, 1, 3);
  for (int s = 4; s <= 6; ++s) m.on_result(lost(s));
  ASSERT_EQ(m.state(), PathState::kDown);
  EXPECT_FALSE(m.on_result(ok(7)));
  EXPECT_FALSE(m.on_result(ok(8)));
  const auto e = m.on_result(ok(9));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->from, PathState::kDown);
  // UP, not DEGRADED: the three losses that took it down were cleared on coming up.
  EXPECT_EQ(e->to, PathState::kUp);
}

TEST(PathStateMachineTest, DegradedByLossOverEvaluationWindow) {
  PathStateMachine m(thresholds(), kTimeout);
  feed_ok(m, 1, 3);
  // 1 loss of 20 = 5 %: not > 5 %.
  EXPECT_FALSE(m.on_result(lost(4)));
  EXPECT_FALSE(feed_ok(m, 5, 5));
  // 2 losses: 2/20 = 10 % > 5 %, decided when the answer at seq 11 ends the loss streak
  // (a running streak could still become DOWN).
  EXPECT_FALSE(m.on_result(lost(10)));
  const auto e = m.on_result(ok(11));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->from, PathState::kUp);
  EXPECT_EQ(e->to, PathState::kDegraded);
  EXPECT_EQ(e->reason, "loss 10.0% > 5.0% (2 of the last 20 probes)");
  // History since coming up: seq 1..3 (the answers that brought it up), 4 (loss), 5..9,
  // 10 (loss), 11 = 11 entries. Seq 12..20 fill it to 20; 21, 22, 23 evict seq 1, 2, 3;
  // seq 24 evicts the loss of seq 4: 1 loss of 20 = 5 %, no longer > 5 % but above the
  // clear limit (default 5 / 2 = 2.5 %): still DEGRADED (hysteresis). Seq 30 evicts seq 10's
  // loss: 0 % <= 2.5 %, the first clear probe; the 20th (evaluation_probes) is seq 49.
  EXPECT_FALSE(feed_ok(m, 12, 37));       // seq 12..48
  const auto back = m.on_result(ok(49));  // 20 clear probes in a row: seq 30..49
  ASSERT_TRUE(back);
  EXPECT_EQ(back->to, PathState::kUp);
  EXPECT_EQ(back->reason, "loss and latency back within limits");
}

TEST(PathStateMachineTest, OutageGoesStraightFromUpToDown) {
  // Two losses of a running streak would be 10 % > 5 %, but they are undecided until the
  // streak ends: the third loss gives UP -> DOWN with no DEGRADED in between.
  PathStateMachine m(thresholds(), kTimeout);
  feed_ok(m, 1, 3);
  EXPECT_FALSE(m.on_result(lost(4)));
  EXPECT_FALSE(m.on_result(lost(5)));
  const auto e = m.on_result(lost(6));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->from, PathState::kUp);
  EXPECT_EQ(e->to, PathState::kDown);
}

TEST(PathStateMachineTest, DoubtOnlyWhenALossWouldTakeAnUpPathOutOfUp) {
  PathStateMachine m(thresholds(), kTimeout);
  EXPECT_FALSE(m.on_result(lost(1)));
  EXPECT_FALSE(m.doubts_up());  // UNKNOWN: nothing to doubt
  feed_ok(m, 2, 3);
  // 1 loss of 20 = 5 %, allowed: a lone loss is no doubt, and neither is the answer after it.
  EXPECT_FALSE(m.on_result(lost(5)));
  EXPECT_FALSE(m.doubts_up());
  EXPECT_FALSE(m.on_result(ok(6)));
  EXPECT_FALSE(m.doubts_up());
  // A second one (10 % > 5 %) is, while its streak runs; the answer that ends it makes the
  // path DEGRADED, which is no longer UP.
  EXPECT_FALSE(m.on_result(lost(7)));
  EXPECT_TRUE(m.doubts_up());
  const auto e = m.on_result(ok(8));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->to, PathState::kDegraded);
  EXPECT_FALSE(m.doubts_up());
  EXPECT_FALSE(m.on_result(lost(9)));
  EXPECT_FALSE(m.doubts_up());  // DEGRADED already: the doubt is settled
}

TEST(PathStateMachineTest, DegradedByMedianRtt) {
  PathStateMachine m(thresholds(), kTimeout);
  feed_ok(m, 1, 3, 5ms);  // up; history: 3 answers, only seq 3's RTT (5 ms) kept
  // One slow answer is not enough: median of {5, 500} (lower median) = 5 ms.
  EXPECT_FALSE(m.on_result(ok(4, 500ms)));
  // seq 5: {5, 500, 500}: median 500 ms > 200 ms.
  const auto e = m.on_result(ok(5, 500ms));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->to, PathState::kDegraded);
  EXPECT_EQ(e->reason, "median RTT 500.000 ms > 200.000 ms over 3 answers");
}

TEST(PathStateMachineTest, DuplicatesAndLateNeverMoveTheState) {
  PathStateMachine m(thresholds(), kTimeout);
  ProbeResult d = ok(1);
  d.duplicate = true;
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(m.on_result(d));
  ProbeResult l = ok(2);
  l.late = true;
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(m.on_result(l));
  EXPECT_EQ(m.state(), PathState::kUnknown);
  EXPECT_EQ(m.consecutive_successes(), 0u);
}

TEST(PathStateMachineTest, DetectMultiplierFromConfig) {
  auto t = thresholds();
  t.down_after = 5;
  PathStateMachine m(t, kTimeout);
  feed_ok(m, 1, 3);
  for (int s = 4; s <= 7; ++s) EXPECT_FALSE(m.on_result(lost(s)));
  const auto e = m.on_result(lost(8));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->reason, "5 consecutive losses (last: timeout)");
}

// The lab's thresholds (tests/lab/isolation): 2 losses -> DOWN, 1 loss in 6 (16.7 % > 10 %)
// -> DEGRADED, clear at <= 5 % (0 of 6) held for 6 probes.
StateThresholds lab_thresholds() {
  StateThresholds t;
  t.down_after = 2;
  t.up_after = 2;
  t.degraded_loss_percent = 10.0;
  t.degraded_rtt = 200ms;
  t.evaluation_probes = 6;
  return t;
}

TEST(PathStateMachineTest, ScatteredLossStaysDegradedWithHysteresis) {
  // 30 % loss as a fixed pattern: lose every 3rd or 4th probe (never two in a row). Without
  // hysteresis the state would go back UP whenever the last 6 probes held no loss; with it,
  // DEGRADED holds until 6 clear probes in a row follow a window without loss.
  PathStateMachine m(lab_thresholds(), kTimeout);
  feed_ok(m, 1, 2);
  ASSERT_EQ(m.state(), PathState::kUp);
  int changes = 0;
  std::uint64_t seq = 3;
  for (int round = 0; round < 10; ++round) {
    // ok, ok, lost, ok, ok, ok, lost: 2 losses in 7 probes (28.6 %).
    for (bool success : {true, true, false, true, true, true, false}) {
      if (m.on_result(success ? ok(seq) : lost(seq))) ++changes;
      ++seq;
    }
  }
  EXPECT_EQ(changes, 1);  // UP -> DEGRADED once (at seq 6, the answer after seq 5's loss)
  EXPECT_EQ(m.state(), PathState::kDegraded);
  // Loss ends: the window of 6 holds no loss from the 6th answer on (the first clear probe);
  // the 6th clear probe in a row is the 11th answer.
  EXPECT_FALSE(feed_ok(m, seq, 10));
  const auto back = m.on_result(ok(seq + 10));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->to, PathState::kUp);
}

TEST(PathStateMachineTest, LossyPathNeedsTheStreakRandomLossRarelyGives) {
  PathStateMachine m(lab_thresholds(), kTimeout);  // 3,600 probes/h: 1 s probes
  feed_ok(m, 1, 2);
  m.on_result(lost(3));
  ASSERT_TRUE(m.on_result(ok(4)));  // 1 of 6 = 16.7 % > 10 %: DEGRADED
  ASSERT_EQ(m.state(), PathState::kDegraded);
  // Measured loss 1 of 4 decided probes = 25 %: a loss is worth ln 4 = 1.386 nats against
  // the threshold ln(3,600 / 1e-4) = 17.40, so ceil(12.55) = 13 in a row (0.25^13 = 1.5e-8
  // per run start).
  EXPECT_DOUBLE_EQ(m.loss_rate(), 0.25);
  EXPECT_EQ(m.losses_for_down(0.0), 13u);
  for (std::uint64_t seq = 5; seq < 17; ++seq) {
    EXPECT_FALSE(m.on_result(lost(seq))) << seq;
    EXPECT_EQ(m.doubts_cut(), seq - 4 >= 7) << seq;  // half way: 7 of 13
  }
  const auto e = m.on_result(lost(17));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->to, PathState::kDown);
  EXPECT_EQ(e->reason,
            "13 consecutive losses (last: timeout) against a measured loss of 25.0% (needs 13)");
  // The streak called DOWN never joins the measured rate, nor do the answers while DOWN.
  feed_ok(m, 18, 2);
  EXPECT_DOUBLE_EQ(m.loss_rate(), 0.25);
}

TEST(PathStateMachineTest, ThePathsLossRateCountsWhenHigher) {
  // A clean flow on a path that loses half its probes: 0.5^k must be rare, ln 2 = 0.693
  // nats a loss, ceil(17.40 / 0.693) = 26.
  PathStateMachine m(thresholds(), kTimeout);
  feed_ok(m, 1, 5);
  EXPECT_EQ(m.losses_for_down(0.0), 3u);
  EXPECT_EQ(m.losses_for_down(0.5), 26u);
  PathEvidence path;
  path.loss_rate = 0.5;
  for (std::uint64_t seq = 6; seq < 31; ++seq) EXPECT_FALSE(m.on_result(lost(seq), path)) << seq;
  ASSERT_TRUE(m.on_result(lost(31), path));
}

TEST(PathStateMachineTest, ADownFlowRecordsNeitherLossesNorAnswers) {
  // Answers alone would bias the measured rate low: 2 losses in 100 stay 2 in 100 after an
  // outage, however many answers come while the flow is still DOWN.
  PathStateMachine m(thresholds(), kTimeout);
  feed_ok(m, 1, 49);
  m.on_result(lost(50));
  m.on_result(lost(51));
  feed_ok(m, 52, 49);
  EXPECT_DOUBLE_EQ(m.loss_rate(), 0.02);
  for (std::uint64_t seq = 101; seq < 104; ++seq) m.on_result(lost(seq));
  ASSERT_EQ(m.state(), PathState::kDown);
  feed_ok(m, 104, 2);  // still DOWN (up_after 3)
  EXPECT_DOUBLE_EQ(m.loss_rate(), 0.02);
}

TEST(PathStateMachineTest, ASilentPathTakesALossyFlowDownAfterDownAfter) {
  PathStateMachine m(thresholds(), kTimeout);
  feed_ok(m, 1, 5);
  PathEvidence path;
  path.loss_rate = 0.5;
  EXPECT_FALSE(m.on_result(lost(6), path));
  path.silent = true;  // every flow of the path lost since its last answer
  path.losses_since_answer = 40;
  path.flows = 12;
  EXPECT_FALSE(m.on_result(lost(7), path));  // never fewer than down_after of its own
  const auto e = m.on_result(lost(8), path);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->reason,
            "3 consecutive losses (last: timeout); the path silent: 40 losses on its 12 flows "
            "since its last answer, measured loss 50.0%");
}

TEST(PathStateMachineTest, ExplicitFailuresAreNoRandomLoss) {
  // A service that closes on a lossy path: RSTs (and the timeouts the loss leaves among them)
  // go DOWN once down_after of the streak are RSTs, not after the 26 losses random loss at
  // 50 % would need: random loss is silence, it sends no RST.
  PathStateMachine m(thresholds(), kTimeout);
  feed_ok(m, 1, 5);
  PathEvidence path;
  path.loss_rate = 0.5;
  EXPECT_FALSE(m.on_result(lost(6, Outcome::kRefused), path));
  EXPECT_FALSE(m.on_result(lost(7), path));
  EXPECT_FALSE(m.on_result(lost(8, Outcome::kRefused), path));
  const auto e = m.on_result(lost(9, Outcome::kRefused), path);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->reason,
            "4 consecutive losses (last: refused); 3 of them explicit (RST, ICMP error): not "
            "random loss");
}

TEST(PathStateMachineTest, HeavierLossThanTheCapMayGoDown) {
  // Loss beyond max_random_loss_percent (75) is weighed as 75 %: ln(1/0.75) = 0.2877,
  // ceil(17.40 / 0.2877) = 61 losses in a row (docs/agent.md).
  PathStateMachine m(thresholds(), kTimeout);
  EXPECT_EQ(m.losses_for_down(0.75), 61u);
  EXPECT_EQ(m.losses_for_down(0.95), 61u);
}

TEST(PathStateMachineTest, AFewRecentLossesKeepTheDetectMultiplier) {
  // One to four losses among the last 128 (a clean-ish path, or 1 % random loss measured) must
  // not slow a cut's DOWN: down_after, as on a clean path. Weighed as the test above, one loss
  // in 128 asked for 5 and four for 6 (a lone flow or a dead host: 5-6 intervals).
  PathStateMachine m(thresholds(), kTimeout);
  EXPECT_EQ(m.losses_for_down(1.0 / 128), 3u);
  EXPECT_EQ(m.losses_for_down(4.0 / 128), 3u);
  EXPECT_GT(m.losses_for_down(5.0 / 128), 3u);
  // A flow whose own memory holds one loss: the cut's third loss calls DOWN.
  feed_ok(m, 1, 10);
  m.on_result(lost(11));
  feed_ok(m, 12, 100);
  EXPECT_DOUBLE_EQ(m.loss_rate(), 1.0 / 111);
  EXPECT_FALSE(m.on_result(lost(112)));
  EXPECT_FALSE(m.on_result(lost(113)));
  const auto e = m.on_result(lost(114));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->to, PathState::kDown);
}

TEST(PathStateMachineTest, AFalseDownTargetAboveTheProbeRateAsksNoMoreThanDownAfter) {
  // More false DOWNs allowed than probes sent: the threshold is 0, never negative (a negative
  // count cast to unsigned was undefined behaviour); down_after still holds.
  StateThresholds t = thresholds();
  t.false_down_per_hour = 1e6;
  EXPECT_EQ(cut_threshold(3600, t), 0.0);
  EXPECT_EQ(losses_for_cut(0.5, 3600, t), 3u);
  PathStateMachine m(t, kTimeout);
  EXPECT_EQ(m.losses_for_down(0.5), 3u);
}

TEST(PathStateMachineTest, LatencyDegradedPathKeepsTheNormalDetectMultiplier) {
  // DEGRADED by RTT with no loss in its history: a cut is not random loss, down_after holds.
  PathStateMachine m(lab_thresholds(), kTimeout);
  feed_ok(m, 1, 2, 5ms);                    // up; only seq 2's RTT (5 ms) kept
  EXPECT_FALSE(m.on_result(ok(3, 500ms)));  // {5, 500}: lower median 5 ms
  ASSERT_TRUE(m.on_result(ok(4, 500ms)));   // {5, 500, 500}: 500 ms > 200 ms
  ASSERT_EQ(m.state(), PathState::kDegraded);
  EXPECT_FALSE(m.on_result(lost(5)));
  const auto e = m.on_result(lost(6));  // down_after = 2
  ASSERT_TRUE(e);
  EXPECT_EQ(e->to, PathState::kDown);
  EXPECT_EQ(e->reason, "2 consecutive losses (last: timeout)");
}

TEST(PathStateMachineTest, ClearLimitFromConfig) {
  auto t = thresholds();
  t.degraded_loss_percent = 10.0;        // DEGRADED above 2 of 20
  t.degraded_clear_loss_percent = 10.0;  // clear at <= 2 of 20 (default 5 %: <= 1 of 20)
  PathStateMachine m(t, kTimeout);
  feed_ok(m, 1, 3);  // history seq 1..3
  m.on_result(lost(4));
  EXPECT_FALSE(m.on_result(ok(5)));  // 1 of 20 = 5 %
  m.on_result(lost(6));
  EXPECT_FALSE(m.on_result(ok(7)));  // 2 of 20 = 10 %, not > 10 %
  m.on_result(lost(8));
  ASSERT_TRUE(m.on_result(ok(9)));  // 3 of 20 = 15 % > 10 %: DEGRADED
  // The history reaches 20 at seq 20; seq 21, 22, 23 evict seq 1..3; seq 24 evicts seq 4's
  // loss: 2 of 20 = 10 % <= 10 %, the first clear probe; the 20th in a row is seq 43 (with
  // the default 5 % it would be seq 45: clear from seq 26, when seq 6's loss leaves).
  EXPECT_FALSE(feed_ok(m, 10, 33));  // seq 10..42
  const auto back = m.on_result(ok(43));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->to, PathState::kUp);
}

}  // namespace
}  // namespace pathwatch::agent
