// Holidays (Japanese national holidays from etc/holidays/jp.yaml plus the user's own days):
// a set of JST dates with names, loaded strictly like every pathwatch config.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "shared/config/config_node.hpp"

namespace pathwatch::collector {

struct Holiday {
  std::chrono::year_month_day date;
  std::string name;
  bool operator==(const Holiday&) const = default;
};

class HolidaySet {
 public:
  // A later entry for a date already present keeps the first name (files are additive).
  void add(const Holiday& h);
  void add_all(const std::vector<Holiday>& hs);
  bool contains(std::chrono::year_month_day date) const;
  std::optional<std::string> name_of(std::chrono::year_month_day date) const;
  std::vector<Holiday> list() const;
  std::size_t size() const { return days_.size(); }

 private:
  std::map<int, std::string> days_;  // days since the epoch -> name
};

// "2026-11-23" -> date; nullopt when malformed or not a real date.
std::optional<std::chrono::year_month_day> parse_iso_date(std::string_view text);

// A holidays file:
//   holidays:
//     2026-01-01: 元日
// Throws shared::ConfigError (FILE:LINE:COL) for a malformed date, an impossible date, a
// duplicate date, an empty name or an unknown key.
std::vector<Holiday> load_holiday_file(const std::string& path);
std::vector<Holiday> parse_holiday_file(const shared::ConfigNode& root);
// A list of {date, name} maps (the collector config's `extra_holidays`).
std::vector<Holiday> parse_holiday_list(const shared::ConfigNode& list);

}  // namespace pathwatch::collector
