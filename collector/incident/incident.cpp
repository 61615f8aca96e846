// Incident helpers: the verdict reduced to a history point, readable ids, and the JSON form
// kept in the store and served by the API.
#include "collector/incident/incident.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "collector/isolation/verdict_json.hpp"
#include "collector/notify/notification_json.hpp"
#include "collector/notify/verdict_summary.hpp"
#include "shared/time/jst.hpp"

namespace pathwatch::collector::incident {

using Json = nlohmann::json;

namespace {

// "down: dc-edge or lgcs + main-lan (inconclusive)"; sets causes and summary.
void describe(VerdictPoint& p, const notify::VerdictSummary& summary) {
  std::string text;
  p.causes.clear();
  for (const auto& cause : summary.causes) {
    std::vector<std::string> alts;
    std::string part;
    for (const auto& s : cause.alternatives) {
      alts.push_back(s.segment);
      part += (part.empty() ? "" : " or ") + s.segment;
    }
    text += (text.empty() ? "" : " + ") + part;
    p.causes.push_back(std::move(alts));
  }
  p.summary = p.nothing_failing ? std::string{"none"}
                                : fmt::format("{}: {}", notify::to_string(p.fault),
                                              text.empty() ? std::string{"not isolated"} : text);
  if (!p.causes.empty() && !p.conclusive) p.summary += " (inconclusive)";
}

}  // namespace

VerdictPoint summarize(const isolation::Verdict& verdict) {
  const auto fields = notify::summarize_verdict(verdict);
  VerdictPoint p;
  p.at = verdict.at;
  p.impact = verdict.impact;
  p.fault = fields.fault;
  p.conclusive = fields.summary.conclusive;
  // Nothing failing is not "not isolated": the look-back that stamps a verdict with when
  // it began must not run across an all-clear period into an earlier failure.
  p.nothing_failing = verdict.down.failing.empty() && verdict.down.unexplained.empty() &&
                      verdict.degraded.failing.empty() && verdict.degraded.unexplained.empty();
  describe(p, fields.summary);
  return p;
}

void mark_notified(Incident& inc, const notify::Notification& n) {
  VerdictPoint told;
  told.at = n.at;
  told.fault = n.fault;
  told.conclusive = n.verdict.conclusive;
  describe(told, n.verdict);
  told.settled = true;
  for (auto it = inc.history.rbegin(); it != inc.history.rend(); ++it) {
    // Causes and certainty: a message's fault is the incident's (its services' impact), a
    // history point's the verdict's own, so they may differ for the same verdict.
    if (!it->nothing_failing && it->conclusive == told.conclusive &&
        VerdictPoint::same_causes(it->causes, told.causes)) {
      it->settled = true;
      told = *it;
      break;
    }
  }
  inc.notified = std::move(told);
  inc.notified_summary = n.verdict;
}

const VerdictPoint* headline(const Incident& inc) {
  if (inc.closed && inc.notified) return &*inc.notified;
  return inc.history.empty() ? nullptr : &inc.history.back();
}

std::string incident_id_for(shared::UtcNanos opened) {
  const auto c = shared::to_jst(opened);
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(c.time_of_day).count();
  return fmt::format("INC-{:04d}{:02d}{:02d}-{:02d}{:02d}{:02d}", int(c.date.year()),
                     unsigned(c.date.month()), unsigned(c.date.day()), secs / 3600,
                     (secs / 60) % 60, secs % 60);
}

namespace {

using notify::time_from_json;
using notify::time_json;

isolation::ServiceImpact impact_from(const std::string& s) {
  for (auto i : {isolation::ServiceImpact::kNotMeasured, isolation::ServiceImpact::kNone,
                 isolation::ServiceImpact::kDegraded, isolation::ServiceImpact::kDown}) {
    if (s == isolation::to_string(i)) return i;
  }
  throw std::runtime_error("incident: unknown impact " + s);
}

}  // namespace

std::string incident_to_json(const Incident& inc, bool with_verdict) {
  Json history = Json::array();
  for (const auto& p : inc.history) {
    history.push_back(Json{{"at", time_json(p.at)},
                           {"impact", isolation::to_string(p.impact)},
                           {"fault", notify::to_string(p.fault)},
                           {"causes", p.causes},
                           {"conclusive", p.conclusive},
                           {"summary", p.summary},
                           {"settled", p.settled}});
  }
  Json failovers = Json::array();
  for (const auto& f : inc.failovers) {
    failovers.push_back(Json{{"at", time_json(f.at)},
                             {"site", f.site},
                             {"agent_id", f.agent_id},
                             {"from_path", f.from_path},
                             {"to_path", f.to_path},
                             {"failback", f.failback}});
  }
  // A closed incident reads as what was notified, not as its recovery's last draft.
  const VerdictPoint* head = headline(inc);
  const bool told = inc.closed && inc.notified;
  const Json summary = notify::verdict_summary_json(told ? inc.notified_summary : inc.summary);
  Json notified = nullptr;
  if (inc.notified) {
    notified = Json{{"at", time_json(inc.notified->at)},
                    {"impact", isolation::to_string(inc.notified->impact)},
                    {"fault", notify::to_string(inc.notified->fault)},
                    {"causes", inc.notified->causes},
                    {"conclusive", inc.notified->conclusive},
                    {"summary", inc.notified->summary},
                    {"verdict", notify::verdict_summary_json(inc.notified_summary)}};
  }
  Json j{{"id", inc.id},
         {"state", inc.closed ? "closed" : "open"},
         {"fault", notify::to_string(inc.fault)},
         {"opened", time_json(inc.opened)},
         {"updated", time_json(inc.updated)},
         {"closed", inc.closed ? time_json(*inc.closed) : Json(nullptr)},
         {"services", inc.services},
         {"sites", inc.sites},
         {"summary", head ? head->summary : std::string{}},
         {"current_summary", inc.history.empty() ? std::string{} : inc.history.back().summary},
         {"notified", notified},
         {"history", history},
         {"failovers", failovers},
         {"causes", summary.at("causes")},
         {"conclusive", summary.at("conclusive")},
         {"other_explanations", summary.at("other_explanations")},
         {"evidence_ja", summary.at("evidence_ja")},
         {"evidence_en", summary.at("evidence_en")},
         {"announced", inc.announced}};
  if (told) j["current_verdict"] = notify::verdict_summary_json(inc.summary);
  if (with_verdict && !inc.verdict_json.empty()) j["verdict"] = Json::parse(inc.verdict_json);
  return j.dump();
}

Incident incident_from_json(const std::string& text) {
  try {
    const Json j = Json::parse(text);
    Incident inc;
    inc.id = j.at("id").get<std::string>();
    inc.fault = notify::fault_from_string(j.at("fault").get<std::string>());
    inc.opened = time_from_json(j.at("opened"));
    inc.updated = time_from_json(j.at("updated"));
    if (!j.at("closed").is_null()) inc.closed = time_from_json(j.at("closed"));
    inc.services = j.at("services").get<std::vector<std::string>>();
    inc.sites = j.at("sites").get<std::vector<std::string>>();
    for (const auto& h : j.at("history")) {
      VerdictPoint p;
      p.at = time_from_json(h.at("at"));
      p.impact = impact_from(h.at("impact").get<std::string>());
      p.fault = notify::fault_from_string(h.at("fault").get<std::string>());
      p.causes = h.at("causes").get<std::vector<std::vector<std::string>>>();
      p.conclusive = h.at("conclusive").get<bool>();
      p.summary = h.at("summary").get<std::string>();
      p.nothing_failing = p.summary == "none";
      p.settled = h.value("settled", false);
      inc.history.push_back(std::move(p));
    }
    for (const auto& f : j.at("failovers")) {
      inc.failovers.push_back(
          FailoverRecord{time_from_json(f.at("at")), f.at("site").get<std::string>(),
                         f.at("agent_id").get<std::string>(), f.at("from_path").get<std::string>(),
                         f.at("to_path").get<std::string>(), f.at("failback").get<bool>()});
    }
    if (const auto& n = j.value("notified", Json(nullptr)); !n.is_null()) {
      VerdictPoint p;
      p.at = time_from_json(n.at("at"));
      p.impact = impact_from(n.value("impact", std::string{"not_measured"}));
      p.fault = notify::fault_from_string(n.at("fault").get<std::string>());
      p.causes = n.at("causes").get<std::vector<std::vector<std::string>>>();
      p.conclusive = n.at("conclusive").get<bool>();
      p.summary = n.at("summary").get<std::string>();
      p.settled = true;
      inc.notified = std::move(p);
      inc.notified_summary = notify::verdict_summary_from_json(n.at("verdict"));
    }
    // The top level holds the headline: the notified verdict once closed, else the current.
    if (inc.closed && inc.notified) {
      inc.summary = notify::verdict_summary_from_json(j.at("current_verdict"));
    } else {
      inc.summary = notify::verdict_summary_from_json(j);
    }
    if (j.contains("verdict")) inc.verdict_json = j.at("verdict").dump();
    // Rows from before settling: their opened message went out at once.
    inc.announced = j.value("announced", true);
    return inc;
  } catch (const Json::exception& e) {
    throw std::runtime_error(std::string{"incident: malformed JSON: "} + e.what());
  }
}

}  // namespace pathwatch::collector::incident
