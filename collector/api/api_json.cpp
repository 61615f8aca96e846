// JSON shapes of the API (documented in docs/collector.md).
#include "collector/api/api_json.hpp"

#include "shared/time/jst.hpp"

namespace pathwatch::collector {

namespace {
double minutes(shared::Nanos d) {
  return static_cast<double>(d.count()) / 60e9;
}
std::int64_t whole_seconds(shared::Nanos d) {
  return std::chrono::duration_cast<std::chrono::seconds>(d).count();
}
const char* kind_name(ProbeKind k) {
  return k == ProbeKind::kTcp ? "tcp" : k == ProbeKind::kIcmp ? "icmp" : "unspecified";
}
}  // namespace

void put_time(Json& j, const char* key, shared::UtcNanos t) {
  j[key] = shared::format_utc(t);
  j[std::string(key) + "_jst"] = shared::format_jst(t);
}

Json to_json(const FlowRef& f) {
  return Json{{"agent_id", f.agent_id}, {"site", f.site}, {"target", f.target},
              {"address", f.address},   {"path", f.path}, {"kind", kind_name(f.kind)},
              {"port", f.port}};
}

Json to_json(const AgentSummary& a, bool silent) {
  Json j{{"agent_id", a.agent_id}, {"site", a.site},
         {"hostname", a.hostname}, {"agent_version", a.agent_version},
         {"last_seq", a.last_seq}, {"through_seq", a.through_seq},
         {"silent", silent}};
  put_time(j, "first_seen", a.first_seen);
  put_time(j, "last_seen", a.last_seen);
  put_time(j, "last_received", a.last_received);
  return j;
}

Json to_json(const FlowLatest& f) {
  Json j = to_json(f.flow);
  j["state"] = to_string(f.state);
  put_time(j, "at", f.at);        // the latest change or window seen
  put_time(j, "since", f.since);  // when the flow entered this state
  return j;
}

Json to_json(const StoredStateChange& c) {
  Json j = to_json(c.flow);
  j["type"] = "state_change";
  j["seq"] = c.seq;
  put_time(j, "at", c.at);
  j["from"] = to_string(c.from);
  j["to"] = to_string(c.to);
  j["reason"] = c.reason;
  j["last_tcp_outcome"] = c.last_tcp_outcome;
  if (!c.icmp_router.empty()) {
    j["icmp"] = Json{{"router", c.icmp_router}, {"type", c.icmp_type}, {"code", c.icmp_code}};
  }
  return j;
}

Json to_json(const StoredRouteChange& c) {
  Json j{{"type", "route_change"},
         {"agent_id", c.agent_id},
         {"site", c.site},
         {"seq", c.seq},
         {"prefix", c.prefix},
         {"from_path", c.from_path},
         {"to_path", c.to_path},
         {"out_interface", c.out_interface},
         {"gateway", c.gateway},
         {"source", c.source == 1   ? "netlink"
                    : c.source == 2 ? "hops"
                                    : "unspecified"}};
  put_time(j, "at", c.at);
  return j;
}

Json to_json(const StoredLinkChange& c) {
  Json j{{"type", "link_change"}, {"agent_id", c.agent_id},   {"site", c.site},
         {"seq", c.seq},          {"interface", c.interface}, {"path", c.path},
         {"oper_up", c.oper_up}};
  put_time(j, "at", c.at);
  return j;
}

Json to_json(const StoredGap& g) {
  Json j{{"agent_id", g.agent_id},
         {"site", g.site},
         {"first_seq", g.first_seq},
         {"last_seq", g.last_seq}};
  put_time(j, "detected", g.detected);
  return j;
}

Json to_json(const MaintenanceRecord& m) {
  Json j{{"id", m.id}, {"services", m.services}, {"note", m.note}, {"source", "api"}};
  put_time(j, "start", m.start);
  put_time(j, "end", m.end);
  return j;
}

Json to_json(const FailoverEvent& e) {
  Json j{{"type", to_string(e.kind)},
         {"site", e.site},
         {"detected_by", to_string(e.detected_by)},
         {"ongoing", !e.end.has_value()},
         {"duration_s", static_cast<double>(e.duration.count()) / 1e9},
         {"backup_path", e.backup_path},
         {"detection_latency_s", static_cast<double>(e.detection_latency.count()) / 1e9},
         {"interrupted_s", static_cast<double>(e.interrupted.count()) / 1e9},
         {"services_affected", e.services_affected},
         {"flapping", e.flapping}};
  put_time(j, "at", e.start);
  if (e.end) put_time(j, "end", *e.end);
  put_time(j, "fault_onset", e.fault_onset);
  return j;
}

Json to_json(const AvailabilityFigure& f) {
  Json periods = Json::array();
  for (const auto& i : f.unavailable_periods.intervals()) {
    Json p;
    put_time(p, "start", i.start);
    put_time(p, "end", i.end);
    periods.push_back(p);
  }
  Json j{{"service", f.service},
         {"percent", f.percent ? Json(*f.percent) : Json(nullptr)},
         {"target_percent", f.target_percent},
         {"met", f.met},
         {"scheduled_minutes", minutes(f.scheduled)},
         {"excluded_minutes", minutes(f.excluded)},
         {"provided_minutes", minutes(f.provided)},
         {"unavailable_minutes", minutes(f.unavailable)},
         {"unknown_minutes", minutes(f.unknown)},
         // Whole seconds (truncated) of the same five figures: exact integers for scripts that
         // check a month to the second (minutes as doubles are not).
         {"scheduled_seconds", whole_seconds(f.scheduled)},
         {"excluded_seconds", whole_seconds(f.excluded)},
         {"provided_seconds", whole_seconds(f.provided)},
         {"unavailable_seconds", whole_seconds(f.unavailable)},
         {"unknown_seconds", whole_seconds(f.unknown)},
         {"unknown_counts_as", to_string(f.unknown_policy)},
         {"budget_minutes", f.budget_minutes},
         {"budget_left_minutes", f.budget_left_minutes},
         {"unavailable_periods", periods}};
  put_time(j, "start", f.range.start);
  put_time(j, "end", f.range.end);
  return j;
}

Json to_json(const IngestCounters& c) {
  Json rejected = Json::object();
  for (std::size_t i = 0; i < kRejectReasonCount; ++i) {
    rejected[to_string(static_cast<RejectReason>(i))] = c.rejected[i].load();
  }
  return Json{{"received", c.received.load()},
              {"accepted", c.accepted.load()},
              {"stored", c.stored.load()},
              {"duplicates", c.duplicates.load()},
              {"gaps", c.gaps.load()},
              {"gaps_given_up", c.gaps_given_up.load()},
              {"commits", c.commits.load()},
              {"commit_failures", c.commit_failures.load()},
              {"acks_sent", c.acks_sent.load()},
              {"rejects_sent", c.rejects_sent.load()},
              {"rejected", rejected}};
}

}  // namespace pathwatch::collector
