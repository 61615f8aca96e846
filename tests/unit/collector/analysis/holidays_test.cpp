// The holiday file against the law's rules, recomputed here independently of the file, and
// the strict loader's errors.
#include "collector/analysis/holidays.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "shared/config/config_error.hpp"

namespace pathwatch::collector {
namespace {

using namespace std::chrono;
constexpr const char* kFile = "etc/holidays/jp.yaml";

year_month_day nth_monday(int y, unsigned m, unsigned n) {
  return year_month_day{sys_days{year{y} / month{m} / Monday[n]}};
}

// 国民の祝日に関する法律 (as amended through 2020) for 1980 <= y <= 2099.
std::map<sys_days, std::string> by_rule(int y) {
  std::map<sys_days, std::string> base;
  auto day = [&](unsigned m, unsigned d) { return sys_days{year{y} / month{m} / d}; };
  // Equinox approximation (valid 1980-2099): floor(C + 0.242194 (Y-1980) - floor((Y-1980)/4)).
  const double t = y - 1980;
  const auto vernal = static_cast<unsigned>(std::floor(20.8431 + 0.242194 * t - std::floor(t / 4)));
  const auto autumnal =
      static_cast<unsigned>(std::floor(23.2488 + 0.242194 * t - std::floor(t / 4)));
  base[day(1, 1)] = "元日";
  base[sys_days{nth_monday(y, 1, 2)}] = "成人の日";
  base[day(2, 11)] = "建国記念の日";
  base[day(2, 23)] = "天皇誕生日";
  base[day(3, vernal)] = "春分の日";
  base[day(4, 29)] = "昭和の日";
  base[day(5, 3)] = "憲法記念日";
  base[day(5, 4)] = "みどりの日";
  base[day(5, 5)] = "こどもの日";
  base[sys_days{nth_monday(y, 7, 3)}] = "海の日";
  base[day(8, 11)] = "山の日";
  base[sys_days{nth_monday(y, 9, 3)}] = "敬老の日";
  base[day(9, autumnal)] = "秋分の日";
  base[sys_days{nth_monday(y, 10, 2)}] = "スポーツの日";
  base[day(11, 3)] = "文化の日";
  base[day(11, 23)] = "勤労感謝の日";
  auto all = base;
  // 国民の休日: a day between two national holidays (article 3.3).
  for (const auto& [d, name] : base) {
    const sys_days next = d + days{1};
    if (!base.contains(next) && base.contains(next + days{1})) all[next] = "国民の休日";
  }
  // 振替休日: a holiday on Sunday moves to the nearest following non-holiday (article 3.2).
  for (const auto& [d, name] : base) {
    if (weekday{d} != Sunday) continue;
    sys_days s = d + days{1};
    while (all.contains(s)) s += days{1};
    all[s] = "振替休日";
  }
  return all;
}

TEST(Holidays, FileMatchesTheRulesFor2024To2030) {
  const auto loaded = load_holiday_file(kFile);
  std::map<sys_days, std::string> file;
  for (const auto& h : loaded) file[sys_days{h.date}] = h.name;
  std::map<sys_days, std::string> expected;
  for (int y = 2024; y <= 2030; ++y) expected.merge(by_rule(y));
  EXPECT_EQ(file, expected);
  // 16 national holidays a year (7 × 16 = 112) plus the substitutes and in-between days the
  // rules produce: 5+0 (2024: 2/12, 5/6, 8/12, 9/23, 11/4), 3 (2025: 2/24, 5/6, 11/24),
  // 2 (2026: 5/6 振替, 9/22 国民の休日), 1 (2027: 3/22), 0 (2028), 3 (2029: 2/12, 4/30, 9/24),
  // 3 (2030: 5/6, 8/12, 11/4) = 17 → 129.
  EXPECT_EQ(file.size(), 129u);
}

TEST(Holidays, KnownDates) {
  HolidaySet set;
  set.add_all(load_holiday_file(kFile));
  // Published by the Cabinet Office (内閣府「国民の祝日について」).
  EXPECT_EQ(set.name_of(2024y / February / 12), "振替休日");
  EXPECT_EQ(set.name_of(2025y / November / 24), "振替休日");
  EXPECT_EQ(set.name_of(2026y / September / 22), "国民の休日");
  EXPECT_EQ(set.name_of(2026y / September / 21), "敬老の日");
  EXPECT_EQ(set.name_of(2026y / September / 23), "秋分の日");
  EXPECT_EQ(set.name_of(2024y / September / 22), "秋分の日");
  EXPECT_EQ(set.name_of(2025y / March / 20), "春分の日");
  EXPECT_EQ(set.name_of(2028y / January / 10), "成人の日");
  EXPECT_FALSE(set.contains(2026y / December / 29));  // year-end closure is not a holiday
  EXPECT_FALSE(set.contains(2026y / November / 24));
}

TEST(Holidays, LoaderRejectsImpossibleDateWithLocation) {
  const auto node = shared::ConfigNode::load_string(
      "holidays:\n  2026-01-01: 元日\n  2026-02-30: 架空の日\n", "h.yaml");
  try {
    parse_holiday_file(node);
    FAIL() << "expected ConfigError";
  } catch (const shared::ConfigError& e) {
    EXPECT_EQ(std::string(e.what()),
              "h.yaml:3:3: holidays: expected a date YYYY-MM-DD, got '2026-02-30'");
  }
}

TEST(Holidays, LoaderRejectsUnknownKeyDuplicateAndEmptyName) {
  EXPECT_THROW(
      parse_holiday_file(shared::ConfigNode::load_string("holidays: {}\nextra: 1\n", "h.yaml")),
      shared::ConfigError);
  EXPECT_THROW(parse_holiday_file(shared::ConfigNode::load_string(
                   "holidays:\n  2026-01-01: a\n  2026-01-01: b\n", "h.yaml")),
               shared::ConfigError);
  EXPECT_THROW(parse_holiday_file(
                   shared::ConfigNode::load_string("holidays:\n  2026-01-01: ''\n", "h.yaml")),
               shared::ConfigError);
}

}  // namespace
}  // namespace pathwatch::collector
