// The analysis keys of the collector config: a full example and the strict errors.
#include "collector/analysis/analysis_config.hpp"

#include <gtest/gtest.h>

#include "tests/unit/collector/analysis/test_rows.hpp"

namespace pathwatch::collector {
namespace {

using namespace testing;

AnalysisConfig parse(const std::string& text) {
  auto root = shared::ConfigNode::load_string(text, "c.yaml");
  shared::ConfigMap top = root.as_map();
  auto config = parse_analysis_config(top, "etc");
  top.finish();
  return config;
}

std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const shared::ConfigError& e) {
    return e.what();
  }
  return "no error";
}

constexpr const char* kExample = R"(
extra_holidays:
  - {date: 2026-06-15, name: 市制記念日}
calendars:
  office:
    hours: 08:30-17:15
    weekdays: [mon, tue, wed, thu, fri]
    year_end_closure: true
services:
  - name: juki
    targets: [juki-app, juki-db]
    reference_sites: [honcho]
    calendar: office
    unknown_counts_as: excluded
  - name: web
    targets: web
    reference_sites: [honcho]
    paths: {per_path: [primary]}
    targets_policy: any_target
    target_percent: 99.5
    degraded_counts_as: unavailable
maintenance:
  - start: 2026-11-03 01:00
    end: 2026-11-03 03:00
    services: [juki]
    note: 月例保守
failover:
  flap_switches: 6
  flap_window: 15m
)";

TEST(AnalysisConfig, FullExample) {
  const auto c = parse(kExample);
  // etc/holidays/jp.yaml found relative to base_dir "etc": 129 days + 1 extra.
  ASSERT_EQ(c.holiday_files, (std::vector<std::string>{"etc/holidays/jp.yaml"}));
  EXPECT_EQ(c.holidays.size(), 130u);
  EXPECT_TRUE(c.holidays.contains(2026y / June / 15));
  ASSERT_EQ(c.calendars.size(), 2u);  // office + built-in 24x7
  const auto& office = c.calendars.at("office");
  EXPECT_EQ(office.kind, ServiceCalendar::Kind::kBusinessHours);
  EXPECT_EQ(office.open, hours{8} + minutes{30});
  EXPECT_EQ(office.close, hours{17} + minutes{15});
  EXPECT_TRUE(office.year_end_closure);
  ASSERT_EQ(c.services.size(), 2u);
  EXPECT_EQ(c.services[0].calendar, "office");
  EXPECT_EQ(c.services[0].target_percent, 99.8);
  EXPECT_EQ(c.services[0].unknown_counts_as, UnknownPolicy::kExcluded);
  EXPECT_EQ(c.services[0].path_policy, PathPolicy::kAnyPath);
  EXPECT_EQ(c.services[1].targets, (std::vector<std::string>{"web"}));
  EXPECT_EQ(c.services[1].path_policy, PathPolicy::kListed);
  EXPECT_EQ(c.services[1].paths, (std::vector<std::string>{"primary"}));
  EXPECT_EQ(c.services[1].target_policy, TargetPolicy::kAnyTarget);
  EXPECT_FALSE(c.services[1].degraded_counts_as_available);
  ASSERT_EQ(c.maintenance.size(), 1u);
  // 01:00 JST = 16:00 UTC the day before.
  EXPECT_EQ(c.maintenance[0].when.start, jst(2026y / November / 3, 1));
  EXPECT_EQ(c.maintenance[0].when.length(), hours{2});
  EXPECT_EQ(c.failover.flap_switches, 6);
  EXPECT_EQ(c.failover.flap_window, minutes{15});
}

TEST(AnalysisConfig, NothingConfiguredIsFine) {
  const auto c = parse("{}\n");
  EXPECT_TRUE(c.services.empty());
  EXPECT_EQ(c.calendars.size(), 1u);  // 24x7
}

TEST(AnalysisConfig, ErrorsCarryFileLineColumn) {
  EXPECT_EQ(error_of("services:\n  - name: a\n    targets: [t]\n    reference_sites: [s]\n"
                     "    calendar: nope\n"),
            "c.yaml:5:15: services[0].calendar: unknown calendar 'nope'");
  EXPECT_EQ(error_of("calendars:\n  office: {hours: 17:15-08:30}\n"),
            "c.yaml:2:19: calendars.office.hours: opening time must be before closing time");
  EXPECT_EQ(error_of("services:\n  - name: a\n    targets: [t]\n    reference_sites: [s]\n"
                     "    unknown_counts_as: down\n"),
            "c.yaml:5:24: services[0].unknown_counts_as: expected one of: unavailable, "
            "available, excluded; got 'down'");
  EXPECT_EQ(error_of("maintenance:\n  - {start: 2026-11-03 03:00, end: 2026-11-03 01:00}\n"),
            "c.yaml:2:36: maintenance[0].end: end must be after start");
  EXPECT_EQ(error_of("holidays_file: nowhere.yaml\n"),
            "c.yaml:1:16: holidays_file: holidays file 'etc/nowhere.yaml' does not exist");
  // A typo inside a service is never ignored.
  EXPECT_EQ(error_of("services:\n  - name: a\n    targets: [t]\n    reference_sites: [s]\n"
                     "    calender: office\n"),
            "c.yaml:5:5: services[0]: unknown key 'calender'");
  EXPECT_NE(error_of("services:\n  - {name: a, targets: [t], reference_sites: [s]}\n"
                     "  - {name: a, targets: [t], reference_sites: [s]}\n")
                .find("duplicate service 'a'"),
            std::string::npos);
}

TEST(AnalysisConfig, ConfigTimes) {
  EXPECT_EQ(parse_config_time("2026-11-03 01:00"), jst(2026y / November / 3, 1));
  EXPECT_EQ(parse_config_time("2026-11-03T01:00:30+09:00"), jst(2026y / November / 3, 1, 0, 30));
  EXPECT_EQ(parse_config_time("2026-11-02T16:00Z"), jst(2026y / November / 3, 1));
  EXPECT_FALSE(parse_config_time("2026-11-03"));
  EXPECT_FALSE(parse_config_time("2026-11-03 25:00"));
}

}  // namespace
}  // namespace pathwatch::collector
