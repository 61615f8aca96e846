#include "collector/notify/webhook_json.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "collector/notify/message_text.hpp"
#include "collector/notify/time_text.hpp"
#include "shared/time/jst.hpp"

namespace pathwatch::collector::notify {
namespace {

using nlohmann::json;

json time_json(shared::UtcNanos t) {
  return json{{"utc", format_utc_second(t)},
              {"jst", format_jst_minute(t)},
              {"unix_nanos", shared::to_unix_nanos(t)}};
}

json named(const std::vector<NamedItem>& items, Language lang) {
  json out = json::array();
  for (const auto& i : items) out.push_back({{"name", i.name}, {"label", display_name(i, lang)}});
  return out;
}

json segment_json(const SuspectSegment& s, Language lang) {
  return json{{"segment", s.segment},
              {"label", segment_label(s, lang)},
              {"owner", s.owner},
              {"owner_label", owner_label(s, lang)},
              {"contact", {{"email", s.email}, {"phone", s.phone}, {"notes", s.notes}}}};
}

}  // namespace

std::string webhook_payload(const Notification& n, Language lang) {
  const MessageText text = render_message(n, lang);
  json j;
  j["source"] = "pathwatch";
  j["schema"] = 1;
  j["incident_id"] = n.incident_id;
  j["kind"] = to_string(n.kind);
  j["fault"] = to_string(n.fault);
  j["language"] = to_string(lang);
  j["service"] = join_services(n, lang);
  j["services"] = named(n.services, lang);
  j["sites"] = named(n.sites, lang);
  // The first suspect flat, for receivers that route on one owner (chat channel, ticket queue).
  const SuspectSegment* first = nullptr;
  if (!n.verdict.causes.empty() && !n.verdict.causes.front().alternatives.empty()) {
    first = &n.verdict.causes.front().alternatives.front();
  }
  if (first != nullptr) {
    j["segment"] = {{"name", first->segment}, {"label", segment_label(*first, lang)}};
    j["owner"] = {{"name", first->owner}, {"label", owner_label(*first, lang)}};
    j["contact"] = {{"email", first->email}, {"phone", first->phone}, {"notes", first->notes}};
  } else {
    j["segment"] = nullptr;
    j["owner"] = nullptr;
    j["contact"] = nullptr;
  }
  json causes = json::array();
  for (const auto& c : n.verdict.causes) {
    json alternatives = json::array();
    for (const auto& s : c.alternatives) alternatives.push_back(segment_json(s, lang));
    causes.push_back(std::move(alternatives));
  }
  j["causes"] = std::move(causes);
  j["conclusive"] = n.verdict.conclusive;
  j["other_explanations"] = n.verdict.other_explanations;
  j["at"] = time_json(n.at);
  j["started_at"] = time_json(n.started_at);
  if (n.recovered_at) {
    j["recovered_at"] = time_json(*n.recovered_at);
    j["duration_seconds"] =
        std::chrono::duration_cast<std::chrono::seconds>(*n.recovered_at - n.started_at).count();
  } else {
    j["recovered_at"] = nullptr;
    j["duration_seconds"] = nullptr;
  }
  json failovers = json::array();
  for (const auto& f : n.failovers) {
    failovers.push_back(
        {{"at", time_json(f.at)}, {"site", f.site}, {"from", f.from_path}, {"to", f.to_path}});
  }
  j["failovers"] = std::move(failovers);
  j["line_switch"] = n.line_switch;  // a failover thread (回線切替), not a service incident
  const auto& evidence = (lang == Language::kEn && !n.verdict.evidence_en.empty())
                             ? n.verdict.evidence_en
                             : n.verdict.evidence_ja;
  j["evidence"] = evidence;
  if (n.budget) {
    const auto& b = *n.budget;
    j["budget"] = {
        {"month", fmt::format("{:04d}-{:02d}", int(b.month.year()), unsigned(b.month.month()))},
        {"burned_percent", b.burned_percent},
        {"limit_percent", b.limit_percent},
        {"burned_seconds", std::chrono::duration_cast<std::chrono::seconds>(b.burned).count()},
        {"budget_seconds", std::chrono::duration_cast<std::chrono::seconds>(b.budget).count()}};
  } else {
    j["budget"] = nullptr;
  }
  j["subject"] = text.subject;
  j["text"] = text.body;
  // Replace invalid UTF-8 instead of throwing: labels come from config files.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace pathwatch::collector::notify
