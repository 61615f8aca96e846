// Audit records: summaries that keep secrets out, and the read route.
#include "collector/api/api_audit.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <nlohmann/json.hpp>

#include "collector/analysis/analysis_config.hpp"
#include "collector/api/api_json.hpp"
#include "shared/logging/printable.hpp"

namespace pathwatch::collector {

namespace {

constexpr std::size_t kFieldBytes = 120;

bool is_secret_key(std::string key) {
  std::transform(key.begin(), key.end(), key.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  constexpr std::array<std::string_view, 5> kWords{"token", "secret", "password", "authorization",
                                                   "key"};
  return std::any_of(kWords.begin(), kWords.end(),
                     [&](std::string_view w) { return key.find(w) != std::string::npos; });
}

// Cuts at a UTF-8 character boundary so the JSON stays valid.
std::string cut(std::string s, std::size_t max) {
  if (s.size() <= max) return s;
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  s.resize(n);
  return s + "...";
}

Json record_json(const AuditRecord& r) {
  Json j{{"id", r.id},         {"who", r.who},       {"role", r.role},   {"via", r.via},
         {"peer", r.peer},     {"method", r.method}, {"route", r.route}, {"summary", r.summary},
         {"status", r.status}, {"result", r.result}};
  put_time(j, "at", r.at);
  return j;
}

// Replace, not throw, on invalid UTF-8: one bad byte must not make the trail unreadable.
std::string dump(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

ApiResponse error(int status, const std::string& message) {
  return ApiResponse{status, dump(Json{{"error", message}})};
}

}  // namespace

std::string audit_summary(std::string_view body) {
  if (body.empty()) return "";
  const Json j = Json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return fmt::format("<{} bytes, not a JSON object>", body.size());
  }
  Json out = Json::object();
  for (const auto& [key, value] : j.items()) {
    if (is_secret_key(key)) {
      out[key] = "<redacted>";
    } else if (value.is_string()) {
      out[key] = cut(value.get<std::string>(), kFieldBytes);
    } else {
      const std::string text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
      out[key] = text.size() <= kFieldBytes ? value : Json(cut(text, kFieldBytes));
    }
  }
  return cut(out.dump(-1, ' ', false, Json::error_handler_t::replace), kAuditSummaryBytes);
}

AuditRecord make_audit_record(const ApiRequest& request, const ApiCaller& caller,
                              const ApiResponse& response, shared::UtcNanos at) {
  AuditRecord r;
  r.at = at;
  r.who = caller.name;
  r.role = std::string(shared::role_name(caller.role));
  r.via = caller.via;
  r.peer = request.peer;
  // The path and method are the caller's bytes: stored escaped (\xNN), so the row is valid
  // UTF-8 for the JSON of GET /v1/audit and safe in a log line.
  r.method = shared::printable(request.method, 16);
  const auto q = request.target.find('?');
  r.route = shared::printable(std::string_view(request.target).substr(0, q), 256);
  r.summary = audit_summary(request.body);
  r.status = response.status;
  // The answer's "error", or what was created/removed, in a few words.
  const Json j = Json::parse(response.body, nullptr, false);
  if (!j.is_discarded() && j.is_object()) {
    if (j.contains("error") && j["error"].is_string()) {
      r.result = cut(j["error"].get<std::string>(), 200);
    } else if (j.contains("removed")) {
      r.result = fmt::format("removed {}", j["removed"].dump());
    } else if (j.contains("id")) {
      r.result = fmt::format("created {}", j["id"].dump());
    }
  }
  if (r.result.empty()) r.result = response.status < 400 ? "ok" : "failed";
  return r;
}

ApiResponse audit_route(const std::map<std::string, std::string>& query, Store& store) {
  shared::UtcNanos since{};
  if (auto it = query.find("since"); it != query.end() && !it->second.empty()) {
    const auto t = parse_config_time(it->second);
    if (!t) {
      return error(400, fmt::format("since: expected a time such as '2026-11-03 01:00' (JST) or "
                                    "'2026-11-02T16:00Z', got '{}'",
                                    it->second));
    }
    since = *t;
  }
  std::size_t limit = 100;
  if (auto it = query.find("limit"); it != query.end()) {
    const auto& s = it->second;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), limit);
    if (ec != std::errc{} || p != s.data() + s.size() || limit == 0 || limit > 10000) {
      return error(400, "limit: expected a number 1-10000");
    }
  }
  try {
    Json list = Json::array();
    for (const auto& r : store.audit_records(since, limit)) list.push_back(record_json(r));
    return ApiResponse{200, dump(Json{{"audit", list}})};
  } catch (const StoreError& e) {
    return error(500, fmt::format("store: {}", e.what()));
  }
}

}  // namespace pathwatch::collector
