// Contract availability (稼働率) of a service over a period:
//   稼働率(%) = サービス提供時間 ÷ (サービスを提供すべき時間 −
//   サービスを提供すべき時間から除く時間) × 100
// with scheduled time from the calendar, excluded time from maintenance, and unknown time
// counted as the service's policy says. Pure: rows in (via ObservationIndex), figures out.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "collector/analysis/flow_timeline.hpp"
#include "collector/analysis/holidays.hpp"
#include "collector/analysis/interval_set.hpp"
#include "collector/analysis/service_calendar.hpp"
#include "collector/analysis/service_spec.hpp"

namespace pathwatch::collector {

enum class ServiceStatus : std::uint8_t { kAvailable, kUnavailable, kUnknown };
const char* to_string(ServiceStatus s);

struct StatusSpan {
  Interval when;
  ServiceStatus status = ServiceStatus::kUnknown;
  bool operator==(const StatusSpan&) const = default;
};

struct AvailabilityFigure {
  std::string service;
  Interval range;
  shared::Nanos scheduled{0};    // サービスを提供すべき時間 (calendar ∩ range)
  shared::Nanos excluded{0};     // maintenance ∩ scheduled
  shared::Nanos provided{0};     // available ∩ (scheduled − excluded)
  shared::Nanos unavailable{0};  // observed down ∩ (scheduled − excluded)
  shared::Nanos unknown{0};      // not observed ∩ (scheduled − excluded)
  UnknownPolicy unknown_policy = UnknownPolicy::kUnavailable;
  // The formula's denominator after the unknown policy (scheduled − excluded, minus unknown
  // when unknown is excluded) and the time counted as provided (plus unknown when available).
  shared::Nanos denominator{0};
  shared::Nanos counted_provided{0};
  std::optional<double> percent;  // nullopt when there was nothing to provide
  double target_percent = 99.8;
  bool met = true;
  double budget_minutes = 0;        // (1 − target) × denominator
  double budget_left_minutes = 0;   // budget − (denominator − counted_provided); < 0 = breached
  IntervalSet unavailable_periods;  // within scheduled − excluded
  IntervalSet unknown_periods;
};

// What availability needs besides the rows. Calendars by name; "24x7" is always known.
struct AvailabilityContext {
  const ObservationIndex* index = nullptr;
  const HolidaySet* holidays = nullptr;
  const std::map<std::string, ServiceCalendar>* calendars = nullptr;
  std::span<const MaintenanceWindow> maintenance;
};

// The service's status over range, from its reference sites' flows (see docs/availability.md
// "Combining paths, targets and sites"). Adjacent spans always differ.
std::vector<StatusSpan> service_status(const ServiceSpec& service, const ObservationIndex& index,
                                       Interval range);

// Scheduled time of a service's calendar; throws std::out_of_range for an unknown calendar
// (config parsing has already checked every name).
IntervalSet service_scheduled(const ServiceSpec& service, const AvailabilityContext& ctx,
                              Interval range);

AvailabilityFigure compute_availability(const ServiceSpec& service, const AvailabilityContext& ctx,
                                        Interval range);
// The JST calendar month (shared::jst_month).
AvailabilityFigure compute_month_availability(const ServiceSpec& service,
                                              const AvailabilityContext& ctx,
                                              std::chrono::year_month month);
// Many services over one range: the calendar's scheduled time is computed once per calendar.
std::vector<AvailabilityFigure> compute_availability_all(std::span<const ServiceSpec> services,
                                                         const AvailabilityContext& ctx,
                                                         Interval range);

// The formula, the policy and the budget, from the measured totals (exposed for tests).
void apply_formula(AvailabilityFigure& figure);

}  // namespace pathwatch::collector
