#include "collector/analysis/service_calendar.hpp"

#include "shared/time/jst.hpp"

namespace pathwatch::collector {

using std::chrono::days;
using std::chrono::sys_days;
using std::chrono::year_month_day;

bool in_year_end_closure(year_month_day date) {
  const unsigned m = static_cast<unsigned>(date.month());
  const unsigned d = static_cast<unsigned>(date.day());
  return (m == 12 && d >= 29) || (m == 1 && d <= 3);
}

IntervalSet scheduled_time(const ServiceCalendar& calendar, const HolidaySet& holidays,
                           Interval range) {
  IntervalSet out;
  if (range.empty()) return out;
  if (calendar.kind == ServiceCalendar::Kind::kAlways) {
    out.append(range);
    return out;
  }
  // The JST day containing range.start, to the JST day containing the last instant.
  const sys_days first{shared::to_jst(range.start).date};
  const sys_days last{shared::to_jst(range.end - shared::Nanos{1}).date};
  for (sys_days day = first; day <= last; day += days{1}) {
    const year_month_day ymd{day};
    if (!calendar.weekdays[std::chrono::weekday{day}.c_encoding()]) continue;
    if (calendar.exclude_holidays && holidays.contains(ymd)) continue;
    if (calendar.year_end_closure && in_year_end_closure(ymd)) continue;
    Interval open{shared::from_jst(ymd, calendar.open), shared::from_jst(ymd, calendar.close)};
    open.start = std::max(open.start, range.start);
    open.end = std::min(open.end, range.end);
    out.append(open);
  }
  return out;
}

}  // namespace pathwatch::collector
