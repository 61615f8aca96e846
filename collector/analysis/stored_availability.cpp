// Availability from stored rows: read, index, compute (the API route's computation).
#include "collector/analysis/stored_availability.hpp"

#include "collector/analysis/flow_timeline.hpp"

namespace pathwatch::collector {

AnalysisInput read_analysis_input(Store& store, const AnalysisConfig& config, Interval range) {
  AnalysisInput in;
  RowFilter f;
  f.start = range.start - kAnalysisLookback;
  f.end = range.end;
  in.changes = store.state_changes(f);
  in.windows = store.windows(f);
  in.sessions = store.sessions(f);
  in.routes = store.route_changes(f);
  in.maintenance = config.maintenance;
  for (const auto& m : store.maintenance()) {
    in.maintenance.push_back(MaintenanceWindow{Interval{m.start, m.end}, m.services, m.note});
  }
  return in;
}

AnalysisInput read_availability_input(Store& store, const AnalysisConfig& config, Interval range) {
  AnalysisInput in;
  RowFilter f;
  f.start = range.start - kAnalysisLookback;
  f.end = range.end;
  in.changes = store.state_changes(f);
  in.windows = store.timeline_windows(f);
  in.sessions = store.sessions(f);
  in.maintenance = config.maintenance;
  for (const auto& m : store.maintenance()) {
    in.maintenance.push_back(MaintenanceWindow{Interval{m.start, m.end}, m.services, m.note});
  }
  return in;
}

std::vector<AvailabilityFigure> stored_availability(Store& store, const AnalysisConfig& config,
                                                    std::span<const ServiceSpec> services,
                                                    Interval range) {
  const AnalysisInput in = read_availability_input(store, config, range);
  const ObservationIndex index(ObservationRows{in.changes, in.windows, in.sessions});
  const AvailabilityContext ctx{&index, &config.holidays, &config.calendars, in.maintenance};
  return compute_availability_all(services, ctx, range);
}

}  // namespace pathwatch::collector
