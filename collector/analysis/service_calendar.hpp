// When a service must be provided (サービスを提供すべき時間): around the clock, or business hours
// on chosen weekdays in JST without holidays and, optionally, the year-end closure.
#pragma once

#include <array>
#include <string>

#include "collector/analysis/holidays.hpp"
#include "collector/analysis/interval_set.hpp"
#include "shared/time/time_types.hpp"

namespace pathwatch::collector {

struct ServiceCalendar {
  enum class Kind { kAlways, kBusinessHours };
  std::string name = "24x7";
  Kind kind = Kind::kAlways;
  // Business hours only. Indexed by weekday::c_encoding() (0 = Sunday).
  std::array<bool, 7> weekdays{false, true, true, true, true, true, false};
  shared::Nanos open{std::chrono::hours{8} + std::chrono::minutes{30}};    // JST time of day
  shared::Nanos close{std::chrono::hours{17} + std::chrono::minutes{15}};  // <= 24h, > open
  bool exclude_holidays = true;
  // 年末年始 (12/29-1/3): closed in most municipal offices.
  bool year_end_closure = false;
};

// True when the JST date falls in the year-end closure 12/29..1/3.
bool in_year_end_closure(std::chrono::year_month_day date);

// The scheduled time of a calendar within range, as UTC intervals. Walks JST days, so a month
// costs about 31 steps whatever the resolution of the data.
IntervalSet scheduled_time(const ServiceCalendar& calendar, const HolidaySet& holidays,
                           Interval range);

}  // namespace pathwatch::collector
