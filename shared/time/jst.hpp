// Japan Standard Time (UTC+9, no DST since 1951): calendars, month boundaries and reports
// are in JST; storage and the wire stay in UTC.
#pragma once

#include <chrono>
#include <string>

#include "shared/time/time_types.hpp"

namespace pathwatch::shared {

inline constexpr std::chrono::hours kJstOffset{9};

// Local JST date and time of day of a UTC instant.
struct JstCivil {
  std::chrono::year_month_day date;
  Nanos time_of_day;  // since local midnight
  std::chrono::weekday weekday;
};

JstCivil to_jst(UtcNanos t);
// The UTC instant of a JST local date at a time of day.
UtcNanos from_jst(std::chrono::year_month_day date, Nanos time_of_day = Nanos{0});
// [start, end) of a JST calendar month, as UTC instants.
struct UtcRange {
  UtcNanos start;
  UtcNanos end;
  Nanos length() const { return end - start; }
};
UtcRange jst_month(std::chrono::year_month month);
// "2026-11-23 14:05:09 JST"
std::string format_jst(UtcNanos t);
// "2026-11-23T05:05:09.123456789Z"
std::string format_utc(UtcNanos t);

}  // namespace pathwatch::shared
