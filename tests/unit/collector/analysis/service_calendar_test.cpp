// Scheduled time (サービスを提供すべき時間) of calendars, by hand-counted days.
#include "collector/analysis/service_calendar.hpp"

#include <gtest/gtest.h>

#include "tests/unit/collector/analysis/test_rows.hpp"

namespace pathwatch::collector {
namespace {

using namespace testing;

HolidaySet jp() {
  HolidaySet h;
  h.add_all(load_holiday_file("etc/holidays/jp.yaml"));
  return h;
}

ServiceCalendar business() {
  ServiceCalendar c;
  c.name = "business";
  c.kind = ServiceCalendar::Kind::kBusinessHours;  // Mon-Fri 08:30-17:15 JST by default
  return c;
}

TEST(ServiceCalendar, BusinessHoursSkipWeekendAndHoliday) {
  // Fri 2026-11-20 .. Tue 2026-11-24 (range ends Wed 00:00 JST): Sat 21 and Sun 22 are the
  // weekend, Mon 23 is 勤労感謝の日. Open days: Fri 20 and Tue 24, 08:30-17:15 = 525 min each
  // → 1050 min.
  const Interval range{jst(2026y / November / 20), jst(2026y / November / 25)};
  const auto s = scheduled_time(business(), jp(), range);
  ASSERT_EQ(s.intervals().size(), 2u);
  EXPECT_EQ(s.intervals()[0],
            (Interval{jst(2026y / November / 20, 8, 30), jst(2026y / November / 20, 17, 15)}));
  EXPECT_EQ(s.intervals()[1],
            (Interval{jst(2026y / November / 24, 8, 30), jst(2026y / November / 24, 17, 15)}));
  EXPECT_EQ(s.total(), minutes{1050});
}

TEST(ServiceCalendar, YearEndClosure) {
  // December 2026 has 23 weekdays (31 days minus Saturdays 5,12,19,26 and Sundays 6,13,20,27)
  // and no national holiday. The closure takes Tue 29, Wed 30, Thu 31: 20 days × 525 min.
  auto cal = business();
  const auto dec = shared::jst_month(2026y / December);
  EXPECT_EQ(scheduled_time(cal, jp(), {dec.start, dec.end}).total(), minutes{23 * 525});
  cal.year_end_closure = true;
  EXPECT_EQ(scheduled_time(cal, jp(), {dec.start, dec.end}).total(), minutes{20 * 525});
}

TEST(ServiceCalendar, ClipsPartialDaysAndAlwaysIsTheRange) {
  // From 12:00 to 13:00 JST on a working day: 60 min.
  const Interval noon{jst(2026y / November / 20, 12), jst(2026y / November / 20, 13)};
  EXPECT_EQ(scheduled_time(business(), jp(), noon).total(), minutes{60});
  EXPECT_EQ(scheduled_time(ServiceCalendar{}, jp(), noon).intervals(),
            (std::vector<Interval>{noon}));
}

TEST(ServiceCalendar, HolidaysCanBeWorkingDays) {
  // Mon 2026-11-23 is a holiday; with closed_on_holidays: false it is an ordinary Monday.
  auto cal = business();
  cal.exclude_holidays = false;
  const Interval day{jst(2026y / November / 23), jst(2026y / November / 24)};
  EXPECT_EQ(scheduled_time(cal, jp(), day).total(), minutes{525});
}

}  // namespace
}  // namespace pathwatch::collector
