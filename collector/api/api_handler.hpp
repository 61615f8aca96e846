// The API's routes as a pure function of (method, target, body) over the store, the analysis
// config and the ingest counters: no sockets, so every route is unit-tested directly. The
// HTTP server (http_server.hpp) only moves bytes.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "collector/analysis/analysis_config.hpp"
#include "collector/ingest/ingest_counters.hpp"
#include "collector/store/store.hpp"
#include "shared/time/clock.hpp"

namespace pathwatch::collector {

namespace incident {
class IncidentStore;
}  // namespace incident

class ApiAccess;
class RefusedWriteAudit;

struct ApiRequest {
  std::string method;  // "GET", "POST", "DELETE"
  std::string target;  // path and query, e.g. "/v1/events?site=honcho"
  std::string body;
  std::string authorization{};  // the Authorization header, "" when absent; never logged
  std::string peer{};           // the caller's address, for the audit trail
  bool peer_loopback = false;   // the connection came from a loopback address
  // What ApiAccess::screen judges (browser defences): Origin and Host when present, and the
  // Content-Type ("" when absent).
  std::optional<std::string> origin{};
  std::optional<std::string> host{};
  std::string content_type{};
};

struct ApiResponse {
  int status = 200;
  std::string body;                                            // JSON
  std::vector<std::pair<std::string, std::string>> headers{};  // extra, e.g. WWW-Authenticate
};

struct ApiContext {
  Store* store = nullptr;
  const AnalysisConfig* analysis = nullptr;
  const IngestCounters* counters = nullptr;  // may be null (tests)
  const shared::Clock* clock = nullptr;
  shared::Nanos silence{std::chrono::seconds{60}};  // an agent quiet this long is "silent"
  incident::IncidentStore* incidents = nullptr;     // null: /v1/incidents answers 404
  // Who may call (docs/security.md). Null: every caller is the operator "local" (the routes'
  // own unit tests); the collector always sets it.
  const ApiAccess* access = nullptr;
  // Refused writes (403) of one caller: at most one audit row a minute (docs/security.md
  // "Audit"). Null: every refused write is a row (tests of the routes).
  RefusedWriteAudit* refused_writes = nullptr;
};

// Authenticates (401 with WWW-Authenticate), checks the route's permission against the caller's
// role (403), answers the route, and records every write request in the store's audit trail
// (refused 403 ones at most once a minute per caller, with a count). Safe to call from several
// threads at once.
ApiResponse handle_api(const ApiRequest& request, const ApiContext& ctx);

// "a=1&b=x%20y" -> {a: 1, b: "x y"}; exposed for tests.
std::map<std::string, std::string> parse_query(std::string_view query);

}  // namespace pathwatch::collector
