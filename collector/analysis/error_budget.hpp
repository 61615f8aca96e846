// How much of a service's monthly error budget (the downtime its target allows over the whole
// month) is used so far: the figure the SLA budget alert compares. Pure.
#pragma once

#include "collector/analysis/availability.hpp"

namespace pathwatch::collector {

struct BudgetBurn {
  // (1 − target) × the whole month's denominator (scheduled − excluded, minus the unknown
  // time so far when unknown is excluded): 86.4 min for a 30-day 24x7 month at 99.8 %.
  shared::Nanos budget{0};
  // Time counted as not provided before `until`: unavailable, plus unknown when unknown
  // counts as unavailable (docs/availability.md, the policy).
  shared::Nanos burned{0};
  // 100 × burned / budget (above 100 once breached); +inf when the budget is 0 (a 100 %
  // target) and anything burned.
  double percent = 0;
};

// `month` is the whole month's figure (compute_availability over the JST month). Only time
// before `until` (the newest data time) counts as burned: later time has not been observed,
// yet a flow's last state or an open session would carry on to the month's end.
BudgetBurn budget_burned(const AvailabilityFigure& month, shared::UtcNanos until);

}  // namespace pathwatch::collector
