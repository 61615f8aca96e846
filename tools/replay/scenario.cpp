#include "tools/replay/scenario.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <random>
#include <stdexcept>

#include "shared/time/jst.hpp"

namespace pathwatch::tools {

using collector::Interval;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

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

bool overlaps(const std::vector<Interval>& set, Interval w) {
  for (const auto& i : set) {
    if (w.start < i.end && i.start < w.end) return true;
  }
  return false;
}

shared::Nanos overlap_length(const std::vector<Interval>& set, Interval w) {
  shared::Nanos total{0};
  for (const auto& i : set) {
    const auto a = std::max(i.start, w.start), b = std::min(i.end, w.end);
    if (a < b) total += b - a;
  }
  return total;
}

// Ties at one instant: a (re)connecting agent's Hello comes first, then events, then the
// windows and heartbeats; within a rank, generation order.
enum Rank { kHello = 0, kEvent = 1, kPeriodic = 2 };

struct Event {
  shared::UtcNanos at;
  int rank;
  int order;
  pathwatch::v1::Envelope envelope;
};

v1::PathState wire(bool up) {
  return up ? v1::PATH_STATE_UP : v1::PATH_STATE_DOWN;
}

constexpr const char* kAddress = "198.18.1.1";
constexpr auto kProbeInterval = seconds{10};

void set_flow(v1::FlowKey* key, const Flow& flow) {
  key->set_target(flow.target);
  key->set_address(kAddress);
  key->set_path(flow.path);
  key->set_kind(v1::PROBE_KIND_ICMP);
}

}  // namespace

shared::Nanos session_silence_threshold(const ScenarioOptions& options) {
  return std::max(options.heartbeat_interval, options.window) * 5 / 2;
}

Scenario generate_scenario(const ScenarioOptions& opt) {
  if (opt.window < seconds{10} || hours{1} % opt.window != shared::Nanos{0}) {
    throw std::invalid_argument("window must divide an hour (and be at least 10 s)");
  }
  if (opt.margin < hours{3} || opt.margin % opt.window != shared::Nanos{0}) {
    throw std::invalid_argument("margin must be a multiple of the window, at least 3 h");
  }
  if (opt.sites < 1 || opt.services < 1) throw std::invalid_argument("sites, services >= 1");
  Scenario sc;
  sc.options = opt;
  const auto m = shared::jst_month(opt.month);
  sc.month = {m.start, m.end};
  sc.data = {m.start - opt.margin, m.end + opt.margin};
  const auto month_s = static_cast<std::uint64_t>(m.length() / seconds{1});
  std::mt19937_64 rng(opt.seed);  // the engine's sequence is fixed by the standard
  auto pick = [&](std::uint64_t n) { return rng() % n; };
  // Whole seconds from the month's start (negative: before it).
  auto at = [&](std::int64_t s) { return m.start + seconds{s}; };
  const auto min_s = [](std::int64_t n) { return n * 60; };

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
  // Monthly maintenance on the 15th, 02:00-04:00 JST, for every service; and for every 7th
  // service a window of its own (1-180 minutes, at any second of the month).
  const auto mid = std::chrono::year_month_day{opt.month / std::chrono::day{15}};
  sc.maintenance.push_back(
      {{shared::from_jst(mid, hours{2}), shared::from_jst(mid, hours{4})}, {}, "monthly"});
  for (std::size_t i = 0; i < sc.services.size(); i += 7) {
    const auto start = static_cast<std::int64_t>(pick(month_s - min_s(200)));
    sc.maintenance.push_back(
        {{at(start), at(start + min_s(1) + static_cast<std::int64_t>(pick(min_s(180))))},
         {sc.services[i].name},
         "vendor work"});
  }

  // Outages per flow: 0-2 of 1 s - 90 minutes anywhere in the data (so also across the
  // month's edges). On one path only, these leave the service up.
  const auto data_s = static_cast<std::uint64_t>(sc.data.length() / seconds{1});
  const auto data_start_s = -static_cast<std::int64_t>(opt.margin / seconds{1});
  std::map<std::size_t, std::vector<Interval>> flow_outages;
  for (std::size_t f = 0; f < flows.size(); ++f) {
    const auto n = pick(3);
    for (std::uint64_t k = 0; k < n; ++k) {
      const auto start = data_start_s + static_cast<std::int64_t>(pick(data_s - 1));
      const auto len = 1 + static_cast<std::int64_t>(pick(min_s(90)));
      flow_outages[f].push_back({at(start), std::min(sc.data.end, at(start + len))});
    }
  }
  // Each service gets, on one of its targets, a primary outage and a backup outage that
  // overlap (the backup fails 0-29 minutes into a 10-69-minute primary outage, for 5-44
  // minutes): only the overlap is unavailable under any_path.
  for (std::size_t i = 0; i < sc.services.size(); ++i) {
    const std::size_t f = i * 4 + 2 * pick(2);  // flows of service i: app p/b, db p/b
    const auto start = static_cast<std::int64_t>(pick(month_s - min_s(150)));
    const auto primary_len = min_s(10) + static_cast<std::int64_t>(pick(min_s(60)));
    const auto backup_start = start + static_cast<std::int64_t>(pick(min_s(30)));
    flow_outages[f].push_back({at(start), at(start + primary_len)});
    flow_outages[f + 1].push_back(
        {at(backup_start),
         at(backup_start + min_s(5) + static_cast<std::int64_t>(pick(min_s(40))))});
  }
  // Every 10th service loses both paths of its app across the month's start (from up to 2 h
  // before it to up to 70 min after), every 10th (offset 5) across its end: only the part
  // inside the JST month counts.
  for (std::size_t i = 0; i < sc.services.size(); ++i) {
    if (i % 10 != 0 && i % 10 != 5) continue;
    const auto edge = i % 10 == 0 ? std::int64_t{0} : static_cast<std::int64_t>(month_s);
    const Interval when{at(edge - 1 - static_cast<std::int64_t>(pick(min_s(120)))),
                        at(edge + 1 + static_cast<std::int64_t>(pick(min_s(70))))};
    flow_outages[i * 4].push_back(when);
    flow_outages[i * 4 + 1].push_back(when);
  }
  // Half the sites get one primary-line fault of 2-31 minutes: every primary flow goes down
  // and the route moves to the backup.
  for (const auto& site : sc.sites) {
    if (pick(2) == 0) continue;
    const auto start = static_cast<std::int64_t>(pick(month_s - min_s(40)));
    const Interval when{at(start), at(start + min_s(2) + static_cast<std::int64_t>(pick(1800)))};
    sc.line_faults.push_back({site, when});
    for (std::size_t f = 0; f < flows.size(); ++f) {
      if (flows[f].site == site && flows[f].path == "primary") flow_outages[f].push_back(when);
    }
  }
  // A third of the sites go silent once, inside the month, for 3 silence thresholds plus up
  // to 2 hours (agent powered off): unknown, not down.
  const auto threshold_s = session_silence_threshold(opt) / seconds{1};
  std::map<std::string, std::vector<Interval>> silences;
  std::map<std::string, std::vector<Interval>> blind;  // silences + the first report's delay
  for (const auto& site : sc.sites) {
    if (pick(3) != 0) continue;
    const auto start = min_s(60) + static_cast<std::int64_t>(pick(month_s - min_s(400)));
    const Interval when{at(start),
                        at(start + 3 * threshold_s + static_cast<std::int64_t>(pick(min_s(120))))};
    const Interval unobserved{when.start, when.end + opt.restart_report_delay};
    sc.silences.push_back({site, when, unobserved});
    silences[site].push_back(when);
    blind[site].push_back(unobserved);
  }

  std::vector<Event> events;
  int order = 0;
  auto envelope = [&](const std::string& site, shared::UtcNanos t) {
    pathwatch::v1::Envelope e;
    e.set_schema_version(1);
    e.set_agent_id(agent_of(site));
    e.set_site(site);
    e.set_created_unix_nanos(shared::to_unix_nanos(t));
    return e;
  };
  auto push = [&](shared::UtcNanos t, Rank rank, v1::Envelope e) {
    events.push_back({t, rank, order++, std::move(e)});
  };
  auto heartbeat = [&](const std::string& site, shared::UtcNanos t) {
    auto e = envelope(site, t);
    e.mutable_heartbeat()->set_at_unix_nanos(shared::to_unix_nanos(t));
    push(t, kPeriodic, std::move(e));
  };
  std::map<std::string, std::vector<std::string>> site_targets;
  for (const auto& f : flows) {
    if (f.path == "primary") site_targets[f.site].push_back(f.target);
  }
  auto hello = [&](const std::string& site, shared::UtcNanos t) {
    auto e = envelope(site, t);
    auto* h = e.mutable_hello();
    h->set_agent_version("replay");
    h->set_hostname(agent_of(site));
    h->set_started_unix_nanos(shared::to_unix_nanos(t));
    h->set_window_ns(opt.window.count());
    for (const char* p : {"primary", "backup"}) {
      auto* info = h->add_paths();
      info->set_name(p);
      info->set_interface(std::string("wan-") + p);
    }
    for (const auto& target : site_targets[site]) {
      auto* info = h->add_targets();
      info->set_name(target);
      info->set_address(kAddress);
      info->add_paths("primary");
      info->add_paths("backup");
      info->add_kinds(v1::PROBE_KIND_ICMP);
      info->set_interval_ns(shared::Nanos{kProbeInterval}.count());
    }
    push(t, kHello, std::move(e));
  };
  for (const auto& site : sc.sites) {
    const auto& quiet = silences[site];
    hello(site, sc.data.start);
    for (auto t = sc.data.start; t < sc.data.end; t += opt.heartbeat_interval) {
      if (!inside(quiet, t)) heartbeat(site, t);
    }
    for (const auto& q : quiet) {
      heartbeat(site, q.start);  // the last message before the silence
      hello(site, q.end);        // the agent starts again
    }
    heartbeat(site, sc.data.end);  // the session closes at the data's end
  }

  const std::uint32_t probes_per_window = static_cast<std::uint32_t>(opt.window / kProbeInterval);
  for (std::size_t f = 0; f < flows.size(); ++f) {
    const Flow& flow = flows[f];
    const auto outs = merged(flow_outages[f]);
    for (const auto& o : outs) sc.outages.push_back({flow.site, flow.target, flow.path, o});
    // Until its first report after a restart the agent observed nothing either.
    const auto& quiet = blind[flow.site];
    // Instants at which the agent reports this flow's state: outage edges it was observing,
    // the data's start, and restart_report_delay after every end of a silence (it reports
    // afresh after a restart, once its first probes answered).
    std::vector<shared::UtcNanos> instants{sc.data.start};
    for (const auto& o : outs) {
      for (auto t : {o.start, o.end}) {
        if (t < sc.data.end && !inside(quiet, t)) instants.push_back(t);
      }
    }
    for (const auto& q : quiet) instants.push_back(q.end);
    std::sort(instants.begin(), instants.end());
    bool have_prev = false;
    bool prev_up = false;
    for (auto t : instants) {
      const bool up = !inside(outs, t);
      const bool restart = inside(quiet, t - shared::Nanos{1}) || t == sc.data.start;
      if (have_prev && up == prev_up && !restart) continue;
      auto e = envelope(flow.site, t);
      auto* c = e.mutable_state_change();
      set_flow(c->mutable_flow(), flow);
      c->set_from(restart ? v1::PATH_STATE_UNKNOWN : wire(prev_up));
      c->set_to(wire(up));
      c->set_at_unix_nanos(shared::to_unix_nanos(t));
      c->set_reason(up ? "replies again" : "3 consecutive losses");
      push(t, kEvent, std::move(e));
      have_prev = true;
      prev_up = up;
    }
    // One summary per window the agent was awake for, sent at the window's end; its state is
    // the one in force at the window's last instant (a change at the end is the change's).
    for (auto t = sc.data.start; opt.window_summaries && t < sc.data.end; t += opt.window) {
      const Interval w{t, t + opt.window};
      if (overlaps(quiet, w)) continue;
      const auto lost_s = overlap_length(outs, w);
      const auto lost = static_cast<std::uint32_t>(lost_s / kProbeInterval);
      auto e = envelope(flow.site, w.end);
      auto* s = e.mutable_window();
      set_flow(s->mutable_flow(), flow);
      s->set_start_unix_nanos(shared::to_unix_nanos(w.start));
      s->set_end_unix_nanos(shared::to_unix_nanos(w.end));
      s->set_sent(probes_per_window);
      s->set_received(probes_per_window - lost);
      s->set_lost(lost);
      if (lost < probes_per_window) {
        s->mutable_rtt()->set_avg_ns(4'000'000);
        s->mutable_rtt()->set_p99_ns(9'000'000);
      }
      s->set_state(wire(!inside(outs, w.end - shared::Nanos{1})));
      push(w.end, kPeriodic, std::move(e));
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
      r->set_out_interface(std::string("wan-") + to);
      r->set_at_unix_nanos(shared::to_unix_nanos(t));
      r->set_source(v1::RouteChange::SOURCE_NETLINK);
      push(t, kEvent, std::move(e));
    }
  }

  std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    if (a.at != b.at) return a.at < b.at;
    return a.rank != b.rank ? a.rank < b.rank : a.order < b.order;
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
