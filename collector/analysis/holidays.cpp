#include "collector/analysis/holidays.hpp"

#include <charconv>

namespace pathwatch::collector {
namespace {

int day_number(std::chrono::year_month_day d) {
  return static_cast<int>(std::chrono::sys_days{d}.time_since_epoch().count());
}

std::chrono::year_month_day date_of(const shared::ConfigNode& node) {
  const std::string text = node.as_string();
  const auto d = parse_iso_date(text);
  if (!d) node.fail("expected a date YYYY-MM-DD, got '" + text + "'");
  return *d;
}

}  // namespace

void HolidaySet::add(const Holiday& h) {
  days_.emplace(day_number(h.date), h.name);
}

void HolidaySet::add_all(const std::vector<Holiday>& hs) {
  for (const auto& h : hs) add(h);
}

bool HolidaySet::contains(std::chrono::year_month_day date) const {
  return days_.contains(day_number(date));
}

std::optional<std::string> HolidaySet::name_of(std::chrono::year_month_day date) const {
  auto it = days_.find(day_number(date));
  if (it == days_.end()) return std::nullopt;
  return it->second;
}

std::vector<Holiday> HolidaySet::list() const {
  std::vector<Holiday> out;
  out.reserve(days_.size());
  for (const auto& [n, name] : days_) {
    out.push_back({std::chrono::year_month_day{std::chrono::sys_days{std::chrono::days{n}}}, name});
  }
  return out;
}

std::optional<std::chrono::year_month_day> parse_iso_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  auto number = [&](std::size_t pos, std::size_t len) -> std::optional<int> {
    int v = 0;
    const char* first = text.data() + pos;
    const auto [ptr, ec] = std::from_chars(first, first + len, v);
    if (ec != std::errc{} || ptr != first + len) return std::nullopt;
    return v;
  };
  const auto y = number(0, 4);
  const auto m = number(5, 2);
  const auto d = number(8, 2);
  if (!y || !m || !d) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year{*y},
                                        std::chrono::month{static_cast<unsigned>(*m)},
                                        std::chrono::day{static_cast<unsigned>(*d)}};
  if (!ymd.ok()) return std::nullopt;
  return ymd;
}

std::vector<Holiday> parse_holiday_file(const shared::ConfigNode& root) {
  shared::ConfigMap top = root.as_map();
  std::vector<Holiday> out;
  shared::ConfigMap days = top.required("holidays").as_map();
  for (const auto& [key, value] : days.entries()) {
    // The key node's own text; ConfigMap already rejected duplicate keys.
    Holiday h{date_of(key), value.as_nonempty_string()};
    out.push_back(std::move(h));
  }
  top.finish();
  return out;
}

std::vector<Holiday> load_holiday_file(const std::string& path) {
  return parse_holiday_file(shared::ConfigNode::load_file(path));
}

std::vector<Holiday> parse_holiday_list(const shared::ConfigNode& list) {
  std::vector<Holiday> out;
  for (const auto& item : list.as_sequence()) {
    shared::ConfigMap m = item.as_map();
    Holiday h{date_of(m.required("date")), m.required("name").as_nonempty_string()};
    m.finish();
    out.push_back(std::move(h));
  }
  return out;
}

}  // namespace pathwatch::collector
