#include "collector/analysis/availability.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "shared/time/jst.hpp"

namespace pathwatch::collector {
namespace {

using S = ServiceStatus;

// One flow's cursor during the sweep.
struct Leaf {
  const std::vector<StateStep>* steps;
  std::size_t next;  // first step not yet applied
  PathState state;
};
struct PathGroup {
  std::vector<Leaf> leaves;
};
struct TargetGroup {
  std::vector<PathGroup> paths;
};
struct SiteGroup {
  std::vector<TargetGroup> targets;
};

S flow_status(PathState s, bool degraded_ok) {
  switch (s) {
    case PathState::kUp:
      return S::kAvailable;
    case PathState::kDegraded:
      return degraded_ok ? S::kAvailable : S::kUnavailable;
    case PathState::kDown:
      return S::kUnavailable;
    default:
      return S::kUnknown;
  }
}

// Every part needed: one unavailable part makes the whole unavailable, an unknown part makes
// it unknown. An empty list is unknown (nothing observed).
struct AllOf {
  bool any_down = false, any_unknown = false, any = false;
  void add(S s) {
    any = true;
    any_down |= s == S::kUnavailable;
    any_unknown |= s == S::kUnknown;
  }
  S result() const {
    if (any_down) return S::kUnavailable;
    if (any_unknown || !any) return S::kUnknown;
    return S::kAvailable;
  }
};
// One part suffices: one available part makes it available; unknown parts might have been.
struct AnyOf {
  bool any_up = false, any_unknown = false, any = false;
  void add(S s) {
    any = true;
    any_up |= s == S::kAvailable;
    any_unknown |= s == S::kUnknown;
  }
  S result() const {
    if (any_up) return S::kAvailable;
    if (any_unknown || !any) return S::kUnknown;
    return S::kUnavailable;
  }
};

// Flows of one path (several probe kinds, several agents of a site): every flow that knows
// its state must be available; flows that do not know are ignored while another one knows.
S path_status(const PathGroup& p, bool degraded_ok) {
  bool any_up = false;
  for (const auto& leaf : p.leaves) {
    const S s = flow_status(leaf.state, degraded_ok);
    if (s == S::kUnavailable) return S::kUnavailable;
    any_up |= s == S::kAvailable;
  }
  return any_up ? S::kAvailable : S::kUnknown;
}

S evaluate(const std::vector<SiteGroup>& sites, const ServiceSpec& spec) {
  AllOf service;
  for (const auto& site : sites) {
    AllOf all_targets;
    AnyOf any_target;
    for (const auto& target : site.targets) {
      AnyOf paths;
      for (const auto& p : target.paths)
        paths.add(path_status(p, spec.degraded_counts_as_available));
      const S t = paths.result();
      all_targets.add(t);
      any_target.add(t);
    }
    service.add(spec.target_policy == TargetPolicy::kAllTargets ? all_targets.result()
                                                                : any_target.result());
  }
  return service.result();
}

Leaf make_leaf(const FlowTimeline& tl, shared::UtcNanos start) {
  const auto i = tl.index_at(start);
  return Leaf{&tl.steps(), static_cast<std::size_t>(i + 1),
              i < 0 ? PathState::kUnknown : tl.steps()[static_cast<std::size_t>(i)].state};
}

}  // namespace

const char* to_string(ServiceStatus s) {
  switch (s) {
    case S::kAvailable:
      return "available";
    case S::kUnavailable:
      return "unavailable";
    case S::kUnknown:
      return "unknown";
  }
  return "invalid";
}

std::vector<StatusSpan> service_status(const ServiceSpec& spec, const ObservationIndex& index,
                                       Interval range) {
  std::vector<StatusSpan> out;
  if (range.empty()) return out;
  std::vector<SiteGroup> sites;
  std::vector<shared::UtcNanos> times;
  for (const auto& site_name : spec.reference_sites) {
    SiteGroup site;
    for (const auto& target_name : spec.targets) {
      TargetGroup target;
      std::vector<std::string> path_names;
      if (spec.path_policy == PathPolicy::kListed) path_names = spec.paths;
      const auto& flow_ids = index.flows_of(site_name, target_name);
      if (spec.path_policy == PathPolicy::kAnyPath) {
        for (std::size_t f : flow_ids) {
          const auto& p = index.flows()[f].ref.path;
          if (std::find(path_names.begin(), path_names.end(), p) == path_names.end()) {
            path_names.push_back(p);
          }
        }
      }
      for (const auto& path_name : path_names) {
        PathGroup group;
        for (std::size_t f : flow_ids) {
          const auto& flow = index.flows()[f];
          if (flow.ref.path != path_name) continue;
          group.leaves.push_back(make_leaf(flow.timeline, range.start));
          for (const auto& step : flow.timeline.steps()) {
            if (step.at > range.start && step.at < range.end) times.push_back(step.at);
          }
        }
        target.paths.push_back(std::move(group));
      }
      site.targets.push_back(std::move(target));
    }
    sites.push_back(std::move(site));
  }
  std::sort(times.begin(), times.end());
  times.erase(std::unique(times.begin(), times.end()), times.end());

  auto push = [&](shared::UtcNanos at, S status) {
    if (!out.empty() && out.back().status == status) return;
    if (!out.empty()) out.back().when.end = at;
    out.push_back({{at, range.end}, status});
  };
  push(range.start, evaluate(sites, spec));
  for (const auto t : times) {
    for (auto& site : sites) {
      for (auto& target : site.targets) {
        for (auto& path : target.paths) {
          for (auto& leaf : path.leaves) {
            while (leaf.next < leaf.steps->size() && (*leaf.steps)[leaf.next].at <= t) {
              leaf.state = (*leaf.steps)[leaf.next++].state;
            }
          }
        }
      }
    }
    push(t, evaluate(sites, spec));
  }
  return out;
}

IntervalSet service_scheduled(const ServiceSpec& service, const AvailabilityContext& ctx,
                              Interval range) {
  static const ServiceCalendar kAlways{};
  static const HolidaySet kNoHolidays;
  const ServiceCalendar* cal = &kAlways;
  if (service.calendar != "24x7" || (ctx.calendars && ctx.calendars->contains("24x7"))) {
    if (!ctx.calendars) throw std::out_of_range("no calendars for '" + service.calendar + "'");
    cal = &ctx.calendars->at(service.calendar);
  }
  return scheduled_time(*cal, ctx.holidays ? *ctx.holidays : kNoHolidays, range);
}

namespace {

AvailabilityFigure measure(const ServiceSpec& service, const AvailabilityContext& ctx,
                           Interval range, const IntervalSet& scheduled) {
  AvailabilityFigure fig;
  fig.service = service.name;
  fig.range = range;
  fig.unknown_policy = service.unknown_counts_as;
  fig.target_percent = service.target_percent;
  fig.scheduled = scheduled.total();

  std::vector<Interval> maintenance;
  for (const auto& m : ctx.maintenance) {
    if (m.applies_to(service.name)) maintenance.push_back(m.when);
  }
  const IntervalSet excluded = scheduled.intersect(IntervalSet(std::move(maintenance)));
  fig.excluded = excluded.total();
  const IntervalSet counted = scheduled.subtract(excluded);

  const auto spans = service_status(service, *ctx.index, range);
  const auto& pieces = counted.intervals();
  std::size_t j = 0;
  for (const auto& span : spans) {
    while (j < pieces.size() && pieces[j].end <= span.when.start) ++j;
    for (std::size_t k = j; k < pieces.size() && pieces[k].start < span.when.end; ++k) {
      const Interval overlap{std::max(pieces[k].start, span.when.start),
                             std::min(pieces[k].end, span.when.end)};
      if (overlap.empty()) continue;
      switch (span.status) {
        case S::kAvailable:
          fig.provided += overlap.length();
          break;
        case S::kUnavailable:
          fig.unavailable += overlap.length();
          fig.unavailable_periods.append(overlap);
          break;
        case S::kUnknown:
          fig.unknown += overlap.length();
          fig.unknown_periods.append(overlap);
          break;
      }
    }
  }
  apply_formula(fig);
  return fig;
}

}  // namespace

void apply_formula(AvailabilityFigure& fig) {
  const shared::Nanos counted = fig.scheduled - fig.excluded;
  switch (fig.unknown_policy) {
    case UnknownPolicy::kUnavailable:
      fig.denominator = counted;
      fig.counted_provided = fig.provided;
      break;
    case UnknownPolicy::kAvailable:
      fig.denominator = counted;
      fig.counted_provided = fig.provided + fig.unknown;
      break;
    case UnknownPolicy::kExcluded:
      fig.denominator = counted - fig.unknown;
      fig.counted_provided = fig.provided;
      break;
  }
  const double denom = static_cast<double>(fig.denominator.count());
  const double minutes = denom / 60e9;
  const double share_down = (100.0 - fig.target_percent) / 100.0;
  fig.budget_minutes = share_down * minutes;
  const shared::Nanos down = fig.denominator - fig.counted_provided;
  fig.budget_left_minutes = fig.budget_minutes - static_cast<double>(down.count()) / 60e9;
  if (fig.denominator.count() <= 0) {
    fig.percent.reset();
    fig.met = true;
    return;
  }
  fig.percent = 100.0 * static_cast<double>(fig.counted_provided.count()) / denom;
  // Compared in integer nanoseconds so that exactly the budget (86.4 min of a 30-day month at
  // 99.8 %) meets the target instead of failing on a rounding error.
  const auto budget_ns = static_cast<std::int64_t>(std::llround(share_down * denom));
  fig.met = down.count() <= budget_ns;
}

AvailabilityFigure compute_availability(const ServiceSpec& service, const AvailabilityContext& ctx,
                                        Interval range) {
  return measure(service, ctx, range, service_scheduled(service, ctx, range));
}

AvailabilityFigure compute_month_availability(const ServiceSpec& service,
                                              const AvailabilityContext& ctx,
                                              std::chrono::year_month month) {
  const auto m = shared::jst_month(month);
  return compute_availability(service, ctx, {m.start, m.end});
}

std::vector<AvailabilityFigure> compute_availability_all(std::span<const ServiceSpec> services,
                                                         const AvailabilityContext& ctx,
                                                         Interval range) {
  std::map<std::string, IntervalSet> scheduled_by_calendar;
  std::vector<AvailabilityFigure> out;
  out.reserve(services.size());
  for (const auto& s : services) {
    auto it = scheduled_by_calendar.find(s.calendar);
    if (it == scheduled_by_calendar.end()) {
      it = scheduled_by_calendar.emplace(s.calendar, service_scheduled(s, ctx, range)).first;
    }
    out.push_back(measure(s, ctx, range, it->second));
  }
  return out;
}

}  // namespace pathwatch::collector
