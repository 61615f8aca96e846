// ObservationBoard: window counts kept for the loss ranking, liveness, looking back; over
// hand-made rows.
#include "collector/incident/observation_board.hpp"

#include <gtest/gtest.h>

#include "tests/unit/collector/incident/lab_rows.hpp"

namespace pathwatch::collector::incident {
namespace {

using testing::change;
using testing::t;
using ObservedStateT = isolation::ObservedState;

StoredWindow window(int end, std::uint32_t sent, std::uint32_t lost) {
  StoredWindow w;
  w.flow.agent_id = "main-agent";
  w.flow.site = "main";
  w.flow.path = "primary";
  w.flow.target = "asp-app";
  w.start = t(end - 1);
  w.end = t(end);
  w.sent = sent;
  w.received = sent - lost;
  w.lost = lost;
  w.state = PathState::kUp;
  return w;
}

std::vector<isolation::WindowCounts> windows_at(const ObservationBoard& b, int at) {
  const auto set = b.snapshot(t(at));
  EXPECT_EQ(set.observations.size(), 1u);
  return set.observations.empty() ? std::vector<isolation::WindowCounts>{}
                                  : set.observations[0].windows;
}

// Windows keep their counts (the newest kRecentWindows, in data-time order, late ones
// sorted in); a snapshot at t holds those that ended by t. Around a loss they are evidence:
// a lossy window, and the windows after it, move settled_at; a clean flow's windows do not.
TEST(ObservationBoardTest, WindowCountsAreKeptInOrderAndMatterAroundALoss) {
  ObservationBoard b;
  b.apply(change("main-agent", "primary", "asp-app", PathState::kUp, 0));
  EXPECT_TRUE(windows_at(b, 0).empty());
  EXPECT_FALSE(b.apply(window(1, 2, 0)));  // clean, and nothing lost before: no news
  EXPECT_EQ(b.settled_at(t(1)), t(0));
  EXPECT_TRUE(b.apply(window(3, 2, 1)));  // 1 of 2 lost
  EXPECT_EQ(b.settled_at(t(3)), t(3));
  EXPECT_TRUE(b.apply(window(2, 2, 0)));   // late, sorted in; after a loss: evidence
  EXPECT_FALSE(b.apply(window(2, 2, 0)));  // a duplicate
  const auto w = windows_at(b, 3);
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[0].end, t(1));
  EXPECT_EQ(w[1].end, t(2));
  EXPECT_EQ(w[2].end, t(3));
  EXPECT_EQ(w[2].lost, 1u);
  EXPECT_EQ(windows_at(b, 2).size(), 2u);  // as of t(2): the lossy one had not ended
  for (int end = 4; end < 4 + static_cast<int>(MeasurementState::kRecentWindows); ++end) {
    b.apply(window(end, 2, 0));
  }
  const auto all = windows_at(b, 100);
  ASSERT_EQ(all.size(), MeasurementState::kRecentWindows);
  EXPECT_EQ(all.front().end, t(4));        // bounded: the oldest went
  EXPECT_FALSE(b.apply(window(2, 2, 2)));  // older than everything kept: ignored
}

TEST(ObservationBoardTest, LossWhileDownIsNoNewEvidence) {
  // Down at t(1): its windows lose everything, which is no evidence of random loss, so
  // settled_at stays at the state change (t(1)), not the later window ends.
  ObservationBoard b;
  b.apply(change("main-agent", "primary", "asp-app", PathState::kUp, 0));
  b.apply(change("main-agent", "primary", "asp-app", PathState::kDown, 1));
  StoredWindow w = window(2, 2, 2);
  w.state = PathState::kDown;
  EXPECT_FALSE(b.apply(w));
  EXPECT_EQ(b.settled_at(t(2)), t(1));
  EXPECT_TRUE(b.change_times(t(0), t(2)) == std::vector<shared::UtcNanos>{t(1)});
}

ObservedStateT state_at(const ObservationBoard& b, shared::UtcNanos at) {
  const auto set = b.snapshot(at);
  EXPECT_EQ(set.observations.size(), 1u);
  return set.observations.empty() ? ObservedStateT::kUnknown : set.observations[0].state;
}

// Heartbeats keep an agent's last state standing: with stale_after 1 s, a state change at
// t(0) and messages heard every 250 ms up to t(10), the state holds at t(11) (10 + 1 s) and is
// unknown just after; settled_at then says t(11), when it fell silent.
TEST(ObservationBoardTest, AHeardAgentsStateHoldsUntilItFallsSilent) {
  using std::chrono::milliseconds;
  ObservationBoard b(std::chrono::seconds{1});
  b.apply(change("main-agent", "primary", "asp-app", PathState::kDown, 0));
  EXPECT_TRUE(b.heard("main-agent", t(0)));  // first heard: a change
  for (int ms = 250; ms <= 10000; ms += 250) {
    EXPECT_FALSE(b.heard("main-agent", t(0) + milliseconds{ms}));  // no silence in between
  }
  EXPECT_EQ(state_at(b, t(11)), ObservedStateT::kDown);
  EXPECT_EQ(state_at(b, t(11) + milliseconds{1}), ObservedStateT::kUnknown);
  EXPECT_EQ(b.settled_at(t(12)), t(11));
  EXPECT_EQ(b.latest(), t(10));
  // Heard again after the silence: its measurements count again (a change).
  EXPECT_TRUE(b.heard("main-agent", t(13)));
  EXPECT_EQ(state_at(b, t(13)), ObservedStateT::kDown);
}

// A measurement the agent stopped reporting (its target removed) goes unknown although the
// agent is heard from: after max(stale_after, 2 windows) = max(1 s, 2 x 2 s) = 4 s.
TEST(ObservationBoardTest, AMeasurementNoLongerReportedGoesUnknown) {
  ObservationBoard b(std::chrono::seconds{1});
  StoredWindow w = window(10, 2, 0);
  w.start = t(8);  // a 2 s window
  b.apply(w);
  for (int s = 11; s <= 20; ++s) b.heard("main-agent", t(s));
  EXPECT_EQ(state_at(b, t(14)), ObservedStateT::kUp);
  EXPECT_EQ(state_at(b, t(15)), ObservedStateT::kUnknown);
}

// Looking back: snapshot_as_of(t) undoes every change after t; change_times lists the change
// instants and the instants measurements fell silent, newest first.
TEST(ObservationBoardTest, SnapshotAsOfAnEarlierInstantUndoesLaterChanges) {
  ObservationBoard b(std::chrono::seconds{5});
  b.apply(change("main-agent", "primary", "asp-app", PathState::kUp, 0));
  b.apply(change("main-agent", "backup", "asp-app", PathState::kUp, 0));
  b.apply(change("main-agent", "primary", "asp-app", PathState::kDown, 2));
  b.apply(change("main-agent", "primary", "asp-app", PathState::kDown, 3, 0, 0, "198.18.20.2"));
  b.apply(change("main-agent", "backup", "asp-app", PathState::kDegraded, 4));
  b.heard("main-agent", t(4));
  // 19: silent (4 + 3 x 5 s: an agent with a degraded measurement, whose reports the loss
  // may be stalling, is given 3 x stale_after).
  EXPECT_EQ(b.change_times(t(0), t(20)), (std::vector<shared::UtcNanos>{t(19), t(4), t(3), t(2)}));
  const auto now = b.snapshot(t(4));
  ASSERT_EQ(now.observations.size(), 2u);  // backup, primary (the board's key order)
  EXPECT_EQ(now.observations[0].state, ObservedStateT::kDegraded);
  EXPECT_EQ(now.observations[1].state, ObservedStateT::kDown);
  ASSERT_TRUE(now.observations[1].icmp.has_value());
  const auto at2 = b.snapshot_as_of(t(2));
  EXPECT_EQ(at2.observations[0].state, ObservedStateT::kUp);
  EXPECT_EQ(at2.observations[1].state, ObservedStateT::kDown);
  EXPECT_FALSE(at2.observations[1].icmp.has_value());  // the evidence came at t(3)
  const auto at1 = b.snapshot_as_of(t(1));
  EXPECT_EQ(at1.observations[1].state, ObservedStateT::kUp);
  EXPECT_EQ(b.snapshot(t(4)).observations[1].state, ObservedStateT::kDown);  // board untouched
  b.forget_before(t(3));
  EXPECT_EQ(b.journal_floor(), t(3));
  EXPECT_EQ(b.change_times(b.journal_floor(), t(20)), (std::vector<shared::UtcNanos>{t(19), t(4)}));
}

// Silence from a clean state is a cut; from a lossy one (a degraded measurement) it may be
// the agent's reports stalled by that loss, which they cross: tolerated 3 x stale_after.
TEST(ObservationBoardTest, AnAgentLosingProbesIsGivenLongerBeforeItsSilenceCounts) {
  ObservationBoard b(std::chrono::seconds{1});
  b.apply(change("main-agent", "primary", "asp-app", PathState::kUp, 0));
  b.heard("main-agent", t(10));
  EXPECT_EQ(state_at(b, t(11)), ObservedStateT::kUp);
  EXPECT_EQ(state_at(b, t(11) + std::chrono::milliseconds{1}), ObservedStateT::kUnknown);
  b.apply(change("main-agent", "primary", "asp-app", PathState::kDegraded, 10));
  EXPECT_EQ(state_at(b, t(13)), ObservedStateT::kDegraded);
  EXPECT_EQ(state_at(b, t(13) + std::chrono::milliseconds{1}), ObservedStateT::kUnknown);
  EXPECT_EQ(b.settled_at(t(20)), t(13));
  // With 1 s windows too (a measurement's own cadence bounds its silence as well).
  StoredWindow w = window(11, 2, 1);
  w.state = PathState::kDegraded;
  b.apply(w);
  b.heard("main-agent", t(11));
  EXPECT_EQ(state_at(b, t(14)), ObservedStateT::kDegraded);
  EXPECT_EQ(state_at(b, t(14) + std::chrono::milliseconds{1}), ObservedStateT::kUnknown);
}

}  // namespace
}  // namespace pathwatch::collector::incident
