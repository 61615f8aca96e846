// Rows and analysis results as JSON for the HTTP API. Times are given twice: UTC (RFC 3339,
// nanoseconds) for scripts and JST for people ("…_jst").
#pragma once

#include <nlohmann/json.hpp>

#include "collector/analysis/availability.hpp"
#include "collector/analysis/failover.hpp"
#include "collector/ingest/ingest_counters.hpp"
#include "collector/store/records.hpp"

namespace pathwatch::collector {

using Json = nlohmann::json;

void put_time(Json& j, const char* key, shared::UtcNanos t);
Json to_json(const FlowRef& f);
Json to_json(const AgentSummary& a, bool silent);
Json to_json(const FlowLatest& f);
Json to_json(const StoredStateChange& c);
Json to_json(const StoredRouteChange& c);
Json to_json(const StoredLinkChange& c);
Json to_json(const StoredGap& g);
Json to_json(const MaintenanceRecord& m);
Json to_json(const FailoverEvent& e);
Json to_json(const AvailabilityFigure& f);
Json to_json(const IngestCounters& c);

}  // namespace pathwatch::collector
