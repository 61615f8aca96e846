// Commands over the v1 API; output tables name the columns an operator reads first.
#include "ctl/commands.hpp"

#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>

#include "ctl/incident_commands.hpp"
#include "ctl/keygen_command.hpp"
#include "ctl/table.hpp"
#include "ctl/token_command.hpp"
#include "shared/cli/command_line.hpp"

namespace pathwatch::ctl {

using Json = nlohmann::json;

namespace {

// --flag VALUE pairs; repeated flags keep every value. Unknown flags are usage errors.
std::multimap<std::string, std::string> parse_flags(const std::vector<std::string>& args,
                                                    std::initializer_list<const char*> known) {
  std::multimap<std::string, std::string> out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    std::string name = a, value;
    const auto eq = a.find('=');
    if (eq != std::string::npos) {
      name = a.substr(0, eq);
      value = a.substr(eq + 1);
    }
    if (std::find_if(known.begin(), known.end(), [&](const char* k) { return name == k; }) ==
        known.end()) {
      throw shared::UsageError(fmt::format("unknown option '{}'", a));
    }
    if (eq == std::string::npos) {
      if (i + 1 >= args.size()) throw shared::UsageError(fmt::format("{} needs a value", name));
      value = args[++i];
    }
    out.emplace(name, value);
  }
  return out;
}

std::string url_encode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == ':') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string query_of(const std::multimap<std::string, std::string>& flags,
                     std::initializer_list<std::pair<const char*, const char*>> mapping) {
  std::string q;
  for (const auto& [flag, key] : mapping) {
    const auto it = flags.find(flag);
    if (it == flags.end()) continue;
    q += (q.empty() ? "?" : "&") + std::string(key) + "=" + url_encode(it->second);
  }
  return q;
}

// Calls the API; prints an error and returns nullopt when it failed.
std::optional<Json> call(const CtlOptions& o, const std::string& method, const std::string& target,
                         const std::string& body = "") {
  const HttpResult r = http_request(o.collector, method, target, body, o.http);
  if (!r.reached) {
    fmt::print(stderr, "pathwatchctl: {}\n", failure_message(o.collector, r, o.http));
    return std::nullopt;
  }
  Json j = Json::parse(r.body, nullptr, false);
  if (r.status >= 400 || j.is_discarded()) {
    const std::string msg =
        !j.is_discarded() && j.contains("error") ? j["error"].get<std::string>() : r.body;
    fmt::print(stderr, "pathwatchctl: collector answered {}: {}{}\n", r.status, msg,
               r.status == 401 ? " (set PATHWATCH_TOKEN or --token-file)" : "");
    return std::nullopt;
  }
  return j;
}

std::string str(const Json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return "-";
  if (j[key].is_string()) return j[key].get<std::string>();
  return j[key].dump();
}

// "2026-11-23 14:05:09 JST" without the zone, for narrow tables.
std::string jst(const Json& j, const char* key) {
  std::string s = str(j, (std::string(key) + "_jst").c_str());
  if (s.size() > 4 && s.ends_with(" JST")) s.resize(s.size() - 4);
  return s;
}

std::string flow_name(const Json& f) {
  std::string name = str(f, "target") + " " + str(f, "kind");
  if (f.value("port", 0) != 0) name += "/" + std::to_string(f.value("port", 0));
  return name;
}

int status(const std::vector<std::string>& args, const CtlOptions& o) {
  parse_flags(args, {});
  const auto j = call(o, "GET", "/v1/status");
  if (!j) return kExitFailure;
  if (o.json) {
    fmt::print("{}\n", j->dump(2));
    return kExitOk;
  }
  Table agents({"SITE", "AGENT", "HOST", "LAST SEEN (JST)", "SEQ", "ACKED", "STATE"});
  for (const auto& a : (*j)["agents"]) {
    agents.add({str(a, "site"), str(a, "agent_id"), str(a, "hostname"), jst(a, "last_received"),
                str(a, "last_seq"), str(a, "through_seq"),
                a.value("silent", false) ? "SILENT" : "connected"});
  }
  fmt::print("Agents (as of {})\n{}", jst(*j, "now"),
             agents.empty() ? "  (none yet)\n" : agents.render());
  Table flows({"SITE", "AGENT", "FLOW", "PATH", "STATE", "SINCE (JST)"});
  for (const auto& f : (*j)["flows"]) {
    // SINCE: when the flow entered its state (a collector before "since" existed: last seen).
    flows.add({str(f, "site"), str(f, "agent_id"), flow_name(f), str(f, "path"), str(f, "state"),
               jst(f, f.contains("since") ? "since" : "at")});
  }
  fmt::print("\nFlows\n{}", flows.empty() ? "  (none yet)\n" : flows.render());
  if (j->contains("ingest")) {
    const auto& in = (*j)["ingest"];
    std::uint64_t rejected = 0;
    for (const auto& [k, v] : in["rejected"].items()) rejected += v.get<std::uint64_t>();
    fmt::print("\nIngest: {} received, {} stored, {} duplicates, {} rejected, {} gaps\n",
               str(in, "received"), str(in, "stored"), str(in, "duplicates"), rejected,
               str(in, "gaps"));
  }
  return kExitOk;
}

int sites(const std::vector<std::string>& args, const CtlOptions& o) {
  parse_flags(args, {});
  const auto j = call(o, "GET", "/v1/sites");
  if (!j) return kExitFailure;
  if (o.json) {
    fmt::print("{}\n", j->dump(2));
    return kExitOk;
  }
  Table t({"SITE", "AGENTS", "SILENT", "FLOWS", "UP", "DEGRADED", "DOWN", "UNKNOWN",
           "LAST SEEN (JST)"});
  for (const auto& s : (*j)["sites"]) {
    t.add({str(s, "site"), str(s, "agents"), str(s, "silent_agents"), str(s, "flows"),
           str(s, "flows_up"), str(s, "flows_degraded"), str(s, "flows_down"),
           str(s, "flows_unknown"), jst(s, "last_seen")});
  }
  fmt::print("{}", t.empty() ? "(no sites yet)\n" : t.render());
  return kExitOk;
}

int events(const std::vector<std::string>& args, const CtlOptions& o) {
  const auto flags = parse_flags(args, {"--since", "--until", "--site"});
  const auto j =
      call(o, "GET",
           "/v1/events" +
               query_of(flags, {{"--since", "since"}, {"--until", "until"}, {"--site", "site"}}));
  if (!j) return kExitFailure;
  if (o.json) {
    fmt::print("{}\n", j->dump(2));
    return kExitOk;
  }
  struct Row {
    std::string at;
    std::vector<std::string> cells;
  };
  std::vector<Row> rows;
  for (const auto& e : (*j)["state_changes"]) {
    rows.push_back({str(e, "at"),
                    {jst(e, "at"), str(e, "site"), "state", flow_name(e) + " via " + str(e, "path"),
                     str(e, "from") + " -> " + str(e, "to") + " (" + str(e, "reason") + ")"}});
  }
  for (const auto& e : (*j)["route_changes"]) {
    const auto path = [&](const char* k) { return str(e, k).empty() ? "(none)" : str(e, k); };
    rows.push_back({str(e, "at"),
                    {jst(e, "at"), str(e, "site"), "route", str(e, "prefix"),
                     path("from_path") + " -> " + path("to_path")}});
  }
  for (const auto& e : (*j)["link_changes"]) {
    rows.push_back({str(e, "at"),
                    {jst(e, "at"), str(e, "site"), "link", str(e, "interface"),
                     e.value("oper_up", false) ? "up" : "down"}});
  }
  for (const auto& e : (*j)["failovers"]) {
    rows.push_back({str(e, "at"),
                    {jst(e, "at"), str(e, "site"), str(e, "type"),
                     "to " + (str(e, "backup_path").empty() ? "(no path)" : str(e, "backup_path")),
                     e.value("ongoing", false)
                         ? std::string("ongoing")
                         : fmt::format("{:.0f} s, interrupted {:.0f} s", e.value("duration_s", 0.0),
                                       e.value("interrupted_s", 0.0))}});
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const Row& a, const Row& b) { return a.at < b.at; });
  Table t({"TIME (JST)", "SITE", "EVENT", "WHAT", "DETAIL"});
  for (auto& r : rows) t.add(std::move(r.cells));
  fmt::print("Events {} .. {} JST\n{}", jst(*j, "since"), jst(*j, "until"),
             t.empty() ? "(none)\n" : t.render());
  return kExitOk;
}

int availability(const std::vector<std::string>& args, const CtlOptions& o) {
  const auto flags = parse_flags(args, {"--month", "--service"});
  if (!flags.contains("--month")) throw shared::UsageError("availability needs --month YYYY-MM");
  const auto j =
      call(o, "GET",
           "/v1/availability" + query_of(flags, {{"--month", "month"}, {"--service", "service"}}));
  if (!j) return kExitFailure;
  const bool met = j->value("all_met", true);
  if (o.json) {
    fmt::print("{}\n", j->dump(2));
    return met ? kExitOk : kExitSlaNotMet;
  }
  Table t({"SERVICE", "AVAILABILITY %", "TARGET %", "MET", "UNAVAILABLE min", "UNKNOWN min",
           "EXCLUDED min", "BUDGET LEFT min"});
  for (const auto& f : (*j)["services"]) {
    const std::string pct =
        f["percent"].is_null() ? "-" : fmt::format("{:.3f}", f["percent"].get<double>());
    t.add({str(f, "service"), pct, fmt::format("{:.1f}", f.value("target_percent", 0.0)),
           f.value("met", false) ? "yes" : "NO",
           fmt::format("{:.1f}", f.value("unavailable_minutes", 0.0)),
           fmt::format("{:.1f}", f.value("unknown_minutes", 0.0)),
           fmt::format("{:.1f}", f.value("excluded_minutes", 0.0)),
           fmt::format("{:.1f}", f.value("budget_left_minutes", 0.0))});
  }
  fmt::print("Availability {} (JST month)\n{}", str(*j, "month"),
             t.empty() ? "(no services configured)\n" : t.render());
  return met ? kExitOk : kExitSlaNotMet;
}

int maintenance(const std::vector<std::string>& args, const CtlOptions& o) {
  if (args.empty()) throw shared::UsageError("maintenance needs add, list or remove");
  const std::string sub = args[0];
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (sub == "list") {
    parse_flags(rest, {});
    const auto j = call(o, "GET", "/v1/maintenance");
    if (!j) return kExitFailure;
    if (o.json) {
      fmt::print("{}\n", j->dump(2));
      return kExitOk;
    }
    Table t({"ID", "START (JST)", "END (JST)", "SERVICES", "SOURCE", "NOTE"});
    for (const auto& m : (*j)["maintenance"]) {
      std::string services;
      for (const auto& s : m["services"])
        services += (services.empty() ? "" : ",") + s.get<std::string>();
      t.add({str(m, "id"), jst(m, "start"), jst(m, "end"), services.empty() ? "(all)" : services,
             str(m, "source"), str(m, "note")});
    }
    fmt::print("{}", t.empty() ? "(no maintenance windows)\n" : t.render());
    return kExitOk;
  }
  if (sub == "add") {
    const auto flags = parse_flags(rest, {"--start", "--end", "--service", "--note"});
    if (!flags.contains("--start") || !flags.contains("--end")) {
      throw shared::UsageError("maintenance add needs --start and --end");
    }
    Json body{{"start", flags.find("--start")->second}, {"end", flags.find("--end")->second}};
    Json services = Json::array();
    for (auto [it, end] = flags.equal_range("--service"); it != end; ++it)
      services.push_back(it->second);
    if (!services.empty()) body["services"] = services;
    if (flags.contains("--note")) body["note"] = flags.find("--note")->second;
    const auto j = call(o, "POST", "/v1/maintenance", body.dump());
    if (!j) return kExitFailure;
    if (o.json) {
      fmt::print("{}\n", j->dump(2));
    } else {
      fmt::print("added maintenance window {} ({} .. {} JST)\n", str(*j, "id"), jst(*j, "start"),
                 jst(*j, "end"));
    }
    return kExitOk;
  }
  if (sub == "remove") {
    if (rest.size() != 1) throw shared::UsageError("maintenance remove needs one ID");
    const auto j = call(o, "DELETE", "/v1/maintenance/" + url_encode(rest[0]));
    if (!j) return kExitFailure;
    if (o.json) {
      fmt::print("{}\n", j->dump(2));
    } else {
      fmt::print("removed maintenance window {}\n", rest[0]);
    }
    return kExitOk;
  }
  throw shared::UsageError(fmt::format("unknown maintenance command '{}'", sub));
}

// audit [--since T] [--limit N]: the API's write trail (operators only).
int audit(const std::vector<std::string>& args, const CtlOptions& o) {
  const auto flags = parse_flags(args, {"--since", "--limit"});
  const auto j =
      call(o, "GET", "/v1/audit" + query_of(flags, {{"--since", "since"}, {"--limit", "limit"}}));
  if (!j) return kExitFailure;
  if (o.json) {
    fmt::print("{}\n", j->dump(2));
    return kExitOk;
  }
  Table t({"TIME (JST)", "WHO", "ROLE", "FROM", "REQUEST", "STATUS", "RESULT", "SUMMARY"});
  for (const auto& a : (*j)["audit"]) {
    t.add({jst(a, "at"), str(a, "who"), str(a, "role"), str(a, "peer"),
           str(a, "method") + " " + str(a, "route"), str(a, "status"), str(a, "result"),
           str(a, "summary")});
  }
  fmt::print("{}", t.empty() ? "(no writes recorded)\n" : t.render());
  return kExitOk;
}

}  // namespace

int run_command(const std::string& command, const std::vector<std::string>& args,
                const CtlOptions& options) {
  if (command == "keygen") return keygen(args);
  if (command == "token") return token_command(args);
  if (command == "status") return status(args, options);
  if (command == "incidents") return incidents_command(args, options);
  if (command == "incident") return incident_command(args, options);
  if (command == "sites") return sites(args, options);
  if (command == "events") return events(args, options);
  if (command == "availability") return availability(args, options);
  if (command == "maintenance") return maintenance(args, options);
  if (command == "audit") return audit(args, options);
  throw shared::UsageError(fmt::format("unknown command '{}'", command));
}

}  // namespace pathwatch::ctl
