// Notification <-> JSON, field by field (nlohmann's macros cannot see std::optional or time).
#include "collector/notify/notification_json.hpp"

#include <stdexcept>

#include "shared/time/jst.hpp"

namespace pathwatch::collector::notify {

using Json = nlohmann::json;

namespace {

NotificationKind kind_from(const std::string& s) {
  for (auto k :
       {NotificationKind::kOpened, NotificationKind::kUpdated, NotificationKind::kRecovered}) {
    if (s == to_string(k)) return k;
  }
  throw std::runtime_error("notification: unknown kind " + s);
}

Json named_json(const std::vector<NamedItem>& items) {
  Json out = Json::array();
  for (const auto& i : items) {
    out.push_back(Json{{"name", i.name}, {"label", i.label}, {"label_en", i.label_en}});
  }
  return out;
}

std::vector<NamedItem> named_from(const Json& j) {
  std::vector<NamedItem> out;
  for (const auto& i : j) {
    out.push_back(
        NamedItem{i.at("name").get<std::string>(), i.value("label", ""), i.value("label_en", "")});
  }
  return out;
}

}  // namespace

Json time_json(shared::UtcNanos t) {
  return Json{{"unix_nanos", shared::to_unix_nanos(t)},
              {"utc", shared::format_utc(t)},
              {"jst", shared::format_jst(t)}};
}

shared::UtcNanos time_from_json(const Json& j) {
  return shared::from_unix_nanos(j.at("unix_nanos").get<std::int64_t>());
}

FaultNature fault_from_string(const std::string& s) {
  if (s == "down") return FaultNature::kDown;
  if (s == "degraded") return FaultNature::kDegraded;
  throw std::runtime_error("unknown fault " + s);
}

Json suspect_json(const SuspectSegment& s) {
  return Json{{"segment", s.segment},
              {"label", s.label},
              {"label_en", s.label_en},
              {"owner", s.owner},
              {"owner_label", s.owner_label},
              {"owner_label_en", s.owner_label_en},
              {"email", s.email},
              {"phone", s.phone},
              {"notes", s.notes}};
}

SuspectSegment suspect_from_json(const Json& j) {
  SuspectSegment s;
  s.segment = j.at("segment").get<std::string>();
  s.label = j.value("label", "");
  s.label_en = j.value("label_en", "");
  s.owner = j.value("owner", "");
  s.owner_label = j.value("owner_label", "");
  s.owner_label_en = j.value("owner_label_en", "");
  s.email = j.value("email", "");
  s.phone = j.value("phone", "");
  s.notes = j.value("notes", "");
  return s;
}

Json verdict_summary_json(const VerdictSummary& v) {
  Json causes = Json::array();
  for (const auto& c : v.causes) {
    Json alts = Json::array();
    for (const auto& s : c.alternatives) alts.push_back(suspect_json(s));
    causes.push_back(std::move(alts));
  }
  return Json{{"causes", std::move(causes)},
              {"conclusive", v.conclusive},
              {"other_explanations", v.other_explanations},
              {"evidence_ja", v.evidence_ja},
              {"evidence_en", v.evidence_en}};
}

VerdictSummary verdict_summary_from_json(const Json& j) {
  VerdictSummary v;
  for (const auto& c : j.at("causes")) {
    Cause cause;
    for (const auto& s : c) cause.alternatives.push_back(suspect_from_json(s));
    v.causes.push_back(std::move(cause));
  }
  v.conclusive = j.at("conclusive").get<bool>();
  v.other_explanations = j.at("other_explanations").get<std::size_t>();
  v.evidence_ja = j.at("evidence_ja").get<std::vector<std::string>>();
  v.evidence_en = j.at("evidence_en").get<std::vector<std::string>>();
  return v;
}

Json notification_json(const Notification& n) {
  Json failovers = Json::array();
  for (const auto& f : n.failovers) {
    failovers.push_back(
        Json{{"at", time_json(f.at)}, {"site", f.site}, {"from", f.from_path}, {"to", f.to_path}});
  }
  Json j{{"kind", to_string(n.kind)},
         {"fault", to_string(n.fault)},
         {"incident_id", n.incident_id},
         {"at", time_json(n.at)},
         {"services", named_json(n.services)},
         {"sites", named_json(n.sites)},
         {"verdict", verdict_summary_json(n.verdict)},
         {"previous", n.previous ? verdict_summary_json(*n.previous) : Json(nullptr)},
         {"failovers", std::move(failovers)},
         {"started_at", time_json(n.started_at)},
         {"recovered_at", n.recovered_at ? time_json(*n.recovered_at) : Json(nullptr)},
         {"budget", nullptr}};
  if (n.budget) {
    const auto& b = *n.budget;
    j["budget"] = Json{{"year", int(b.month.year())},        {"month", unsigned(b.month.month())},
                       {"burned_percent", b.burned_percent}, {"limit_percent", b.limit_percent},
                       {"burned_nanos", b.burned.count()},   {"budget_nanos", b.budget.count()}};
  }
  return j;
}

Notification notification_from_json(const Json& j) {
  try {
    Notification n;
    n.kind = kind_from(j.at("kind").get<std::string>());
    n.fault = fault_from_string(j.at("fault").get<std::string>());
    n.incident_id = j.at("incident_id").get<std::string>();
    n.at = time_from_json(j.at("at"));
    n.services = named_from(j.at("services"));
    n.sites = named_from(j.at("sites"));
    n.verdict = verdict_summary_from_json(j.at("verdict"));
    if (!j.at("previous").is_null()) n.previous = verdict_summary_from_json(j.at("previous"));
    for (const auto& f : j.at("failovers")) {
      n.failovers.push_back(
          FailoverNote{time_from_json(f.at("at")), f.at("site").get<std::string>(),
                       f.at("from").get<std::string>(), f.at("to").get<std::string>()});
    }
    n.started_at = time_from_json(j.at("started_at"));
    if (!j.at("recovered_at").is_null()) n.recovered_at = time_from_json(j.at("recovered_at"));
    if (const auto& b = j.at("budget"); !b.is_null()) {
      BudgetNote note;
      note.month = std::chrono::year{b.at("year").get<int>()} /
                   std::chrono::month{b.at("month").get<unsigned>()};
      note.burned_percent = b.at("burned_percent").get<double>();
      note.limit_percent = b.at("limit_percent").get<double>();
      note.burned = shared::Nanos{b.at("burned_nanos").get<std::int64_t>()};
      note.budget = shared::Nanos{b.at("budget_nanos").get<std::int64_t>()};
      n.budget = note;
    }
    return n;
  } catch (const Json::exception& e) {
    throw std::runtime_error(std::string{"notification: malformed JSON: "} + e.what());
  }
}

}  // namespace pathwatch::collector::notify
