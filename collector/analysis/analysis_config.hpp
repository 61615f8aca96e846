// The collector config's analysis keys (calendars, holidays_file, extra_holidays, services,
// maintenance, failover), read strictly: every error is FILE:LINE:COL.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "collector/analysis/failover.hpp"
#include "collector/analysis/holidays.hpp"
#include "collector/analysis/service_calendar.hpp"
#include "collector/analysis/service_spec.hpp"
#include "shared/config/config_node.hpp"

namespace pathwatch::collector {

struct AnalysisConfig {
  std::vector<std::string> holiday_files;  // resolved paths actually loaded
  HolidaySet holidays;
  std::map<std::string, ServiceCalendar> calendars;  // always holds "24x7"
  std::vector<ServiceSpec> services;
  std::vector<MaintenanceWindow> maintenance;
  FailoverOptions failover;
};

// Takes its keys from the collector config's top-level map (the caller still calls
// top.finish()). Relative file names resolve against base_dir (the config file's folder).
// Throws shared::ConfigError.
AnalysisConfig parse_analysis_config(shared::ConfigMap& top, const std::string& base_dir);

// "2026-11-03 01:00" or "2026-11-03T01:00:30" (JST unless it ends in "Z" or "+09:00"-style
// offset). nullopt when malformed.
std::optional<shared::UtcNanos> parse_config_time(std::string_view text);

}  // namespace pathwatch::collector
