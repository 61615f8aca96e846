// Availability read from the store: the rows a period needs, the config's and the operator's
// maintenance, then compute_availability_all. /v1/availability and the SLA budget alert share
// it, so an alert never disagrees with the figure the API reports.
#pragma once

#include <chrono>
#include <span>
#include <vector>

#include "collector/analysis/analysis_config.hpp"
#include "collector/analysis/availability.hpp"
#include "collector/store/store.hpp"

namespace pathwatch::collector {

// Rows this far before a period are read too, so timelines know the state at its start
// (windows arrive every 10 s by default; an hour is ample).
inline constexpr shared::Nanos kAnalysisLookback = std::chrono::hours{1};

// Rows and the maintenance list an analysis over a range needs.
struct AnalysisInput {
  std::vector<StoredStateChange> changes;
  std::vector<StoredWindow> windows;
  std::vector<AgentSession> sessions;
  std::vector<StoredRouteChange> routes;
  std::vector<MaintenanceWindow> maintenance;  // config first, then the store's
};

// Throws StoreError.
AnalysisInput read_analysis_input(Store& store, const AnalysisConfig& config, Interval range);

// What availability needs over a range: as read_analysis_input, but `windows` holds only the
// window end-states the timelines need (Store::timeline_windows), not every window of the
// range (a month of 10 s windows for 4,000 flows is a billion rows), and no route changes.
// The figures are the same. Throws StoreError.
AnalysisInput read_availability_input(Store& store, const AnalysisConfig& config, Interval range);

// Each service's figure over `range` (for a month: its JST bounds). Throws StoreError.
std::vector<AvailabilityFigure> stored_availability(Store& store, const AnalysisConfig& config,
                                                    std::span<const ServiceSpec> services,
                                                    Interval range);

}  // namespace pathwatch::collector
