// ObservationBoard: recent loss from window summaries (an up measurement between random
// losses does not prove its segments undegraded), over hand-made rows.
#include "collector/incident/observation_board.hpp"

#include <gtest/gtest.h>

#include "tests/unit/collector/incident/lab_rows.hpp"

namespace pathwatch::collector::incident {
namespace {

using testing::change;
using testing::t;

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

bool recent_loss(const ObservationBoard& b, int at) {
  const auto set = b.snapshot(t(at));
  EXPECT_EQ(set.observations.size(), 1u);
  return !set.observations.empty() && set.observations[0].recent_loss;
}

TEST(ObservationBoardTest, UpWithLossInItsWindowsIsNotCleanUntilTenAnswersInARow) {
  ObservationBoard b;
  b.apply(change("main-agent", "primary", "asp-app", PathState::kUp, 0));
  EXPECT_FALSE(recent_loss(b, 0));        // no window yet: nothing lost
  EXPECT_TRUE(b.apply(window(1, 2, 1)));  // 1 of 2 lost: recent loss (a change)
  EXPECT_TRUE(recent_loss(b, 1));
  // 2 answers per window: clean after 5 windows (10 answers in a row = kCleanProbes).
  for (int end = 2; end <= 5; ++end) {
    EXPECT_FALSE(b.apply(window(end, 2, 0)));
    EXPECT_TRUE(recent_loss(b, end));
  }
  EXPECT_TRUE(b.apply(window(6, 2, 0)));
  EXPECT_FALSE(recent_loss(b, 6));
  EXPECT_EQ(b.settled_at(t(6)), t(6));  // the flip is evidence: settled when it happened
}

TEST(ObservationBoardTest, LossWhileDownIsNoNewEvidence) {
  // Down at t(1): its windows lose everything, which changes nothing isolation reads, so
  // settled_at stays at the state change (t(1)), not the later window ends.
  ObservationBoard b;
  b.apply(change("main-agent", "primary", "asp-app", PathState::kUp, 0));
  b.apply(change("main-agent", "primary", "asp-app", PathState::kDown, 1));
  StoredWindow w = window(2, 2, 2);
  w.state = PathState::kDown;
  EXPECT_FALSE(b.apply(w));
  EXPECT_EQ(b.settled_at(t(2)), t(1));
  EXPECT_FALSE(b.snapshot(t(2)).observations[0].recent_loss);
}

TEST(ObservationBoardTest, AnOlderWindowDoesNotTouchRecentLoss) {
  ObservationBoard b;
  b.apply(window(5, 2, 0));
  EXPECT_FALSE(b.apply(window(3, 2, 2)));  // late and older: ignored
  EXPECT_FALSE(recent_loss(b, 5));
}

}  // namespace
}  // namespace pathwatch::collector::incident
