// Flow definitions from the agent config.
#include "agent/runtime/flow_plan.hpp"

#include <algorithm>
#include <map>

namespace pathwatch::agent {

bool same_path(const PathConfig& a, const PathConfig& b) {
  return a.name == b.name && a.interface == b.interface && a.source_address == b.source_address &&
         a.fwmark == b.fwmark && a.as_routed == b.as_routed && a.line_hops == b.line_hops &&
         a.hop_ttl == b.hop_ttl;
}

bool same_settings(const ProbeSettings& a, const ProbeSettings& b) {
  return a.interval == b.interval && a.timeout == b.timeout && a.payload_bytes == b.payload_bytes &&
         a.dscp == b.dscp && a.ttl == b.ttl;
}

bool same_flow(const FlowDef& a, const FlowDef& b) {
  return a.key == b.key && a.hop_probe == b.hop_probe && a.hop_ttl == b.hop_ttl &&
         same_path(*a.path, *b.path) && same_settings(a.settings, b.settings);
}

std::string schedule_group(const FlowDef& flow) {
  std::string group =
      flow.key.target + (flow.key.kind == ProbeKind::kTcp ? "|tcp:" + std::to_string(flow.key.port)
                                                          : std::string("|icmp"));
  if (flow.hop_probe) group += "|hops";
  return group;
}

std::vector<FlowDef> plan_flows(const AgentConfig& config) {
  std::vector<FlowDef> flows;
  std::map<std::string, std::shared_ptr<const PathConfig>> paths;
  for (const auto& p : config.paths) paths.emplace(p.name, std::make_shared<const PathConfig>(p));
  for (const auto& t : config.targets) {
    const auto address = boost::asio::ip::make_address(t.address);
    for (const auto& path_name : t.paths) {
      auto found = paths.find(path_name);
      if (found == paths.end()) continue;  // the loader rejects unknown paths
      const std::shared_ptr<const PathConfig>& path = found->second;
      auto add = [&](ProbeKind kind, std::uint16_t port, bool hop) {
        FlowDef f;
        f.key = {t.name, t.address, path->name, kind, port};
        f.hop_probe = hop;
        if (hop) f.hop_ttl = t.hop_ttl.value_or(path->hop_ttl);
        f.address = address;
        f.path = path;
        f.settings = t.probe;
        flows.push_back(std::move(f));
      };
      if (t.icmp) add(ProbeKind::kIcmp, 0, false);
      for (auto port : t.tcp_ports) add(ProbeKind::kTcp, port, false);
      if (path->as_routed && !path->line_hops.empty()) add(ProbeKind::kIcmp, 0, true);
    }
  }
  // The hop budget (header): n hop flows of a family each probe at most every n x spacing.
  std::int64_t hop_flows[2] = {0, 0};
  for (const auto& f : flows) {
    if (f.hop_probe) ++hop_flows[f.address.is_v6() ? 1 : 0];
  }
  for (auto& f : flows) {
    if (!f.hop_probe) continue;
    const auto spread = kHopSpacing * hop_flows[f.address.is_v6() ? 1 : 0];
    f.settings.interval = std::max<std::chrono::nanoseconds>(f.settings.interval, spread);
  }
  return flows;
}

}  // namespace pathwatch::agent
