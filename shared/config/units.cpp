#include "shared/config/units.hpp"

#include <charconv>
#include <cmath>
#include <limits>

namespace pathwatch::shared {
namespace {

struct Unit {
  std::string_view suffix;
  double factor;
};

// Splits "12.5ms" into 12.5 and "ms". Only plain decimal numbers; no exponent, no sign.
std::optional<std::pair<double, std::string_view>> split_number(std::string_view text) {
  std::size_t end = 0;
  bool seen_digit = false;
  bool seen_dot = false;
  while (end < text.size()) {
    const char c = text[end];
    if (c >= '0' && c <= '9') {
      seen_digit = true;
    } else if (c == '.' && !seen_dot) {
      seen_dot = true;
    } else {
      break;
    }
    ++end;
  }
  if (!seen_digit) return std::nullopt;
  double value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + end, value);
  if (ec != std::errc{} || ptr != text.data() + end) return std::nullopt;
  return std::pair{value, text.substr(end)};
}

std::optional<double> scaled(std::string_view text, std::initializer_list<Unit> units,
                             bool unit_required) {
  const auto parts = split_number(text);
  if (!parts) return std::nullopt;
  const auto [value, suffix] = *parts;
  if (suffix.empty()) {
    if (unit_required) return std::nullopt;
    return value;
  }
  for (const auto& unit : units) {
    if (suffix == unit.suffix) return value * unit.factor;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text) {
  const auto ns = scaled(text,
                         {{"ns", 1.0},
                          {"us", 1e3},
                          {"ms", 1e6},
                          {"s", 1e9},
                          {"m", 60e9},
                          {"h", 3600e9},
                          {"d", 86400e9}},
                         /*unit_required=*/true);
  if (!ns || *ns > static_cast<double>(std::numeric_limits<std::int64_t>::max() / 2)) {
    return std::nullopt;
  }
  return std::chrono::nanoseconds{std::llround(*ns)};
}

std::optional<std::uint64_t> parse_bytes(std::string_view text) {
  const auto bytes = scaled(text,
                            {{"B", 1.0},
                             {"kB", 1e3},
                             {"KiB", 1024.0},
                             {"MB", 1e6},
                             {"MiB", 1048576.0},
                             {"GB", 1e9},
                             {"GiB", 1073741824.0}},
                            /*unit_required=*/false);
  if (!bytes || *bytes > 1e18) return std::nullopt;
  return static_cast<std::uint64_t>(std::llround(*bytes));
}

std::string format_duration(std::chrono::nanoseconds d) {
  const auto ns = d.count();
  struct Step {
    std::int64_t factor;
    const char* suffix;
  };
  for (const Step step :
       {Step{86400'000'000'000, "d"}, Step{3600'000'000'000, "h"}, Step{60'000'000'000, "m"},
        Step{1'000'000'000, "s"}, Step{1'000'000, "ms"}, Step{1'000, "us"}}) {
    if (ns != 0 && ns % step.factor == 0) return std::to_string(ns / step.factor) + step.suffix;
  }
  return std::to_string(ns) + "ns";
}

}  // namespace pathwatch::shared
