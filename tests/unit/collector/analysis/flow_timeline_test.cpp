// Timelines from rows (collector/analysis/flow_timeline): coverage by sessions, and unknown
// until a new session's first observation (issue 16 item 7). Times are JST wall clock.
#include "collector/analysis/flow_timeline.hpp"

#include <gtest/gtest.h>

#include "collector/analysis/availability.hpp"
#include "tests/unit/collector/analysis/test_rows.hpp"

namespace pathwatch::collector {
namespace {

using namespace testing;

const auto kDay = 2026y / November / 5;

TEST(MaskByCoverage, UnknownOutsideSessionsAndUntilASessionsFirstPoint) {
  // Raw: up at 10:00, down at 10:10, up again at 10:30:03 (the restarted agent's first report).
  // Coverage: [10:00, 10:20) and [10:30, 11:00): silence 10:20-10:30.
  const std::vector<StateStep> raw{{jst(kDay, 10), PathState::kUp},
                                   {jst(kDay, 10, 10), PathState::kDown},
                                   {jst(kDay, 10, 30, 3), PathState::kUp}};
  const IntervalSet coverage(std::vector<Interval>{{jst(kDay, 10), jst(kDay, 10, 20)},
                                                   {jst(kDay, 10, 30), jst(kDay, 11)}});
  const std::vector<StateStep> expected{
      {jst(kDay, 10), PathState::kUp},
      {jst(kDay, 10, 10), PathState::kDown},
      {jst(kDay, 10, 20), PathState::kUnknown},  // silence
      // 10:30:00-10:30:03: covered, but nothing observed yet in the new session: still unknown
      // (before issue 16 item 7 the pre-silence "down" came back here for 3 s).
      {jst(kDay, 10, 30, 3), PathState::kUp},
      {jst(kDay, 11), PathState::kUnknown}};
  EXPECT_EQ(mask_by_coverage(raw, coverage), expected);
}

TEST(MaskByCoverage, APointAtTheSessionStartCountsAtOnce) {
  // The replay's agent reports at the instant it starts again: no unknown gap after 10:30.
  const std::vector<StateStep> raw{{jst(kDay, 10), PathState::kUp},
                                   {jst(kDay, 10, 30), PathState::kDown}};
  const IntervalSet coverage(std::vector<Interval>{{jst(kDay, 10), jst(kDay, 10, 20)},
                                                   {jst(kDay, 10, 30), jst(kDay, 11)}});
  const std::vector<StateStep> expected{{jst(kDay, 10), PathState::kUp},
                                        {jst(kDay, 10, 20), PathState::kUnknown},
                                        {jst(kDay, 10, 30), PathState::kDown},
                                        {jst(kDay, 11), PathState::kUnknown}};
  EXPECT_EQ(mask_by_coverage(raw, coverage), expected);
}

TEST(ObservationIndex, RestartAfterSilenceIsUnknownUntilTheFirstWindowEnd) {
  // A TCP flow probed every 60 s: its agent is silent 10:20-10:30, sends its Hello at 10:30 (the
  // session starts) and its first window ends at 10:32 (2 probes before the state is known).
  // Before the silence the flow was down. 10:30-10:32 is unknown, not down: 120 s.
  const FlowRef f = flow("honcho", "app", "primary");
  const std::vector<StoredStateChange> changes{change(f, jst(kDay, 10), PathState::kUp),
                                               change(f, jst(kDay, 10, 10), PathState::kDown)};
  const std::vector<StoredWindow> windows{
      window(f, jst(kDay, 10, 31), jst(kDay, 10, 32), 1, 1, PathState::kUp)};
  const std::vector<AgentSession> sessions{session("honcho", jst(kDay, 10), jst(kDay, 10, 20)),
                                           session("honcho", jst(kDay, 10, 30), jst(kDay, 11))};
  const ObservationIndex index(ObservationRows{changes, windows, sessions});
  ASSERT_EQ(index.flows().size(), 1u);
  const auto& t = index.flows()[0].timeline;
  EXPECT_EQ(t.state_at(jst(kDay, 10, 15)), PathState::kDown);
  EXPECT_EQ(t.state_at(jst(kDay, 10, 25)), PathState::kUnknown);
  EXPECT_EQ(t.state_at(jst(kDay, 10, 30)), PathState::kUnknown);      // was kDown
  EXPECT_EQ(t.state_at(jst(kDay, 10, 31, 59)), PathState::kUnknown);  // was kDown
  EXPECT_EQ(t.state_at(jst(kDay, 10, 32)), PathState::kUp);
}

TEST(ObservationIndex, RestartAfterSilenceCountsUnknownInTheFigure) {
  // The service's month with one restart: sessions Nov 1-10 00:00 and Nov 10 02:00-Dec 1, the
  // flows up from Nov 1; after the restart the first report comes 3 s late (3 probes at 1 s).
  // Unknown = 120 min silence + 3 s = 7,203 s; before issue 16 item 7 it was 7,200 s (the 3 s
  // counted as provided with the pre-silence state).
  const FlowRef primary = flow("honcho", "app", "primary");
  const std::vector<StoredStateChange> changes{
      change(primary, jst(2026y / November / 1), PathState::kUp),
      change(primary, jst(2026y / November / 10, 2, 0, 3), PathState::kUp)};
  const std::vector<AgentSession> sessions{
      session("honcho", jst(2026y / November / 1), jst(2026y / November / 10)),
      session("honcho", jst(2026y / November / 10, 2), jst(2026y / December / 1))};
  const ObservationIndex index(ObservationRows{changes, {}, sessions});
  HolidaySet holidays;
  std::map<std::string, ServiceCalendar> calendars{{"24x7", ServiceCalendar{}}};
  ServiceSpec service;
  service.name = "juki";
  service.targets = {"app"};
  service.reference_sites = {"honcho"};
  const AvailabilityContext ctx{&index, &holidays, &calendars, {}};
  const auto fig = compute_month_availability(service, ctx, 2026y / November);
  EXPECT_EQ(fig.unknown, std::chrono::seconds{7203});
  EXPECT_EQ(fig.provided, std::chrono::minutes{43200} - std::chrono::seconds{7203});
  EXPECT_EQ(fig.unavailable, shared::Nanos{0});
}

}  // namespace
}  // namespace pathwatch::collector
