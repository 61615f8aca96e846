// Availability by hand-computed cases: each expectation's arithmetic is in its comment.
#include "collector/analysis/availability.hpp"

#include <gtest/gtest.h>

#include "tests/unit/collector/analysis/test_rows.hpp"

namespace pathwatch::collector {
namespace {

using namespace testing;

class AvailabilityTest : public ::testing::Test {
 protected:
  AvailabilityTest() {
    holidays_.add_all(load_holiday_file("etc/holidays/jp.yaml"));
    ServiceCalendar business;
    business.name = "business";
    business.kind = ServiceCalendar::Kind::kBusinessHours;
    calendars_.emplace("24x7", ServiceCalendar{});
    calendars_.emplace("business", business);
    service_.name = "juki";
    service_.targets = {"app"};
    service_.reference_sites = {"honcho"};
  }

  AvailabilityFigure month(std::chrono::year_month m) {
    ObservationIndex index(ObservationRows{changes_, windows_, sessions_});
    AvailabilityContext ctx{&index, &holidays_, &calendars_, maintenance_};
    return compute_month_availability(service_, ctx, m);
  }
  AvailabilityFigure range(Interval r) {
    ObservationIndex index(ObservationRows{changes_, windows_, sessions_});
    AvailabilityContext ctx{&index, &holidays_, &calendars_, maintenance_};
    return compute_availability(service_, ctx, r);
  }
  // The agent is up from `from` to `to` on both paths, and its session covers it.
  void all_up(shared::UtcNanos from, shared::UtcNanos to) {
    sessions_.push_back(session("honcho", from, to));
    changes_.push_back(change(primary_, from, PathState::kUp));
    changes_.push_back(change(backup_, from, PathState::kUp));
  }
  void outage(const FlowRef& f, shared::UtcNanos from, shared::UtcNanos to) {
    changes_.push_back(change(f, from, PathState::kDown));
    changes_.push_back(change(f, to, PathState::kUp));
  }

  HolidaySet holidays_;
  std::map<std::string, ServiceCalendar> calendars_;
  ServiceSpec service_;
  std::vector<StoredStateChange> changes_;
  std::vector<StoredWindow> windows_;
  std::vector<AgentSession> sessions_;
  std::vector<MaintenanceWindow> maintenance_;
  FlowRef primary_ = flow("honcho", "app", "primary");
  FlowRef backup_ = flow("honcho", "app", "backup");
};

TEST_F(AvailabilityTest, OutageAcrossJstMonthBoundarySplits10And20Minutes) {
  all_up(jst(2026y / October / 1), jst(2026y / December / 1));
  // Both paths down 2026-10-31 23:50 JST → 2026-11-01 00:20 JST.
  outage(primary_, jst(2026y / October / 31, 23, 50), jst(2026y / November / 1, 0, 20));
  outage(backup_, jst(2026y / October / 31, 23, 50), jst(2026y / November / 1, 0, 20));

  const auto oct = month(2026y / October);
  // October: 31 days = 44,640 min; 10 min down → 44,630 / 44,640 = 99.977599 %.
  EXPECT_EQ(oct.scheduled, minutes{44640});
  EXPECT_EQ(oct.unavailable, minutes{10});
  EXPECT_EQ(oct.provided, minutes{44630});
  EXPECT_EQ(oct.unknown, minutes{0});
  EXPECT_NEAR(*oct.percent, 100.0 * 44630 / 44640, 1e-9);

  const auto nov = month(2026y / November);
  // November: 30 days = 43,200 min; 20 min down → 43,180 / 43,200 = 99.953704 %.
  // Budget (1 − 0.998) × 43,200 = 86.4 min; left 86.4 − 20 = 66.4 min.
  EXPECT_EQ(nov.scheduled, minutes{43200});
  EXPECT_EQ(nov.unavailable, minutes{20});
  EXPECT_NEAR(*nov.percent, 100.0 * 43180 / 43200, 1e-9);
  EXPECT_TRUE(nov.met);
  EXPECT_NEAR(nov.budget_minutes, 86.4, 1e-9);
  EXPECT_NEAR(nov.budget_left_minutes, 66.4, 1e-9);
  ASSERT_EQ(nov.unavailable_periods.intervals().size(), 1u);
  EXPECT_EQ(nov.unavailable_periods.intervals()[0],
            (Interval{jst(2026y / November / 1), jst(2026y / November / 1, 0, 20)}));
}

TEST_F(AvailabilityTest, LeapYearFebruary2028) {
  all_up(jst(2028y / January / 1), jst(2028y / April / 1));
  outage(primary_, jst(2028y / February / 29, 12), jst(2028y / February / 29, 13));
  outage(backup_, jst(2028y / February / 29, 12), jst(2028y / February / 29, 13));
  const auto f = month(2028y / February);
  // 29 days = 41,760 min; 60 min down on the 29th → 41,700 / 41,760 = 99.856322 %.
  // Budget 0.002 × 41,760 = 83.52 min; left 23.52.
  EXPECT_EQ(f.scheduled, minutes{41760});
  EXPECT_EQ(f.unavailable, minutes{60});
  EXPECT_NEAR(*f.percent, 100.0 * 41700 / 41760, 1e-9);
  EXPECT_NEAR(f.budget_minutes, 83.52, 1e-9);
  EXPECT_NEAR(f.budget_left_minutes, 23.52, 1e-9);
  EXPECT_TRUE(f.met);
}

TEST_F(AvailabilityTest, MaintenanceOverlappingAnOutage) {
  all_up(jst(2026y / November / 1), jst(2026y / December / 1));
  // Down 01:00-03:00 JST on the 10th; planned maintenance 02:00-04:00 the same night.
  outage(primary_, jst(2026y / November / 10, 1), jst(2026y / November / 10, 3));
  outage(backup_, jst(2026y / November / 10, 1), jst(2026y / November / 10, 3));
  maintenance_.push_back({{jst(2026y / November / 10, 2), jst(2026y / November / 10, 4)}, {}, ""});
  const auto f = month(2026y / November);
  // scheduled 43,200; excluded 120; counted 43,080; down only 01:00-02:00 = 60 (02:00-03:00 is
  // inside maintenance) → 43,020 / 43,080 = 99.860724 %. Budget 0.002 × 43,080 = 86.16.
  EXPECT_EQ(f.excluded, minutes{120});
  EXPECT_EQ(f.unavailable, minutes{60});
  EXPECT_EQ(f.provided, minutes{43020});
  EXPECT_NEAR(*f.percent, 100.0 * 43020 / 43080, 1e-9);
  EXPECT_NEAR(f.budget_minutes, 86.16, 1e-9);
  EXPECT_NEAR(f.budget_left_minutes, 26.16, 1e-9);
}

TEST_F(AvailabilityTest, MaintenanceForAnotherServiceDoesNotApply) {
  all_up(jst(2026y / November / 1), jst(2026y / December / 1));
  maintenance_.push_back(
      {{jst(2026y / November / 10, 2), jst(2026y / November / 10, 4)}, {"other"}, ""});
  EXPECT_EQ(month(2026y / November).excluded, minutes{0});
}

TEST_F(AvailabilityTest, BusinessHoursAcrossWeekendAndHoliday) {
  service_.calendar = "business";
  all_up(jst(2026y / November / 1), jst(2026y / December / 1));
  // Down from Sat 21 10:00 to Tue 24 09:30 JST: the weekend and Mon 23 (勤労感謝の日) are not
  // scheduled; only Tue 08:30-09:30 = 60 min counts.
  outage(primary_, jst(2026y / November / 21, 10), jst(2026y / November / 24, 9, 30));
  outage(backup_, jst(2026y / November / 21, 10), jst(2026y / November / 24, 9, 30));
  const auto f = range({jst(2026y / November / 20), jst(2026y / November / 25)});
  // Scheduled Fri 20 + Tue 24 = 2 × 525 = 1,050 min → 990 / 1,050 = 94.285714 %.
  EXPECT_EQ(f.scheduled, minutes{1050});
  EXPECT_EQ(f.unavailable, minutes{60});
  EXPECT_NEAR(*f.percent, 100.0 * 990 / 1050, 1e-9);
  EXPECT_FALSE(f.met);
}

class UnknownPolicyTest : public AvailabilityTest {
 protected:
  void SetUp() override {
    // Sessions Nov 1 00:00-Nov 10 00:00 and Nov 10 02:00-Dec 1: 120 min unobserved. Plus a
    // 30-min observed outage on the 20th.
    sessions_.push_back(session("honcho", jst(2026y / November / 1), jst(2026y / November / 10)));
    sessions_.push_back(
        session("honcho", jst(2026y / November / 10, 2), jst(2026y / December / 1)));
    changes_.push_back(change(primary_, jst(2026y / November / 1), PathState::kUp));
    changes_.push_back(change(backup_, jst(2026y / November / 1), PathState::kUp));
    // The restarted agent reports afresh as its new session starts (unknown until it does).
    changes_.push_back(change(primary_, jst(2026y / November / 10, 2), PathState::kUp));
    changes_.push_back(change(backup_, jst(2026y / November / 10, 2), PathState::kUp));
    outage(primary_, jst(2026y / November / 20, 9), jst(2026y / November / 20, 9, 30));
    outage(backup_, jst(2026y / November / 20, 9), jst(2026y / November / 20, 9, 30));
  }
};

TEST_F(UnknownPolicyTest, UnknownCountsAsUnavailable) {
  const auto f = month(2026y / November);
  // 43,200 − 120 unknown − 30 down = 43,050 provided; 43,050 / 43,200 = 99.652778 %;
  // down counted 150 > budget 86.4 → not met, left 86.4 − 150 = −63.6.
  EXPECT_EQ(f.unknown, minutes{120});
  EXPECT_EQ(f.unavailable, minutes{30});
  EXPECT_EQ(f.provided, minutes{43050});
  EXPECT_EQ(f.unknown_policy, UnknownPolicy::kUnavailable);
  EXPECT_NEAR(*f.percent, 100.0 * 43050 / 43200, 1e-9);
  EXPECT_FALSE(f.met);
  EXPECT_NEAR(f.budget_left_minutes, -63.6, 1e-9);
}

TEST_F(UnknownPolicyTest, UnknownCountsAsAvailable) {
  service_.unknown_counts_as = UnknownPolicy::kAvailable;
  const auto f = month(2026y / November);
  // (43,050 + 120) / 43,200 = 99.930556 %; left 86.4 − 30 = 56.4.
  EXPECT_NEAR(*f.percent, 100.0 * 43170 / 43200, 1e-9);
  EXPECT_TRUE(f.met);
  EXPECT_NEAR(f.budget_left_minutes, 56.4, 1e-9);
}

TEST_F(UnknownPolicyTest, UnknownExcluded) {
  service_.unknown_counts_as = UnknownPolicy::kExcluded;
  const auto f = month(2026y / November);
  // 43,050 / (43,200 − 120) = 99.930362 %; budget 0.002 × 43,080 = 86.16; left 56.16.
  EXPECT_EQ(f.denominator, minutes{43080});
  EXPECT_NEAR(*f.percent, 100.0 * 43050 / 43080, 1e-9);
  EXPECT_NEAR(f.budget_left_minutes, 56.16, 1e-9);
}

TEST_F(AvailabilityTest, NoSessionMeansUnknownNotDown) {
  changes_.push_back(change(primary_, jst(2026y / November / 1), PathState::kUp));
  const auto f = month(2026y / November);
  // No session at all: the whole month (43,200 min) is unknown, nothing is "down".
  EXPECT_EQ(f.unknown, minutes{43200});
  EXPECT_EQ(f.unavailable, minutes{0});
}

TEST_F(AvailabilityTest, OverlappingOutagesOnDifferentPathsOfOneSite) {
  all_up(jst(2026y / November / 1), jst(2026y / December / 1));
  // Primary down 10:00-10:30, backup down 10:20-10:50: no path only 10:20-10:30 = 10 min.
  outage(primary_, jst(2026y / November / 5, 10), jst(2026y / November / 5, 10, 30));
  outage(backup_, jst(2026y / November / 5, 10, 20), jst(2026y / November / 5, 10, 50));
  EXPECT_EQ(month(2026y / November).unavailable, minutes{10});
  // Measured over the primary only: 30 min.
  service_.path_policy = PathPolicy::kListed;
  service_.paths = {"primary"};
  EXPECT_EQ(month(2026y / November).unavailable, minutes{30});
}

TEST_F(AvailabilityTest, TargetPolicies) {
  service_.targets = {"app", "db"};
  const auto db = flow("honcho", "db", "primary");
  all_up(jst(2026y / November / 1), jst(2026y / December / 1));
  changes_.push_back(change(db, jst(2026y / November / 1), PathState::kUp));
  outage(db, jst(2026y / November / 5, 10), jst(2026y / November / 5, 10, 15));
  // all_targets: the db's 15 min count; any_target: the app carries on, 0 min.
  EXPECT_EQ(month(2026y / November).unavailable, minutes{15});
  service_.target_policy = TargetPolicy::kAnyTarget;
  EXPECT_EQ(month(2026y / November).unavailable, minutes{0});
}

TEST_F(AvailabilityTest, DegradedCountsAsAvailableUnlessTheServiceSaysOtherwise) {
  service_.path_policy = PathPolicy::kListed;
  service_.paths = {"primary"};
  all_up(jst(2026y / November / 1), jst(2026y / December / 1));
  changes_.push_back(change(primary_, jst(2026y / November / 5, 10), PathState::kDegraded));
  changes_.push_back(change(primary_, jst(2026y / November / 5, 10, 12), PathState::kUp));
  EXPECT_EQ(month(2026y / November).unavailable, minutes{0});
  service_.degraded_counts_as_available = false;
  EXPECT_EQ(month(2026y / November).unavailable, minutes{12});  // 10:00-10:12
}

TEST_F(AvailabilityTest, ExactlyTheBudgetMeetsTheTarget) {
  all_up(jst(2026y / November / 1), jst(2026y / December / 1));
  // 86.4 min = 86 min 24 s: exactly (1 − 0.998) × 43,200 min.
  outage(primary_, jst(2026y / November / 5, 10), jst(2026y / November / 5, 11, 26, 24));
  outage(backup_, jst(2026y / November / 5, 10), jst(2026y / November / 5, 11, 26, 24));
  const auto f = month(2026y / November);
  EXPECT_EQ(f.unavailable, seconds{5184});
  EXPECT_TRUE(f.met);
  EXPECT_NEAR(f.budget_left_minutes, 0.0, 1e-9);
}

TEST_F(AvailabilityTest, WindowEndStateRepairsALostChange) {
  service_.path_policy = PathPolicy::kListed;
  service_.paths = {"primary"};
  all_up(jst(2026y / November / 1), jst(2026y / December / 1));
  // Down at 10:00; the change back to up was lost; the window ending 10:10 says up.
  changes_.push_back(change(primary_, jst(2026y / November / 5, 10), PathState::kDown));
  windows_.push_back(window(primary_, jst(2026y / November / 5, 10, 9, 50),
                            jst(2026y / November / 5, 10, 10), 10, 10, PathState::kUp));
  EXPECT_EQ(month(2026y / November).unavailable, minutes{10});
}

TEST_F(AvailabilityTest, AllServicesShareTheCalendar) {
  all_up(jst(2026y / November / 1), jst(2026y / December / 1));
  outage(primary_, jst(2026y / November / 5, 10), jst(2026y / November / 5, 10, 30));
  outage(backup_, jst(2026y / November / 5, 10), jst(2026y / November / 5, 10, 30));
  ServiceSpec other = service_;
  other.name = "other";
  other.calendar = "business";
  ObservationIndex index(ObservationRows{changes_, windows_, sessions_});
  AvailabilityContext ctx{&index, &holidays_, &calendars_, maintenance_};
  const auto nov = shared::jst_month(2026y / November);
  const std::vector<ServiceSpec> services{service_, other};
  const auto figs = compute_availability_all(services, ctx, {nov.start, nov.end});
  ASSERT_EQ(figs.size(), 2u);
  EXPECT_EQ(figs[0].unavailable, minutes{30});
  // November 2026 business days: 21 weekdays minus 3 (文化の日) and 23 (勤労感謝の日) = 19;
  // Thu 5th 10:00-10:30 is inside business hours → 30 min.
  EXPECT_EQ(figs[1].scheduled, minutes{19 * 525});
  EXPECT_EQ(figs[1].unavailable, minutes{30});
}

}  // namespace
}  // namespace pathwatch::collector
