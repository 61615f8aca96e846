#include "shared/time/jst.hpp"

#include <gtest/gtest.h>

namespace pathwatch::shared {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

TEST(Jst, MonthBoundariesAreJstMidnight) {
  // November 2026 in JST starts 2026-10-31T15:00Z and ends 2026-11-30T15:00Z: 30 days.
  const auto nov = jst_month(2026y / November);
  EXPECT_EQ(format_utc(nov.start), "2026-10-31T15:00:00.000000000Z");
  EXPECT_EQ(format_utc(nov.end), "2026-11-30T15:00:00.000000000Z");
  EXPECT_EQ(nov.length(), hours{24 * 30});
}

TEST(Jst, LeapFebruaryHas29Days) {
  EXPECT_EQ(jst_month(2028y / February).length(), hours{24 * 29});
  EXPECT_EQ(jst_month(2026y / February).length(), hours{24 * 28});
}

TEST(Jst, DecemberRollsIntoNextYear) {
  const auto dec = jst_month(2026y / December);
  EXPECT_EQ(format_jst(dec.end), "2027-01-01 00:00:00 JST");
}

TEST(Jst, CivilTimeAndWeekday) {
  // 2026-11-23T05:05:09Z is 14:05:09 on Monday 23 November in Tokyo (勤労感謝の日).
  const UtcNanos t = sys_days{2026y / November / 23} + 5h + 5min + 9s;
  const auto c = to_jst(t);
  EXPECT_EQ(c.date, 2026y / November / 23);
  EXPECT_EQ(c.weekday, Monday);
  EXPECT_EQ(c.time_of_day, 14h + 5min + 9s);
  EXPECT_EQ(format_jst(t), "2026-11-23 14:05:09 JST");
  EXPECT_EQ(from_jst(2026y / November / 23, 14h + 5min + 9s), t);
}

TEST(Jst, JstDateDiffersFromUtcDateAfter15Z) {
  const UtcNanos t = sys_days{2026y / December / 31} + 15h;
  EXPECT_EQ(to_jst(t).date, 2027y / January / 1);
  EXPECT_EQ(to_jst(t).time_of_day, 0ns);
}

}  // namespace
}  // namespace pathwatch::shared
