// Parsing of human units in configuration and on command lines: durations and byte sizes.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pathwatch::shared {

// "250us", "10ms", "1.5s", "5m", "1h", "1d". nullopt when malformed or negative.
std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text);
// "512", "64KiB", "16MiB", "1GiB", "10kB", "10MB". nullopt when malformed or overflowing.
std::optional<std::uint64_t> parse_bytes(std::string_view text);
// "1500ms", "10s", "20us": the largest unit that divides exactly, for logs and messages.
std::string format_duration(std::chrono::nanoseconds d);

}  // namespace pathwatch::shared
