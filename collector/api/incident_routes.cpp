// GET /v1/incidents and /v1/incidents/ID over the incident store.
#include "collector/api/incident_routes.hpp"

#include <fmt/format.h>

#include <charconv>
#include <nlohmann/json.hpp>

#include "collector/incident/incident_store.hpp"
#include "collector/store/store.hpp"

namespace pathwatch::collector {

namespace {

using Json = nlohmann::json;

// Replace, not throw, on invalid UTF-8: an id in the path (/v1/incidents/%FF) is quoted in
// the 404, and a throw would make it a 500.
ApiResponse answer(int status, const Json& j) {
  return ApiResponse{status, j.dump(-1, ' ', false, Json::error_handler_t::replace)};
}
ApiResponse error(int status, const std::string& message) {
  return answer(status, Json{{"error", message}});
}

}  // namespace

ApiResponse incident_route(const ApiRequest& request, std::string_view rest,
                           const std::map<std::string, std::string>& query,
                           incident::IncidentStore* incidents) {
  if (request.method != "GET") {
    return error(405, fmt::format("{} not allowed on /v1/incidents", request.method));
  }
  if (!incidents) return error(404, "incidents are not enabled (no topology: in the config)");
  try {
    if (rest.empty() || rest == "/") {
      incident::IncidentQuery q;
      if (auto it = query.find("limit"); it != query.end()) {
        std::size_t n = 0;
        const auto& s = it->second;
        const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
        if (ec != std::errc{} || p != s.data() + s.size() || n == 0 || n > 10000) {
          return error(400, "limit: expected a number 1-10000");
        }
        q.limit = n;
      }
      if (auto it = query.find("open"); it != query.end()) {
        if (it->second != "1" && it->second != "0") return error(400, "open: expected 1 or 0");
        q.open_only = it->second == "1";
      }
      Json list = Json::array();
      for (const auto& inc : incidents->list(q)) {
        list.push_back(Json::parse(incident::incident_to_json(inc, false)));
      }
      return answer(200, Json{{"incidents", list}});
    }
    const std::string id(rest.substr(1));
    if (id.empty() || id.find('/') != std::string::npos) {
      return error(404, fmt::format("no such endpoint: /v1/incidents{}", rest));
    }
    const auto inc = incidents->get(id);
    if (!inc) return error(404, fmt::format("no incident {}", id));
    return ApiResponse{200, incident::incident_to_json(*inc, true)};
  } catch (const StoreError& e) {
    return error(500, fmt::format("store: {}", e.what()));
  }
}

}  // namespace pathwatch::collector
