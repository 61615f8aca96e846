// Routes of the v1 API. Errors are JSON {"error": "..."} with 400 (bad parameters), 404
// (unknown route or id), 405 (wrong method), 500 (store failure).
#include "collector/api/api_handler.hpp"

#include <fmt/format.h>

#include <charconv>
#include <set>

#include "collector/analysis/availability.hpp"
#include "collector/analysis/failover.hpp"
#include "collector/analysis/flow_timeline.hpp"
#include "collector/analysis/stored_availability.hpp"
#include "collector/api/api_access.hpp"
#include "collector/api/api_audit.hpp"
#include "collector/api/api_json.hpp"
#include "collector/api/incident_routes.hpp"
#include "collector/api/refused_write_audit.hpp"
#include "shared/logging/logging.hpp"
#include "shared/logging/printable.hpp"
#include "shared/time/jst.hpp"

namespace pathwatch::collector {

namespace {

constexpr auto kMaxEventsRange = std::chrono::days{31};

struct HttpError {
  int status;
  std::string message;
};

// Replace, not throw: a path or a value may carry invalid UTF-8 (POST /v1/%FF), and a throw
// here would turn a 403 into a 500 that skips the audit.
ApiResponse json_response(int status, const Json& j) {
  return ApiResponse{status, j.dump(-1, ' ', false, Json::error_handler_t::replace)};
}
ApiResponse error_response(int status, const std::string& message) {
  return json_response(status, Json{{"error", message}});
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string url_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() + 0 && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

shared::UtcNanos time_param(const std::map<std::string, std::string>& q, const char* key,
                            shared::UtcNanos fallback) {
  const auto it = q.find(key);
  if (it == q.end() || it->second.empty()) return fallback;
  if (auto t = parse_config_time(it->second)) return *t;
  throw HttpError{400, fmt::format("{}: expected a time such as '2026-11-03 01:00' (JST) or "
                                   "'2026-11-02T16:00Z', got '{}'",
                                   key, it->second)};
}

bool is_silent(const AgentSummary& a, const ApiContext& ctx) {
  return ctx.clock->utc_now() - a.last_received > ctx.silence;
}

ApiResponse get_status(const ApiContext& ctx) {
  Json agents = Json::array();
  for (const auto& a : ctx.store->agents()) agents.push_back(to_json(a, is_silent(a, ctx)));
  Json flows = Json::array();
  for (const auto& f : ctx.store->latest_flow_states()) flows.push_back(to_json(f));
  Json j{{"agents", agents}, {"flows", flows}};
  put_time(j, "now", ctx.clock->utc_now());
  if (ctx.counters) j["ingest"] = to_json(*ctx.counters);
  return json_response(200, j);
}

ApiResponse get_sites(const ApiContext& ctx) {
  struct Site {
    int agents = 0, silent = 0, flows = 0, up = 0, degraded = 0, down = 0, unknown = 0;
    shared::UtcNanos last_seen{};
  };
  std::map<std::string, Site> sites;
  for (const auto& a : ctx.store->agents()) {
    Site& s = sites[a.site];
    ++s.agents;
    s.silent += is_silent(a, ctx) ? 1 : 0;
    s.last_seen = std::max(s.last_seen, a.last_seen);
  }
  for (const auto& f : ctx.store->latest_flow_states()) {
    Site& s = sites[f.flow.site];
    ++s.flows;
    switch (f.state) {
      case PathState::kUp:
        ++s.up;
        break;
      case PathState::kDegraded:
        ++s.degraded;
        break;
      case PathState::kDown:
        ++s.down;
        break;
      default:
        ++s.unknown;
    }
  }
  Json out = Json::array();
  for (const auto& [name, s] : sites) {
    Json j{{"site", name},         {"agents", s.agents},        {"silent_agents", s.silent},
           {"flows", s.flows},     {"flows_up", s.up},          {"flows_degraded", s.degraded},
           {"flows_down", s.down}, {"flows_unknown", s.unknown}};
    put_time(j, "last_seen", s.last_seen);
    out.push_back(j);
  }
  return json_response(200, Json{{"sites", out}});
}

ApiResponse get_events(const std::map<std::string, std::string>& q, const ApiContext& ctx) {
  const auto now = ctx.clock->utc_now();
  const auto until = time_param(q, "until", now);
  const auto since = time_param(q, "since", until - std::chrono::hours{24});
  if (until <= since) throw HttpError{400, "until must be after since"};
  // The read and the failover analysis grow with the range: bounded, so one request cannot
  // hold a route thread (and the API's stop) over the whole database.
  if (until - since > kMaxEventsRange) {
    throw HttpError{400, "since..until: at most 31 days per request"};
  }
  RowFilter f;
  f.start = since;
  f.end = until;
  if (auto it = q.find("site"); it != q.end() && !it->second.empty()) f.site = it->second;
  Json state = Json::array(), route = Json::array(), link = Json::array(), gaps = Json::array();
  for (const auto& c : ctx.store->state_changes(f)) state.push_back(to_json(c));
  for (const auto& c : ctx.store->route_changes(f)) route.push_back(to_json(c));
  for (const auto& c : ctx.store->link_changes(f)) link.push_back(to_json(c));
  for (const auto& g : ctx.store->gaps(f)) gaps.push_back(to_json(g));
  Json failovers = Json::array(), flaps = Json::array();
  const Interval range{since, until};
  const AnalysisInput in = read_analysis_input(*ctx.store, *ctx.analysis, range);
  const ObservationIndex index(ObservationRows{in.changes, in.windows, in.sessions});
  const FailoverReport report =
      detect_failovers(index, in.routes, ctx.analysis->services, ctx.analysis->failover, range);
  for (const auto& e : report.events) {
    if (!f.site || e.site == *f.site) failovers.push_back(to_json(e));
  }
  for (const auto& fl : report.flaps) {
    if (f.site && fl.site != *f.site) continue;
    Json j{{"site", fl.site}, {"switches", fl.switches}};
    put_time(j, "start", fl.when.start);
    put_time(j, "end", fl.when.end);
    flaps.push_back(j);
  }
  Json j{{"state_changes", state}, {"route_changes", route}, {"link_changes", link},
         {"failovers", failovers}, {"flaps", flaps},         {"gaps", gaps}};
  put_time(j, "since", since);
  put_time(j, "until", until);
  return json_response(200, j);
}

ApiResponse get_availability(const std::map<std::string, std::string>& q, const ApiContext& ctx) {
  const auto it = q.find("month");
  if (it == q.end()) throw HttpError{400, "month=YYYY-MM is required"};
  int y = 0;
  unsigned m = 0;
  const std::string& text = it->second;
  const bool shape = text.size() == 7 && text[4] == '-' &&
                     std::from_chars(text.data(), text.data() + 4, y).ec == std::errc{} &&
                     std::from_chars(text.data() + 5, text.data() + 7, m).ec == std::errc{};
  if (!shape || m < 1 || m > 12 || y < 2000 || y > 2100) {
    throw HttpError{400, fmt::format("month: expected YYYY-MM, got '{}'", text)};
  }
  const std::chrono::year_month month{std::chrono::year{y}, std::chrono::month{m}};
  std::vector<ServiceSpec> services;
  const auto svc = q.find("service");
  for (const auto& s : ctx.analysis->services) {
    if (svc == q.end() || svc->second == s.name) services.push_back(s);
  }
  if (svc != q.end() && services.empty()) {
    throw HttpError{404, fmt::format("unknown service '{}'", svc->second)};
  }
  const auto range_jst = shared::jst_month(month);
  const Interval range{range_jst.start, range_jst.end};
  Json figures = Json::array();
  bool all_met = true;
  for (const auto& f : stored_availability(*ctx.store, *ctx.analysis, services, range)) {
    all_met = all_met && f.met;
    figures.push_back(to_json(f));
  }
  return json_response(200, Json{{"month", text}, {"services", figures}, {"all_met", all_met}});
}

ApiResponse maintenance_route(const ApiRequest& r, std::string_view rest, const ApiContext& ctx) {
  if (rest.empty() && r.method == "GET") {
    Json out = Json::array();
    for (const auto& w : ctx.analysis->maintenance) {
      Json j{{"id", nullptr}, {"services", w.services}, {"note", w.note}, {"source", "config"}};
      put_time(j, "start", w.when.start);
      put_time(j, "end", w.when.end);
      out.push_back(j);
    }
    for (const auto& m : ctx.store->maintenance()) out.push_back(to_json(m));
    return json_response(200, Json{{"maintenance", out}});
  }
  if (rest.empty() && r.method == "POST") {
    const Json body = Json::parse(r.body, nullptr, false);
    if (body.is_discarded() || !body.is_object())
      throw HttpError{400, "body: expected a JSON object"};
    auto text = [&](const char* key, bool required) -> std::string {
      if (!body.contains(key)) {
        if (required) throw HttpError{400, fmt::format("{}: required", key)};
        return {};
      }
      if (!body[key].is_string()) throw HttpError{400, fmt::format("{}: expected a string", key)};
      return body[key].get<std::string>();
    };
    MaintenanceRecord rec;
    const std::string start = text("start", true), end = text("end", true);
    const auto s = parse_config_time(start), e = parse_config_time(end);
    if (!s) throw HttpError{400, fmt::format("start: expected a time, got '{}'", start)};
    if (!e) throw HttpError{400, fmt::format("end: expected a time, got '{}'", end)};
    if (*e <= *s) throw HttpError{400, "end must be after start"};
    rec.start = *s;
    rec.end = *e;
    rec.note = text("note", false);
    if (body.contains("services")) {
      if (!body["services"].is_array()) throw HttpError{400, "services: expected a list"};
      std::set<std::string> known;
      for (const auto& svc : ctx.analysis->services) known.insert(svc.name);
      for (const auto& v : body["services"]) {
        if (!v.is_string()) throw HttpError{400, "services: expected strings"};
        if (!known.contains(v.get<std::string>())) {
          throw HttpError{400, fmt::format("unknown service '{}'", v.get<std::string>())};
        }
        rec.services.push_back(v.get<std::string>());
      }
    }
    rec.id = ctx.store->add_maintenance(rec);
    return json_response(201, to_json(rec));
  }
  if (!rest.empty() && rest.front() == '/' && r.method == "DELETE") {
    const std::string_view digits = rest.substr(1);
    std::int64_t id = 0;
    const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
    if (ec != std::errc{} || ptr != digits.data() + digits.size()) {
      throw HttpError{400, "maintenance id: expected a number"};
    }
    if (!ctx.store->remove_maintenance(id)) {
      throw HttpError{404, fmt::format("no maintenance window {}", id)};
    }
    return json_response(200, Json{{"removed", id}});
  }
  throw HttpError{405, fmt::format("{} not allowed here", r.method)};
}

}  // namespace

std::map<std::string, std::string> parse_query(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (!pair.empty()) {
      out[url_decode(pair.substr(0, eq))] =
          eq == std::string_view::npos ? std::string() : url_decode(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

namespace {

constexpr std::string_view kAuditPath = "/v1/audit";

// Reads are GET (and HEAD); every other method changes something or tries to, so it needs the
// write permission whatever the route, and is audited.
shared::ApiPermission permission_for(std::string_view method, std::string_view path) {
  if (method != "GET" && method != "HEAD") return shared::ApiPermission::kWrite;
  if (path == kAuditPath) return shared::ApiPermission::kReadAudit;
  return shared::ApiPermission::kRead;
}

ApiResponse route_api(const ApiRequest& request, std::string_view path,
                      const std::map<std::string, std::string>& query, const ApiContext& ctx) {
  try {
    if (path == kAuditPath) {
      if (request.method != "GET") {
        throw HttpError{405, fmt::format("{} not allowed on {}", request.method, path)};
      }
      return audit_route(query, *ctx.store);
    }
    constexpr std::string_view kMaintenance = "/v1/maintenance";
    if (path.substr(0, kMaintenance.size()) == kMaintenance) {
      return maintenance_route(request, path.substr(kMaintenance.size()), ctx);
    }
    constexpr std::string_view kIncidents = "/v1/incidents";
    if (path.substr(0, kIncidents.size()) == kIncidents &&
        (path.size() == kIncidents.size() || path[kIncidents.size()] == '/')) {
      return incident_route(request, path.substr(kIncidents.size()), query, ctx.incidents);
    }
    const bool known = path == "/v1/status" || path == "/v1/sites" || path == "/v1/events" ||
                       path == "/v1/availability";
    if (!known) throw HttpError{404, fmt::format("no such endpoint: {}", path)};
    if (request.method != "GET") {
      throw HttpError{405, fmt::format("{} not allowed on {}", request.method, path)};
    }
    if (path == "/v1/status") return get_status(ctx);
    if (path == "/v1/sites") return get_sites(ctx);
    if (path == "/v1/events") return get_events(query, ctx);
    return get_availability(query, ctx);
  } catch (const HttpError& e) {
    return error_response(e.status, e.message);
  } catch (const StoreError& e) {
    return error_response(500, fmt::format("store: {}", e.what()));
  } catch (const std::exception& e) {
    return error_response(500, e.what());
  }
}

// A write's record goes to the store after the write itself (its result is part of it). A
// failure to store it cannot undo the write, so it is logged as an error with the record's
// content instead: the trail is then in the journal.
// `stands_for` > 1: a refused write's row that also counts the refusals left out before it.
void audit(const ApiRequest& request, const ApiCaller& caller, const ApiResponse& response,
           const ApiContext& ctx, std::uint64_t stands_for = 1) {
  static const auto log = shared::component_logger("collector.audit");
  AuditRecord record = make_audit_record(request, caller, response, ctx.clock->utc_now());
  if (stands_for > 1) {
    record.result += fmt::format(" (this row stands for {} refused writes)", stands_for);
  }
  try {
    ctx.store->add_audit(record);
    // route and method are already printable (make_audit_record); result may quote the path.
    log->info("{} ({}, {}) {} {} from {} -> {} {}", record.who, record.role, record.via,
              record.method, record.route, record.peer, record.status,
              shared::printable(record.result, 300));
  } catch (const StoreError& e) {
    log->error("audit record NOT stored ({}): {} ({}, {}) {} {} from {} -> {} {}; body {}",
               e.what(), record.who, record.role, record.via, record.method, record.route,
               record.peer, record.status, shared::printable(record.result, 300),
               shared::printable(record.summary, 600));
  }
}

}  // namespace

ApiResponse handle_api(const ApiRequest& request, const ApiContext& ctx) {
  const std::string_view target = request.target;
  const auto qmark = target.find('?');
  const std::string_view path = target.substr(0, qmark);
  const auto query =
      parse_query(qmark == std::string_view::npos ? std::string_view{} : target.substr(qmark + 1));
  const shared::ApiPermission needed = permission_for(request.method, path);
  ApiCaller caller{"local", shared::ApiRole::kOperator, "trusted"};
  if (ctx.access) {
    const auto optional_view = [](const std::optional<std::string>& s) {
      return s ? std::optional<std::string_view>(*s) : std::nullopt;
    };
    if (auto refusal =
            ctx.access->screen(RequestHeaders{request.method, optional_view(request.origin),
                                              optional_view(request.host), request.content_type})) {
      // Not audited: a web page could otherwise fill the table.
      return error_response(refusal->status, refusal->message);
    }
    Authentication auth = ctx.access->authenticate(request.authorization, request.peer_loopback);
    if (!auth.caller) {
      // Not audited: anyone who reaches the port could fill the table. RFC 6750 section 3.
      ApiResponse r = error_response(401, auth.refusal);
      const bool presented = !request.authorization.empty();
      r.headers.emplace_back("WWW-Authenticate",
                             presented ? R"(Bearer realm="pathwatch", error="invalid_token")"
                                       : R"(Bearer realm="pathwatch")");
      return r;
    }
    caller = std::move(*auth.caller);
  }
  if (!shared::role_allows(caller.role, needed)) {
    ApiResponse r =
        error_response(403, fmt::format("'{}' has the role {}, which may not {} {}", caller.name,
                                        shared::role_name(caller.role), request.method, path));
    if (needed == shared::ApiPermission::kWrite) {
      // One synchronous store transaction per refusal would let a viewer's loop fill the disk
      // and contend with ingest for the writer lock: rows are rate-limited per caller.
      std::optional<std::uint64_t> stands_for = 1;
      if (ctx.refused_writes)
        stands_for = ctx.refused_writes->admit(caller.name, ctx.clock->utc_now());
      if (stands_for) audit(request, caller, r, ctx, *stands_for);
    }
    return r;
  }
  ApiResponse r = route_api(request, path, query, ctx);
  if (needed == shared::ApiPermission::kWrite) audit(request, caller, r, ctx);
  return r;
}

}  // namespace pathwatch::collector
