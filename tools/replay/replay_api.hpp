// A scenario's month as the operator sees it: the analysis config (services, calendars,
// holidays, config maintenance), service maintenance entered through the API (as
// `pathwatchctl maintenance add` does), and the month's availability read through the API
// route (GET /v1/availability), which runs the collector's analysis over the store.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "collector/analysis/analysis_config.hpp"
#include "collector/api/api_handler.hpp"
#include "tools/replay/scenario.hpp"

namespace pathwatch::tools {

// Calendars "24x7" and "office" (Mon-Fri 08:30-17:15 JST without holidays), holidays from
// `holidays_file`, the scenario's services and its every-service maintenance. Throws
// shared::ConfigError when the holiday file is bad.
collector::AnalysisConfig replay_analysis_config(const Scenario& scenario,
                                                 const std::string& holidays_file);

// POST /v1/maintenance for each of the scenario's single-service windows. Throws
// std::runtime_error when the API refuses one.
void enter_maintenance(const Scenario& scenario, const collector::ApiContext& api);

struct ServiceFigures {
  std::string service;
  std::int64_t scheduled_s = 0, excluded_s = 0, provided_s = 0, unavailable_s = 0, unknown_s = 0;
  std::string unknown_counts_as;
  std::optional<double> percent;
  bool met = false;
  double budget_left_minutes = 0;
};

// GET /v1/availability?month=YYYY-MM; throws std::runtime_error on an error answer.
std::vector<ServiceFigures> month_availability(const collector::ApiContext& api,
                                               std::chrono::year_month month);

}  // namespace pathwatch::tools
