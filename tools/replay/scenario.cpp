#include "tools/replay/scenario.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <random>

#include "shared/time/jst.hpp"

namespace pathwatch::tools {

using collector::Interval;
using std::chrono::minutes;

namespace {

struct Flow {
  std::string site, target, path;
};

std::string agent_of(const std::string& site) {
  return "agent-" + site;
}

// Merges overlapping outages of one flow so the known list is what the flow really saw.
std::vector<Interval> merged(std::vector<Interval> v) {
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.start < b.start; });
  std::vector<Interval> out;
  for (const auto& i : v) {
    if (!out.empty() && i.start <= out.back().end) {
      out.back().end = std::max(out.back().end, i.end);
    } else {
      out.push_back(i);
    }
  }
  return out;
}

bool inside(const std::vector<Interval>& set, shared::UtcNanos t) {
  for (const auto& i : set) {
    if (t >= i.start && t < i.end) return true;
  }
  return false;
}

struct Event {
  shared::UtcNanos at;
  int order;  // ties: heartbeats and state before routes, in generation order
  pathwatch::v1::Envelope envelope;
};

v1::PathState wire(bool up) {
  return up ? v1::PATH_STATE_UP : v1::PATH_STATE_DOWN;
}

}  // namespace

shared::Nanos session_silence_threshold(const ScenarioOptions& options) {
  return options.heartbeat_interval * 5 / 2;
}

Scenario generate_scenario(const ScenarioOptions& opt) {
  Scenario sc;
  sc.options = opt;
  const auto m = shared::jst_month(opt.month);
  sc.month = {m.start, m.end};
  const auto total_minutes = static_cast<std::uint64_t>(m.length() / minutes{1});
  std::mt19937_64 rng(opt.seed);  // the engine's sequence is fixed by the standard
  auto pick = [&](std::uint64_t n) { return rng() % n; };
  auto at_minute = [&](std::uint64_t k) { return m.start + minutes{k}; };

  for (int s = 0; s < opt.sites; ++s) sc.sites.push_back(fmt::format("site-{:03}", s));
  std::vector<Flow> flows;
  for (int i = 0; i < opt.services; ++i) {
    collector::ServiceSpec svc;
    svc.name = fmt::format("svc-{:04}", i);
    svc.targets = {svc.name + "-app", svc.name + "-db"};
    svc.reference_sites = {sc.sites[static_cast<std::size_t>(i % opt.sites)]};
    svc.calendar = opt.mixed_calendars && i % 4 == 3 ? "office" : "24x7";
    svc.unknown_counts_as = static_cast<collector::UnknownPolicy>(i % 3);
    for (const auto& t : svc.targets) {
      for (const char* p : {"primary", "backup"}) flows.push_back({svc.reference_sites[0], t, p});
    }
    sc.services.push_back(std::move(svc));
  }
  // Monthly maintenance on the 15th, 02:00-04:00 JST, for every service.
  const auto mid = std::chrono::year_month_day{opt.month / std::chrono::day{15}};
  sc.maintenance.push_back(
      {{shared::from_jst(mid, std::chrono::hours{2}), shared::from_jst(mid, std::chrono::hours{4})},
       {},
       "monthly maintenance"});

  // Outages per flow: 0-2 of 1-90 minutes anywhere in the month.
  std::map<std::size_t, std::vector<Interval>> flow_outages;
  for (std::size_t f = 0; f < flows.size(); ++f) {
    const auto n = pick(3);
    for (std::uint64_t k = 0; k < n; ++k) {
      const auto start = pick(total_minutes);
      const auto end = std::min(total_minutes, start + 1 + pick(90));
      flow_outages[f].push_back({at_minute(start), at_minute(end)});
    }
  }
  // Each service gets, on one of its targets, a primary outage and a backup outage that
  // overlap (the backup fails 0-29 minutes into a 10-69-minute primary outage, for 5-44
  // minutes): only the overlap is unavailable under any_path.
  for (std::size_t i = 0; i < sc.services.size(); ++i) {
    const std::size_t f = i * 4 + 2 * pick(2);  // flows of service i: app p/b, db p/b
    const auto start = pick(total_minutes - 150);
    const auto primary_len = 10 + pick(60);
    const auto backup_start = start + pick(30);
    flow_outages[f].push_back({at_minute(start), at_minute(start + primary_len)});
    flow_outages[f + 1].push_back(
        {at_minute(backup_start), at_minute(backup_start + 5 + pick(40))});
  }
  // Half the sites get one primary-line fault of 2-31 minutes: every primary flow goes down
  // and the route moves to the backup.
  for (const auto& site : sc.sites) {
    if (pick(2) == 0) continue;
    const auto start = pick(total_minutes - 40);
    const Interval when{at_minute(start), at_minute(start + 2 + pick(30))};
    sc.line_faults.push_back({site, when});
    for (std::size_t f = 0; f < flows.size(); ++f) {
      if (flows[f].site == site && flows[f].path == "primary") flow_outages[f].push_back(when);
    }
  }
  // A third of the sites go silent once for 30-149 minutes (agent powered off).
  std::map<std::string, std::vector<Interval>> silences;
  for (const auto& site : sc.sites) {
    if (pick(3) != 0) continue;
    const auto start = 60 + pick(total_minutes - 300);
    const Interval when{at_minute(start), at_minute(start + 30 + pick(120))};
    sc.silences.push_back({site, when});
    silences[site].push_back(when);
  }

  std::vector<Event> events;
  int order = 0;
  auto envelope = [&](const std::string& site, shared::UtcNanos at) {
    pathwatch::v1::Envelope e;
    e.set_schema_version(1);
    e.set_agent_id(agent_of(site));
    e.set_site(site);
    e.set_created_unix_nanos(shared::to_unix_nanos(at));
    return e;
  };
  auto heartbeat = [&](const std::string& site, shared::UtcNanos at) {
    auto e = envelope(site, at);
    e.mutable_heartbeat()->set_at_unix_nanos(shared::to_unix_nanos(at));
    events.push_back({at, order++, std::move(e)});
  };
  for (const auto& site : sc.sites) {
    const auto& quiet = silences[site];
    for (auto t = m.start; t < m.end; t += opt.heartbeat_interval) {
      if (!inside(quiet, t)) heartbeat(site, t);
    }
    for (const auto& q : quiet) {
      heartbeat(site, q.start);  // the last message before the silence
      heartbeat(site, q.end);    // the first after it
    }
    heartbeat(site, m.end);  // the session closes at the month's end
  }

  for (std::size_t f = 0; f < flows.size(); ++f) {
    const Flow& flow = flows[f];
    const auto outs = merged(flow_outages[f]);
    for (const auto& o : outs) sc.outages.push_back({flow.site, flow.target, flow.path, o});
    const auto& quiet = silences[flow.site];
    // Instants at which the agent reports this flow's state: outage edges it was awake for,
    // the month's start, and every end of a silence (it reports afresh after a restart).
    std::vector<shared::UtcNanos> instants{m.start};
    for (const auto& o : outs) {
      for (auto t : {o.start, o.end}) {
        if (t < m.end && !inside(quiet, t)) instants.push_back(t);
      }
    }
    for (const auto& q : quiet) instants.push_back(q.end);
    std::sort(instants.begin(), instants.end());
    bool have_prev = false;
    bool prev_up = false;
    for (auto t : instants) {
      const bool up = !inside(outs, t);
      const bool restart = inside(quiet, t - shared::Nanos{1}) || t == m.start;
      if (have_prev && up == prev_up && !restart) continue;
      auto e = envelope(flow.site, t);
      auto* sc_msg = e.mutable_state_change();
      sc_msg->mutable_flow()->set_target(flow.target);
      sc_msg->mutable_flow()->set_address("198.18.1.1");
      sc_msg->mutable_flow()->set_path(flow.path);
      sc_msg->mutable_flow()->set_kind(v1::PROBE_KIND_ICMP);
      sc_msg->set_from(restart ? v1::PATH_STATE_UNKNOWN : wire(prev_up));
      sc_msg->set_to(wire(up));
      sc_msg->set_at_unix_nanos(shared::to_unix_nanos(t));
      sc_msg->set_reason(up ? "replies again" : "3 consecutive losses");
      events.push_back({t, order++, std::move(e)});
      have_prev = true;
      prev_up = up;
    }
  }
  for (const auto& lf : sc.line_faults) {
    for (auto [t, from, to] : {std::tuple{lf.when.start, "primary", "backup"},
                               std::tuple{lf.when.end, "backup", "primary"}}) {
      if (inside(silences[lf.site], t)) continue;
      auto e = envelope(lf.site, t);
      auto* r = e.mutable_route_change();
      r->set_prefix("198.19.0.0/16");
      r->set_from_path(from);
      r->set_to_path(to);
      r->set_at_unix_nanos(shared::to_unix_nanos(t));
      r->set_source(v1::RouteChange::SOURCE_NETLINK);
      events.push_back({t, order++, std::move(e)});
    }
  }

  std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    return a.at != b.at ? a.at < b.at : a.order < b.order;
  });
  std::map<std::string, std::uint64_t> seq;
  sc.envelopes.reserve(events.size());
  for (auto& ev : events) {
    ev.envelope.set_seq(++seq[ev.envelope.agent_id()]);
    sc.envelopes.push_back(std::move(ev.envelope));
  }
  std::sort(sc.outages.begin(), sc.outages.end(),
            [](const auto& a, const auto& b) { return a.when.start < b.when.start; });
  return sc;
}

}  // namespace pathwatch::tools
