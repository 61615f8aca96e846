// The month's error budget and the share of it used so far, from a month's figure.
#include "collector/analysis/error_budget.hpp"

#include <cmath>
#include <limits>

namespace pathwatch::collector {

BudgetBurn budget_burned(const AvailabilityFigure& month, shared::UtcNanos until) {
  const Interval so_far{month.range.start, std::min(until, month.range.end)};
  const shared::Nanos unavailable = month.unavailable_periods.clip(so_far).total();
  const shared::Nanos unknown = month.unknown_periods.clip(so_far).total();
  shared::Nanos denominator = month.scheduled - month.excluded;
  BudgetBurn out;
  out.burned = unavailable;
  switch (month.unknown_policy) {
    case UnknownPolicy::kUnavailable:
      out.burned += unknown;
      break;
    case UnknownPolicy::kAvailable:
      break;
    case UnknownPolicy::kExcluded:
      denominator -= unknown;  // like maintenance: leaves the denominator
      break;
  }
  const double share_down = (100.0 - month.target_percent) / 100.0;
  out.budget = shared::Nanos{static_cast<std::int64_t>(
      std::llround(share_down * static_cast<double>(denominator.count())))};
  if (out.budget.count() > 0) {
    out.percent =
        100.0 * static_cast<double>(out.burned.count()) / static_cast<double>(out.budget.count());
  } else if (out.burned.count() > 0) {
    out.percent = std::numeric_limits<double>::infinity();
  }
  return out;
}

}  // namespace pathwatch::collector
