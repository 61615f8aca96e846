// The API's incident routes: GET /v1/incidents[?open=1&limit=N] (newest first, without the
// full verdict) and GET /v1/incidents/ID (with it). Pure over the incident store.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "collector/api/api_handler.hpp"

namespace pathwatch::collector {

// `rest` is the path after "/v1/incidents" ("" or "/ID"). A null store answers 404 with
// "incidents are not enabled" (no topology: in the collector config).
ApiResponse incident_route(const ApiRequest& request, std::string_view rest,
                           const std::map<std::string, std::string>& query,
                           incident::IncidentStore* incidents);

}  // namespace pathwatch::collector
