// Test and benchmark support: a network that fails the way the topology says it should.
// simulate() turns a set of failed segments into the observations agents would report
// (down if a probe's route crosses a failed segment, with the ICMP/TCP evidence real routers
// give); synthetic_topology_yaml() writes a municipality-sized topology.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "collector/isolation/observation.hpp"
#include "collector/isolation/topology.hpp"

namespace pathwatch::collector::isolation::testing {

struct Faults {
  std::set<std::string> down;
  std::set<std::string> degraded;
  std::map<std::string, std::string> via;  // agent -> line its as-routed traffic takes
  bool icmp_evidence = true;               // the router before the break answers (net unreachable)
  bool tcp_evidence = true;                // a host whose service failed answers with a RST
  std::set<std::string> silent_agents;     // report nothing (state unknown)
  std::uint32_t tcp_port = 8443;
};

inline std::vector<Observation> simulate(const Topology& t, const Faults& f) {
  std::vector<Observation> out;
  for (const auto& m : t.measurements) {
    const MeasurementRoute* route = &m.routes.front();
    std::string via;
    if (m.routes.size() > 1 || !m.routes.front().via.empty()) {
      auto it = f.via.find(m.agent_id);
      const std::string line = it == f.via.end() ? m.routes.front().via : it->second;
      for (const auto& r : m.routes) {
        if (r.via == line) route = &r;
      }
      via = route->via;
    }
    for (const bool tcp : {false, true}) {
      if (tcp && m.tcp_services.empty()) continue;
      Observation o;
      o.agent_id = m.agent_id;
      o.path = m.path;
      o.target = m.target;
      o.via_path = via;
      o.kind = tcp ? ProbeKind::kTcp : ProbeKind::kIcmp;
      o.port = tcp ? f.tcp_port : 0;
      std::vector<SegmentIndex> segs = route->segments;
      if (tcp) segs.push_back(*m.tcp_service(o.port));
      o.state = ObservedState::kUp;
      for (std::size_t i = 0; i < segs.size(); ++i) {
        const std::string& name = t.segments[segs[i]].name;
        if (f.down.count(name)) {
          o.state = ObservedState::kDown;
          const bool service_only = tcp && i + 1 == segs.size();
          if (service_only && f.tcp_evidence) {
            o.tcp = TcpEvidence::kRefused;
          } else if (f.icmp_evidence) {
            // The nearest router before the break answers.
            for (std::size_t j = i; j > 0; --j) {
              const auto& routers = t.segments[segs[j - 1]].routers;
              if (!routers.empty()) {
                o.icmp = IcmpEvidence{routers.front(), 3, 0};
                break;
              }
            }
          }
          break;
        }
        if (f.degraded.count(name)) o.state = ObservedState::kDegraded;
      }
      if (f.silent_agents.count(m.agent_id)) {
        o.state = ObservedState::kUnknown;
        o.icmp.reset();
        o.tcp = TcpEvidence::kNone;
      }
      out.push_back(std::move(o));
    }
  }
  return out;
}

// `sites` sites, each with a LAN and two lines (carriers A and B) to one data center; a shared
// core (DC router, DC edge, LGCS, TGW) and `asps` vendors with a host and a TCP service each.
// Every site agent probes every ASP over primary, backup and as-routed; one boundary agent
// probes the hops and every ASP. Segments: 3 * sites + 4 + 2 * asps + 1.
inline std::string synthetic_topology_yaml(int sites, int asps) {
  // Appends only (no "literal" + std::string): GCC 12 at -O3 warns falsely (-Wrestrict) on
  // operator+ that inserts at the front.
  std::string y;
  auto add = [&y](std::initializer_list<std::string_view> parts) {
    for (const auto p : parts) y.append(p);
  };
  add({"version: 1\nowners:\n", "  city: {label: 市, contact: {email: it@city.example}}\n",
       "  carrier-a: {label: キャリアA, contact: {email: noc@carrier-a.example}}\n",
       "  carrier-b: {label: キャリアB, contact: {email: noc@carrier-b.example}}\n",
       "  dc: {label: DC事業者}\n  lgcs-op: {label: LGCS運用者}\n  cloud: {label: "
       "クラウド運用者}\n"});
  for (int a = 0; a < asps; ++a) {
    const std::string n = std::to_string(a);
    add({"  vendor", n, ": {label: ASP", n, "}\n"});
  }
  add({"segments:\n"});
  for (int s = 0; s < sites; ++s) {
    const std::string n = std::to_string(s);
    const std::string third = std::to_string(s % 250);
    const std::string second = std::to_string(18 + s / 250);
    add({"  s", n, "-lan: {owner: city, routers: [198.", second, ".", third, ".1]}\n"});
    add({"  s", n, "-primary: {owner: carrier-a}\n"});
    add({"  s", n, "-backup: {owner: carrier-b}\n"});
  }
  add({"  dc-lan: {owner: dc}\n  dc-core: {owner: dc}\n  dc-edge: {owner: dc}\n",
       "  lgcs: {owner: lgcs-op}\n  tgw: {owner: cloud}\n"});
  for (int a = 0; a < asps; ++a) {
    const std::string n = std::to_string(a);
    add({"  asp", n, "-host: {owner: vendor", n, "}\n"});
    add({"  asp", n, "-service: {owner: vendor", n, "}\n"});
  }
  add({"targets:\n"});
  for (int a = 0; a < asps; ++a) {
    const std::string n = std::to_string(a);
    add({"  asp", n, ": {route: [dc-edge, lgcs, tgw, asp", n, "-host], tcp_service: asp", n,
         "-service}\n"});
  }
  std::string list = "[";
  for (int a = 0; a < asps; ++a) {
    if (a > 0) list.append(", ");
    list.append("asp");
    list.append(std::to_string(a));
  }
  list.append("]");
  add({"vantage_points:\n"});
  for (int s = 0; s < sites; ++s) {
    const std::string n = std::to_string(s);
    add({"  agent", n, ":\n    site: s", n, "\n    paths:\n"});
    add({"      primary: {route: [s", n, "-lan, s", n, "-primary, dc-core]}\n"});
    add({"      backup: {route: [s", n, "-lan, s", n, "-backup, dc-core]}\n"});
    add({"      as-routed: {via: [primary, backup], service: true}\n"});
    add({"    targets: ", list, "\n"});
  }
  add({"  boundary:\n    site: dc\n    kind: boundary\n    paths:\n",
       "      direct: {route: [dc-lan, dc-core]}\n    targets:\n"});
  for (int a = 0; a < asps; ++a) add({"      - asp", std::to_string(a), "\n"});
  add(
      {"      - {name: lgcs-hop, route: [dc-edge]}\n      - {name: tgw-hop, route: [dc-edge, "
       "lgcs]}\n",
       "      - {name: tgw-far, route: [dc-edge, lgcs, tgw]}\n"});
  return y;
}

}  // namespace pathwatch::collector::isolation::testing
