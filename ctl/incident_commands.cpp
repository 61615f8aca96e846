// The incident commands over GET /v1/incidents and /v1/incidents/ID.
#include "ctl/incident_commands.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "ctl/table.hpp"
#include "shared/cli/command_line.hpp"

namespace pathwatch::ctl {

using Json = nlohmann::json;

namespace {

std::optional<Json> get(const CtlOptions& o, const std::string& target) {
  const HttpResult r = http_request(o.collector, "GET", target, "", o.http);
  if (!r.reached) {
    fmt::print(stderr, "pathwatchctl: {}\n", failure_message(o.collector, r, o.http));
    return std::nullopt;
  }
  Json j = Json::parse(r.body, nullptr, false);
  if (r.status >= 400 || j.is_discarded()) {
    const std::string msg =
        !j.is_discarded() && j.contains("error") ? j["error"].get<std::string>() : r.body;
    fmt::print(stderr, "pathwatchctl: collector answered {}: {}\n", r.status, msg);
    return std::nullopt;
  }
  return j;
}

// "2026-11-23 14:05:09" from {"jst": "2026-11-23 14:05:09 JST"}; "-" for null.
std::string jst(const Json& t) {
  if (!t.is_object()) return "-";
  std::string s = t.value("jst", "-");
  if (s.ends_with(" JST")) s.resize(s.size() - 4);
  return s;
}

std::string joined(const Json& list) {
  std::string out;
  for (const auto& x : list) out += (out.empty() ? "" : ",") + x.get<std::string>();
  return out.empty() ? "-" : out;
}

}  // namespace

int incidents_command(const std::vector<std::string>& args, const CtlOptions& o) {
  std::string query;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--open") {
      query += (query.empty() ? "?" : "&") + std::string("open=1");
    } else if (args[i] == "--limit" && i + 1 < args.size()) {
      query += (query.empty() ? "?" : "&") + std::string("limit=") + args[++i];
    } else {
      throw shared::UsageError(fmt::format("incidents: unknown option '{}'", args[i]));
    }
  }
  const auto j = get(o, "/v1/incidents" + query);
  if (!j) return kExitFailure;
  if (o.json) {
    fmt::print("{}\n", j->dump(2));
    return kExitOk;
  }
  Table t({"ID", "STATE", "FAULT", "OPENED (JST)", "CLOSED (JST)", "SERVICES", "SITES", "VERDICT"});
  for (const auto& i : (*j)["incidents"]) {
    t.add({i.value("id", "-"), i.value("state", "-"), i.value("fault", "-"), jst(i["opened"]),
           jst(i["closed"]), joined(i["services"]), joined(i["sites"]), i.value("summary", "-")});
  }
  fmt::print("{}", t.empty() ? "(no incidents)\n" : t.render());
  return kExitOk;
}

int incident_command(const std::vector<std::string>& args, const CtlOptions& o) {
  if (args.size() != 1 || args[0].empty() || args[0].front() == '-') {
    throw shared::UsageError("incident needs one incident ID (see pathwatchctl incidents)");
  }
  for (char c : args[0]) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') {
      throw shared::UsageError(fmt::format("'{}' is not an incident ID", args[0]));
    }
  }
  const auto j = get(o, "/v1/incidents/" + args[0]);
  if (!j) return kExitFailure;
  if (o.json) {
    fmt::print("{}\n", j->dump(2));
    return kExitOk;
  }
  const Json& i = *j;
  fmt::print("Incident {} ({}, {})\n", i.value("id", "-"), i.value("state", "-"),
             i.value("fault", "-"));
  fmt::print("  opened:   {} JST\n  closed:   {}\n  services: {}\n  sites:    {}\n",
             jst(i["opened"]), i["closed"].is_null() ? "-" : jst(i["closed"]) + " JST",
             joined(i["services"]), joined(i["sites"]));
  fmt::print("\nVerdict over time\n");
  Table h({"AT (JST)", "IMPACT", "VERDICT", "NOTIFIED"});
  for (const auto& p : i["history"]) {
    h.add({jst(p["at"]), p.value("impact", "-"), p.value("summary", "-"),
           p.value("settled", false) ? "yes" : ""});
  }
  fmt::print("{}", h.render());
  if (!i["failovers"].empty()) {
    fmt::print("\nLine switches\n");
    Table f({"AT (JST)", "SITE", "FROM", "TO"});
    for (const auto& x : i["failovers"]) {
      f.add({jst(x["at"]), x.value("site", "-"), x.value("from_path", "-"),
             x.value("to_path", "") == "" ? "(no route)" : x.value("to_path", "-")});
    }
    fmt::print("{}", f.render());
  }
  // A closed incident's causes are the ones notified (drafts after them are in the history).
  fmt::print("{}", i["closed"].is_null() ? "\nCurrent causes\n" : "\nCauses (as notified)\n");
  if (i["causes"].empty()) fmt::print("  not isolated\n");
  int n = 0;
  for (const auto& cause : i["causes"]) {
    std::string alts;
    for (const auto& s : cause) {
      alts += (alts.empty() ? "" : " or ") +
              fmt::format("{} ({}: {} {})", s.value("label", s.value("segment", "-")),
                          s.value("owner_label", "-"), s.value("email", ""), s.value("phone", ""));
    }
    fmt::print("  {}. {}\n", ++n, alts);
  }
  if (!i.value("conclusive", false) && !i["causes"].empty()) {
    fmt::print("  (the evidence cannot single out one explanation)\n");
  }
  fmt::print("\nEvidence\n");
  for (const auto& line : i["evidence_ja"]) fmt::print("  {}\n", line.get<std::string>());
  return kExitOk;
}

}  // namespace pathwatch::ctl
