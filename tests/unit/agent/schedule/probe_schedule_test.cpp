// Probe spreading: phases, no bursts at interval boundaries, catch-up after a stall. Time is
// moved by hand; nothing sleeps.
#include "agent/schedule/probe_schedule.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <map>

#include "agent/schedule/probe_scheduler.hpp"
#include "shared/time/clock.hpp"

namespace pathwatch::agent {
namespace {

using namespace std::chrono_literals;
using shared::MonoNanos;
using shared::Nanos;

const MonoNanos kEpoch{Nanos{5'000'000'000}};

// `targets` targets over `paths` paths each, 1 s interval: flow id = target * paths + path.
std::vector<ScheduleEntry> flows(int targets, int paths, Nanos interval = 1s) {
  std::vector<ScheduleEntry> v;
  for (int t = 0; t < targets; ++t) {
    for (int p = 0; p < paths; ++p) {
      char group[16];
      std::snprintf(group, sizeof group, "t%05d", t);
      v.push_back({static_cast<FlowId>(t * paths + p), group, interval});
    }
  }
  return v;
}

// One flow "a" every `interval`, set up at `start` (phase 0 from kEpoch) with its probe at
// `start` already sent.
ProbeSchedule one_flow_sent_at(MonoNanos start, Nanos interval = 1s) {
  ProbeSchedule s(kEpoch);
  s.set_flows({{0, "a", interval}}, start);
  std::vector<FlowId> due;
  s.take_due(start, due);
  return s;
}

TEST(ProbeScheduleTest, PhasesSpreadGroupsEvenlyAndPathsTogether) {
  ProbeSchedule s(kEpoch);
  s.set_flows(flows(4, 2), kEpoch);
  // 4 groups over 1 s: phases 0, 250, 500, 750 ms; both paths of a target share one.
  EXPECT_EQ(s.phase(0), 0ms);
  EXPECT_EQ(s.phase(1), 0ms);
  EXPECT_EQ(s.phase(2), 250ms);
  EXPECT_EQ(s.phase(3), 250ms);
  EXPECT_EQ(s.phase(6), 750ms);
  EXPECT_EQ(s.phase(7), 750ms);
  EXPECT_FALSE(s.phase(8));
}

TEST(ProbeScheduleTest, ThousandsOfTargetsNeverBurst) {
  // 3000 targets x 2 paths at 1 s: 3000 groups, group i at phase floor(i * 1e9 / 3000) ns,
  // one every 1/3 ms. Stepping the clock to the last nanosecond of each millisecond k
  // releases groups 3k, 3k+1, 3k+2: exactly 6 probes per step, never a burst at the second
  // boundary; over 10 s every flow goes out exactly 10 times (group 2999, phase 999.67 ms,
  // for the 10th time at 9999.67 ms, inside the last step).
  ProbeSchedule s(kEpoch);
  s.set_flows(flows(3000, 2), kEpoch);
  std::map<FlowId, int> per_flow;
  std::vector<FlowId> due;
  std::size_t max_step = 0;
  std::size_t min_step = 1'000'000;
  for (int ms = 0; ms < 10'000; ++ms) {  // bounded: 10000 steps
    due.clear();
    s.take_due(kEpoch + Nanos{ms * 1'000'000LL + 999'999}, due);
    max_step = std::max(max_step, due.size());
    min_step = std::min(min_step, due.size());
    for (auto f : due) ++per_flow[f];
  }
  EXPECT_EQ(max_step, 6u);
  EXPECT_EQ(min_step, 6u);
  ASSERT_EQ(per_flow.size(), 6000u);
  for (const auto& [flow, n] : per_flow) ASSERT_EQ(n, 10) << "flow " << flow;
  EXPECT_EQ(s.skipped(), 0u);
}

TEST(ProbeScheduleTest, IntervalsAreKeptPerFlow) {
  // One target at 10 ms, one at 1 s: the fast one goes out 100 times in a second.
  ProbeSchedule s(kEpoch);
  s.set_flows({{0, "fast", 10ms}, {1, "slow", 1s}}, kEpoch);
  std::map<FlowId, int> count;
  std::vector<FlowId> due;
  for (int ms = 0; ms < 1000; ++ms) {
    due.clear();
    s.take_due(kEpoch + Nanos{ms * 1'000'000LL}, due);
    for (auto f : due) ++count[f];
  }
  EXPECT_EQ(count[0], 100);  // at 0, 10, ..., 990 ms
  EXPECT_EQ(count[1], 1);    // at 0 ms
}

TEST(ProbeScheduleTest, StallSkipsMissedProbesInsteadOfBursting) {
  ProbeSchedule s(kEpoch);
  s.set_flows({{0, "a", 1s}}, kEpoch);
  std::vector<FlowId> due;
  s.take_due(kEpoch, due);  // the probe at 0 s
  ASSERT_EQ(due.size(), 1u);
  due.clear();
  // The loop stalls until 3.5 s: the probe due at 1 s goes now, those of 2 s and 3 s are
  // skipped (2), the next one is at 4 s.
  s.take_due(kEpoch + 3500ms, due);
  EXPECT_EQ(due.size(), 1u);
  EXPECT_EQ(s.skipped(), 2u);
  EXPECT_EQ(s.next_due(), kEpoch + 4s);
}

// Every send time of each flow from `from` to `to` (exclusive), stepping 1 ms.
std::map<FlowId, std::vector<Nanos>> sends(ProbeSchedule& s, Nanos from, Nanos to) {
  std::map<FlowId, std::vector<Nanos>> at;
  std::vector<FlowId> due;
  for (Nanos t = from; t < to; t += 1ms) {  // bounded: (to - from) / 1 ms steps
    due.clear();
    s.take_due(kEpoch + t, due);
    for (auto f : due) at[f].push_back(t);
  }
  return at;
}

TEST(ProbeScheduleTest, HurryProbesEveryFlowFasterOnSubSlotsThenReturnsToItsPhase) {
  // Two targets x two paths at 1 s: phases 0 and 500 ms. At 1.3 s the agent hurries 5 x
  // until 2.3 s: sub-slots every 200 ms from each phase.
  ProbeSchedule s(kEpoch);
  s.set_flows(flows(2, 2), kEpoch);
  auto before = sends(s, 0ms, 1300ms);
  EXPECT_EQ(before[0], (std::vector<Nanos>{0ms, 1000ms}));
  EXPECT_EQ(before[2], (std::vector<Nanos>{500ms}));
  EXPECT_TRUE(s.hurry(5, kEpoch + 2300ms, kEpoch + 1300ms).began);
  EXPECT_TRUE(s.hurrying(kEpoch + 2299ms));
  auto during = sends(s, 1300ms, 3600ms);
  // Target 0 (phase 0): sub-slots 1.4 .. 2.2 s, then its own slots 3 s again.
  EXPECT_EQ(during[0], (std::vector<Nanos>{1400ms, 1600ms, 1800ms, 2000ms, 2200ms, 3000ms}));
  // Target 1 (phase 500 ms, sub-slots at 100 ms + k x 200 ms): brought forward from 1.5 s to
  // 1.3 s + 1 ns's next sub-slot, 1.5 s; back on 2.5, 3.5 s after the hurry.
  EXPECT_EQ(during[2], (std::vector<Nanos>{1500ms, 1700ms, 1900ms, 2100ms, 2500ms, 3500ms}));
  // Both paths of a target still leave together.
  EXPECT_EQ(during[0], during[1]);
  EXPECT_EQ(during[2], during[3]);
  EXPECT_FALSE(s.hurrying(kEpoch + 2300ms));
  EXPECT_EQ(s.skipped(), 0u);
}

// A steady flow (hop probes: routers rate-limit their answers) keeps its own slots through a
// hurry while the others speed up.
TEST(ProbeScheduleTest, SteadyFlowsAreNeverHurried) {
  ProbeSchedule s(kEpoch);
  auto entries = flows(1, 1);
  entries.push_back({1, "t00000|hops", 1s, true});
  s.set_flows(entries, kEpoch);
  (void)sends(s, 0ms, 1300ms);
  EXPECT_TRUE(s.hurry(5, kEpoch + 2300ms, kEpoch + 1300ms).began);
  auto during = sends(s, 1300ms, 3600ms);
  EXPECT_EQ(during[0], (std::vector<Nanos>{1400ms, 1600ms, 1800ms, 2000ms, 2200ms, 3000ms}));
  // Phase 500 ms (second group of two at 1 s): 1.5, 2.5, 3.5 s as without the hurry.
  EXPECT_EQ(during[1], (std::vector<Nanos>{1500ms, 2500ms, 3500ms}));
}

TEST(ProbeScheduleTest, HurryUnderWayIsExtendedNotRestarted) {
  ProbeSchedule s = one_flow_sent_at(kEpoch);
  EXPECT_TRUE(s.hurry(4, kEpoch + 1s, kEpoch + 100ms).began);
  const auto extended = s.hurry(4, kEpoch + 2s, kEpoch + 600ms);
  EXPECT_FALSE(extended.began);
  EXPECT_FALSE(extended.rescheduled);  // every flow is on its sub-slots already
  const auto none = s.hurry(1, kEpoch + 5s, kEpoch + 600ms);  // factor 1: no hurry
  EXPECT_FALSE(none.began || none.rescheduled);
  auto at = sends(s, 101ms, 3100ms);
  // Sub-slots every 250 ms until 2 s (its own slot again), then 3 s.
  EXPECT_EQ(at[0], (std::vector<Nanos>{250ms, 500ms, 750ms, 1000ms, 1250ms, 1500ms, 1750ms, 2000ms,
                                       3000ms}));
}

// Sending at each due time exactly (not in 1 ms steps), the times of flow 0 from `start` until
// `until`, relative to `start`.
std::vector<Nanos> exact_sends(ProbeSchedule& s, MonoNanos start, MonoNanos until) {
  std::vector<Nanos> at;
  std::vector<FlowId> due;
  for (int i = 0; i < 1000 && s.next_due() && *s.next_due() < until; ++i) {  // bounded
    const MonoNanos t = *s.next_due();
    due.clear();
    s.take_due(t, due);
    for (auto f : due) {
      if (f == 0) at.push_back(t - start);
    }
  }
  return at;
}

TEST(ProbeScheduleTest, HurryEndsOnTheOwnSlotsWhenTheFactorDoesNotDivideTheInterval) {
  // 1 s at 3 x: sub-slots 0, 333 333 333 and 666 666 666 ns into each interval. An hour after
  // the epoch they still line up with the flow's own slots; were they every 333 333 333 ns
  // from the epoch instead, they would have drifted 3.6 us, and the step back onto the own
  // slot at the hurry's end would send a second probe 3.6 us after the last sub-slot.
  const MonoNanos start = kEpoch + 3600s;
  ProbeSchedule s = one_flow_sent_at(start);
  s.hurry(3, start + 2500ms, start);
  const Nanos third{333'333'333};
  const Nanos two_thirds{666'666'666};
  EXPECT_EQ(exact_sends(s, start, start + 5s),
            (std::vector<Nanos>{third, two_thirds, 1s, 1s + third, 1s + two_thirds, 2s, 2s + third,
                                3s, 4s}));
  EXPECT_EQ(s.skipped(), 0u);
}

TEST(ProbeScheduleTest, ExtendingAHurryBringsBackFlowsAlreadyHandedBackToTheirOwnSlots) {
  // 1 s at 5 x until 1.15 s: after the sub-slot at 1.0 s the next one, 1.2 s, lies past the
  // end, so the flow is handed back to its own slot, 2 s. The hurry extended at 1.1 s to 3 s
  // brings it back to 1.2 s instead of leaving it a whole interval behind its neighbours.
  ProbeSchedule s = one_flow_sent_at(kEpoch);
  s.hurry(5, kEpoch + 1150ms, kEpoch + 100ms);
  EXPECT_EQ(sends(s, 101ms, 1100ms)[0], (std::vector<Nanos>{200ms, 400ms, 600ms, 800ms, 1000ms}));
  EXPECT_EQ(s.next_due(), kEpoch + 2s);
  EXPECT_TRUE(s.hurry(5, kEpoch + 3s, kEpoch + 1100ms).rescheduled);
  EXPECT_EQ(s.next_due(), kEpoch + 1200ms);
}

TEST(ProbeScheduleTest, AnExtensionShortOfAHeldBackSubSlotRebuildsNothing) {
  // A 60 s flow at 5 x has sub-slots every 12 s: a 3 s hurry holds it back from 12 s. The
  // extensions a sustained doubt brings (one per doubting result) leave the queue alone until
  // one reaches 12 s.
  ProbeSchedule s(kEpoch);
  s.set_flows({{0, "a", 1s}, {1, "b", 60s}}, kEpoch);
  std::vector<FlowId> due;
  s.take_due(kEpoch, due);
  EXPECT_TRUE(s.hurry(5, kEpoch + 3s, kEpoch + 100ms).rescheduled);
  for (auto t = 1s; t <= 8s; t += 1s) {  // bounded: 8 extensions
    EXPECT_FALSE(s.hurry(5, kEpoch + t + 3s, kEpoch + t).rescheduled) << t.count();
  }
  EXPECT_TRUE(s.hurry(5, kEpoch + 13s, kEpoch + 9s).rescheduled);
  EXPECT_EQ(sends(s, 9001ms, 12001ms)[1], std::vector<Nanos>{12s});
}

TEST(ProbeScheduleTest, AStallAcrossTheHurrysEndCountsTheProbesItReallySkipped) {
  // 1 s at 5 x until 2.05 s. The loop stalls from 1.6 s to 2.5 s: the probe due at 1.8 s goes
  // then, the sub-slot at 2.0 s is skipped (1), and the flow is back on its own slot, 3 s.
  ProbeSchedule s = one_flow_sent_at(kEpoch);
  std::vector<FlowId> due;
  s.take_due(kEpoch + 1s, due);
  s.hurry(5, kEpoch + 2050ms, kEpoch + 1500ms);
  s.take_due(kEpoch + 1600ms, due);
  s.take_due(kEpoch + 2500ms, due);
  EXPECT_EQ(due.size(), 3u);  // at 1.0, 1.6 and (due at 1.8) 2.5 s
  EXPECT_EQ(s.skipped(), 1u);
  EXPECT_EQ(s.next_due(), kEpoch + 3s);
}

TEST(ProbeScheduleTest, ReloadEndsAHurry) {
  // The hurry's factor suited the old flows; the caller starts it again at the new ones' pace.
  ProbeSchedule s(kEpoch);
  s.set_flows({{0, "a", 1s}}, kEpoch);
  s.hurry(5, kEpoch + 3s, kEpoch + 100ms);
  s.set_flows({{0, "a", 1s}, {1, "b", 1s}}, kEpoch + 200ms);
  EXPECT_FALSE(s.hurrying(kEpoch + 200ms));
  EXPECT_EQ(s.hurry_factor(kEpoch + 200ms), 1u);
  EXPECT_EQ(s.next_due(), kEpoch + 500ms);  // b's own slot; a's is at 1 s
}

TEST(ProbeScheduleTest, AReloadThatMovesPhasesDoesNotProbeAKeptFlowTwiceInAMoment) {
  // Groups a, b at 1 s: phases 0 and 500 ms. A reload at 600 ms adds a0: phases 0, 333, 667
  // ms, so b's new slot (667 ms) lies 167 ms after its last probe (500 ms). It goes at 1.667 s
  // instead, half an interval or more after that probe; a keeps its 1 s, a0 starts at 1.333 s.
  ProbeSchedule s(kEpoch);
  s.set_flows({{0, "a", 1s}, {1, "b", 1s}}, kEpoch);
  sends(s, 0ms, 501ms);
  s.set_flows({{0, "a", 1s}, {1, "b", 1s}, {2, "a0", 1s}}, kEpoch + 600ms);
  const auto after = sends(s, 600ms, 2001ms);
  EXPECT_EQ(after.at(0), (std::vector<Nanos>{1000ms, 2000ms}));
  EXPECT_EQ(after.at(1), std::vector<Nanos>{1667ms});  // taken in 1 ms steps
  EXPECT_EQ(after.at(2), std::vector<Nanos>{1334ms});
}

TEST(ProbeScheduleTest, HurryShorterThanASubIntervalBringsNothingForward) {
  // 60 s interval, 5 x: sub-slots every 12 s, but the hurry lasts 3 s: no probe in it, and
  // the flow keeps its own next slot.
  ProbeSchedule s = one_flow_sent_at(kEpoch, 60s);
  s.hurry(5, kEpoch + 4s, kEpoch + 1s);
  EXPECT_EQ(s.next_due(), kEpoch + 60s);
}

TEST(ProbeScheduleTest, ReloadKeepsPhasesRelativeToEpoch) {
  ProbeSchedule s(kEpoch);
  s.set_flows({{0, "a", 1s}, {1, "b", 1s}}, kEpoch);
  // Reload at 2.6 s with the same flows: b (phase 500 ms) is next due at 3.5 s.
  s.set_flows({{0, "a", 1s}, {1, "b", 1s}}, kEpoch + 2600ms);
  EXPECT_EQ(s.next_due(), kEpoch + 3s);
  std::vector<FlowId> due;
  s.take_due(kEpoch + 3s, due);
  ASSERT_EQ(due, std::vector<FlowId>{0});
  EXPECT_EQ(s.next_due(), kEpoch + 3500ms);
}

TEST(ProbeSchedulerTest, TimerDrivesSendsFromTheInjectedClock) {
  // The Asio driver with a manual clock: the timer's distance is computed from the manual
  // clock, so with the clock moved past the due time every wait is already expired and
  // run_one() returns at once (no sleeping).
  boost::asio::io_context io;
  shared::ManualClock clock;
  std::vector<FlowId> sent;
  ProbeScheduler scheduler(io, clock, [&](FlowId f) { sent.push_back(f); });
  scheduler.set_flows({{7, "a", 1s}, {8, "b", 1s}});
  io.poll();  // due at 0: flow 7 (phase 0); flow 8 is due at 500 ms
  ASSERT_EQ(sent, std::vector<FlowId>{7});
  clock.advance(500ms);
  scheduler.set_flows({{7, "a", 1s}, {8, "b", 1s}});  // re-arm against the moved clock
  io.restart();
  io.poll();
  EXPECT_EQ(sent, (std::vector<FlowId>{7, 8}));
  scheduler.stop();
  clock.advance(10s);
  io.restart();
  io.poll();
  EXPECT_EQ(sent.size(), 2u);  // nothing after stop
}

}  // namespace
}  // namespace pathwatch::agent
