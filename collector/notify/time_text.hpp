// Times and durations as people read them in notifications: JST to the minute
// ("2026-11-23 14:05 JST"), UTC to the second, and durations in Japanese or English.
#pragma once

#include <string>

#include "collector/notify/notification.hpp"
#include "shared/time/time_types.hpp"

namespace pathwatch::collector::notify {

// "2026-11-23 14:05 JST" (seconds dropped: operators read minutes).
std::string format_jst_minute(shared::UtcNanos t);
// "2026-11-23T05:05:09Z" (sub-second dropped).
std::string format_utc_second(shared::UtcNanos t);
// ja: "2日3時間4分", "1時間23分", "23分", "45秒"; en: "2 d 3 h 4 min", "1 h 23 min", "45 s".
// Truncated to the minute past one minute; a negative duration reads as zero.
std::string format_duration(shared::Nanos d, Language language);

}  // namespace pathwatch::collector::notify
