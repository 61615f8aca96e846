#include "tools/replay/replay_api.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "collector/analysis/holidays.hpp"
#include "collector/api/api_json.hpp"
#include "shared/time/jst.hpp"

namespace pathwatch::tools {

namespace {
// "2026-11-07T03:04:05Z": the API takes whole seconds (the scenario's edges are whole seconds).
std::string api_time(shared::UtcNanos t) {
  return shared::format_utc(t).substr(0, 19) + "Z";
}
}  // namespace

collector::AnalysisConfig replay_analysis_config(const Scenario& scenario,
                                                 const std::string& holidays_file) {
  collector::AnalysisConfig config;
  config.holiday_files = {holidays_file};
  config.holidays.add_all(collector::load_holiday_file(holidays_file));
  config.calendars.emplace("24x7", collector::ServiceCalendar{});
  collector::ServiceCalendar office;  // the business-hours defaults: Mon-Fri 08:30-17:15 JST
  office.name = "office";
  office.kind = collector::ServiceCalendar::Kind::kBusinessHours;
  config.calendars.emplace("office", office);
  config.services = scenario.services;
  for (const auto& m : scenario.maintenance) {
    if (m.services.empty()) config.maintenance.push_back(m);
  }
  return config;
}

void enter_maintenance(const Scenario& scenario, const collector::ApiContext& api) {
  for (const auto& m : scenario.maintenance) {
    if (m.services.empty()) continue;
    collector::Json body{{"start", api_time(m.when.start)},
                         {"end", api_time(m.when.end)},
                         {"services", m.services},
                         {"note", m.note}};
    const auto r = collector::handle_api({"POST", "/v1/maintenance", body.dump()}, api);
    if (r.status != 201) {
      throw std::runtime_error(fmt::format("POST /v1/maintenance: {} {}", r.status, r.body));
    }
  }
}

std::vector<ServiceFigures> month_availability(const collector::ApiContext& api,
                                               std::chrono::year_month month) {
  const auto target =
      fmt::format("/v1/availability?month={:04}-{:02}", static_cast<int>(month.year()),
                  static_cast<unsigned>(month.month()));
  const auto r = collector::handle_api({"GET", target, ""}, api);
  if (r.status != 200) {
    throw std::runtime_error(fmt::format("GET {}: {} {}", target, r.status, r.body));
  }
  const auto j = collector::Json::parse(r.body);
  std::vector<ServiceFigures> out;
  for (const auto& s : j.at("services")) {
    ServiceFigures f;
    f.service = s.at("service").get<std::string>();
    f.scheduled_s = s.at("scheduled_seconds").get<std::int64_t>();
    f.excluded_s = s.at("excluded_seconds").get<std::int64_t>();
    f.provided_s = s.at("provided_seconds").get<std::int64_t>();
    f.unavailable_s = s.at("unavailable_seconds").get<std::int64_t>();
    f.unknown_s = s.at("unknown_seconds").get<std::int64_t>();
    f.unknown_counts_as = s.at("unknown_counts_as").get<std::string>();
    if (!s.at("percent").is_null()) f.percent = s.at("percent").get<double>();
    f.met = s.at("met").get<bool>();
    f.budget_left_minutes = s.at("budget_left_minutes").get<double>();
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace pathwatch::tools
