#include "shared/time/jst.hpp"

#include <fmt/format.h>

namespace pathwatch::shared {

using std::chrono::days;
using std::chrono::floor;
using std::chrono::sys_days;

JstCivil to_jst(UtcNanos t) {
  const auto local = t + kJstOffset;
  const auto day = floor<days>(local);
  return JstCivil{std::chrono::year_month_day{day}, local - day, std::chrono::weekday{day}};
}

UtcNanos from_jst(std::chrono::year_month_day date, Nanos time_of_day) {
  return UtcNanos{sys_days{date}} + time_of_day - kJstOffset;
}

UtcRange jst_month(std::chrono::year_month month) {
  const auto first = month / std::chrono::day{1};
  const auto next = (month + std::chrono::months{1}) / std::chrono::day{1};
  return {from_jst(first), from_jst(next)};
}

namespace {
std::string format_civil(std::chrono::year_month_day d, Nanos tod) {
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(tod).count();
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", static_cast<int>(d.year()),
                     static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()), secs / 3600,
                     (secs / 60) % 60, secs % 60);
}
}  // namespace

std::string format_jst(UtcNanos t) {
  const auto c = to_jst(t);
  return format_civil(c.date, c.time_of_day) + " JST";
}

std::string format_utc(UtcNanos t) {
  const auto day = floor<days>(t);
  const Nanos tod = t - day;
  std::string s = format_civil(std::chrono::year_month_day{day}, tod);
  s[10] = 'T';
  return fmt::format("{}.{:09}Z", s, tod.count() % 1'000'000'000);
}

}  // namespace pathwatch::shared
