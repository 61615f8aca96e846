#include "collector/notify/time_text.hpp"

#include <fmt/format.h>

#include "shared/time/jst.hpp"

namespace pathwatch::collector::notify {

std::string format_jst_minute(shared::UtcNanos t) {
  const auto c = shared::to_jst(t);
  const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(c.time_of_day).count();
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02} JST", static_cast<int>(c.date.year()),
                     static_cast<unsigned>(c.date.month()), static_cast<unsigned>(c.date.day()),
                     minutes / 60, minutes % 60);
}

std::string format_utc_second(shared::UtcNanos t) {
  const std::string full = shared::format_utc(t);  // "...T05:05:09.123456789Z"
  return full.substr(0, 19) + "Z";
}

std::string format_duration(shared::Nanos d, Language language) {
  const bool ja = language == Language::kJa;
  const std::int64_t secs =
      d.count() < 0 ? 0 : std::chrono::duration_cast<std::chrono::seconds>(d).count();
  if (secs < 60) return std::to_string(secs) + (ja ? "秒" : " s");
  const std::int64_t days = secs / 86400;
  const std::int64_t hours = (secs / 3600) % 24;
  const std::int64_t minutes = (secs / 60) % 60;
  std::string out;
  auto part = [&](std::int64_t value, const char* ja_unit, const char* en_unit) {
    if (ja) {
      out += std::to_string(value) + ja_unit;
    } else {
      out += (out.empty() ? "" : " ") + std::to_string(value) + " " + en_unit;
    }
  };
  if (days > 0) part(days, "日", "d");
  if (days > 0 || hours > 0) part(hours, "時間", "h");
  part(minutes, "分", "min");
  return out;
}

}  // namespace pathwatch::collector::notify
