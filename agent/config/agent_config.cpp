#include "agent/config/agent_config.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <set>

#include "shared/text/wire_name.hpp"

namespace pathwatch::agent {
namespace {

using shared::ConfigMap;
using shared::ConfigNode;
using namespace std::chrono_literals;

// A name the collector receives in every message (agent id, site) or in every flow (path and
// target names): rejected here exactly when the collector would refuse it (shared/text).
std::string wire_name(const ConfigNode& node, const char* what) {
  std::string name = node.as_string();
  if (auto problem = shared::wire_name_problem(name)) node.fail(std::string(what) + " " + *problem);
  return name;
}

bool is_ip_address(const std::string& text) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, text.c_str(), buf) == 1 || inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

std::string ip_address(const ConfigNode& node) {
  std::string text = node.as_nonempty_string();
  if (!is_ip_address(text)) node.fail("'" + text + "' is not an IPv4 or IPv6 address");
  return text;
}

void check_prefix(const ConfigNode& node, const std::string& text) {
  const auto slash = text.find('/');
  if (slash == std::string::npos) node.fail("expected a prefix such as 198.18.10.0/24");
  const std::string addr = text.substr(0, slash);
  const std::string len = text.substr(slash + 1);
  const bool v6 = addr.find(':') != std::string::npos;
  int bits = -1;
  try {
    std::size_t used = 0;
    bits = std::stoi(len, &used);
    if (used != len.size()) bits = -1;
  } catch (const std::exception&) {
    bits = -1;
  }
  if (!is_ip_address(addr) || bits < 0 || bits > (v6 ? 128 : 32)) {
    node.fail("'" + text + "' is not a valid prefix");
  }
}

ProbeSettings parse_probe_settings(ConfigMap& map, ProbeSettings base) {
  if (auto n = map.optional("interval")) base.interval = n->as_duration(10ms, 1h);
  if (auto n = map.optional("timeout")) base.timeout = n->as_duration(1ms, 60s);
  if (auto n = map.optional("payload_bytes")) {
    base.payload_bytes = static_cast<std::uint32_t>(n->as_int(0, 1400));
  }
  if (auto n = map.optional("dscp")) base.dscp = static_cast<std::uint8_t>(n->as_int(0, 63));
  if (auto n = map.optional("ttl")) base.ttl = static_cast<std::uint8_t>(n->as_int(1, 255));
  return base;
}

PathConfig parse_path(const ConfigNode& node) {
  ConfigMap map = node.as_map();
  PathConfig path;
  const ConfigNode name_node = map.required("name");
  path.name = wire_name(name_node, "path name");
  // "unknown" and "unknown:..." are what the agent reports when it cannot tell the line
  // (agent/route/route_events.hpp): a path of that name would be mistaken for it.
  if (path.name == "unknown" || path.name.starts_with("unknown:")) {
    name_node.fail("the path name '" + path.name +
                   "' is reserved (the agent reports an unidentified line so)");
  }
  if (auto n = map.optional("interface")) {
    path.interface = n->as_nonempty_string();
    if (path.interface.size() > 15) n->fail("interface names have at most 15 characters");
    // It travels in the Hello's PathInfo: a non-UTF-8 name would make the Hello unparsable.
    if (!shared::valid_utf8(path.interface)) n->fail("interface name is not valid UTF-8");
  }
  if (auto n = map.optional("source")) path.source_address = ip_address(*n);
  if (auto n = map.optional("fwmark")) {
    path.fwmark = static_cast<std::uint32_t>(n->as_int(1, 0xffffffff));
  }
  if (auto n = map.optional("as_routed")) path.as_routed = n->as_bool();
  if (auto n = map.optional("hop_ttl")) path.hop_ttl = static_cast<std::uint8_t>(n->as_int(1, 64));
  if (auto n = map.optional("line_hops")) {
    ConfigMap hops = n->as_map();
    for (auto& [key, value] : hops.entries()) {
      path.line_hops[ip_address(key)] = value.as_nonempty_string();
    }
  }
  const bool pinned = !path.interface.empty() || !path.source_address.empty() || path.fwmark;
  if (pinned && path.as_routed) {
    node.fail("path '" + path.name +
              "' is as_routed, so it cannot also set interface, source "
              "or fwmark");
  }
  if (!pinned && !path.as_routed) {
    node.fail("path '" + path.name + "' needs interface, source or fwmark (or as_routed: true)");
  }
  if (!path.line_hops.empty() && !path.as_routed) {
    node.fail("line_hops is only meaningful on an as_routed path");
  }
  map.finish();
  return path;
}

TargetConfig parse_target(const ConfigNode& node, const ProbeSettings& defaults,
                          const std::set<std::string>& path_names) {
  ConfigMap map = node.as_map();
  TargetConfig target;
  target.name = wire_name(map.required("name"), "target name");
  target.address = ip_address(map.required("address"));
  if (auto n = map.optional("icmp")) target.icmp = n->as_bool();
  if (auto n = map.optional("tcp")) {
    for (const auto& port : n->as_scalar_or_sequence()) {
      target.tcp_ports.push_back(static_cast<std::uint16_t>(port.as_int(1, 65535)));
    }
  }
  const ConfigNode paths_node = map.required("paths");
  for (const auto& p : paths_node.as_scalar_or_sequence()) {
    std::string name = p.as_nonempty_string();
    if (!path_names.count(name)) p.fail("unknown path '" + name + "'");
    target.paths.push_back(std::move(name));
  }
  if (target.paths.empty()) paths_node.fail("a target needs at least one path");
  target.probe = parse_probe_settings(map, defaults);
  // A target within the path's hop_ttl answers the hop probe itself (its line cannot be
  // told at that TTL): this one's hop probes use their own TTL.
  if (auto n = map.optional("hop_ttl"))
    target.hop_ttl = static_cast<std::uint8_t>(n->as_int(1, 64));
  if (!target.icmp && target.tcp_ports.empty()) {
    node.fail("target '" + target.name + "' has no probe (icmp: false and no tcp ports)");
  }
  if (target.probe.timeout > target.probe.interval * 10) {
    node.fail("timeout is more than 10 intervals; lower it or raise the interval");
  }
  map.finish();
  return target;
}

}  // namespace

const PathConfig* AgentConfig::find_path(const std::string& name) const {
  for (const auto& p : paths) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

AgentConfig parse_agent_config(const ConfigNode& root, const std::string& file) {
  AgentConfig config;
  config.file = file;
  ConfigMap top = root.as_map();

  {
    ConfigMap agent = top.required("agent").as_map();
    config.agent_id = wire_name(agent.required("id"), "agent id");
    config.site = wire_name(agent.required("site"), "site");
    if (auto n = agent.optional("log_level")) {
      config.log_level = n->as_enum<std::string>({{"trace", "trace"},
                                                  {"debug", "debug"},
                                                  {"info", "info"},
                                                  {"warn", "warn"},
                                                  {"error", "error"}});
    }
    agent.finish();
  }
  if (auto n = top.optional("window")) config.window = n->as_duration(1s, 1h);

  {
    ConfigMap collector = top.required("collector").as_map();
    const ConfigNode endpoints = collector.required("endpoints");
    for (const auto& e : endpoints.as_scalar_or_sequence()) {
      std::string ep = e.as_nonempty_string();
      if (ep.rfind("tcp://", 0) != 0 && ep.rfind("ipc://", 0) != 0) {
        e.fail("collector endpoints look like tcp://HOST:PORT");
      }
      config.collector.endpoints.push_back(std::move(ep));
    }
    if (config.collector.endpoints.empty()) endpoints.fail("at least one endpoint is needed");
    if (auto n = collector.optional("insecure_plaintext")) {
      config.collector.insecure_plaintext = n->as_bool();
    }
    if (auto n = collector.optional("heartbeat")) {
      config.collector.heartbeat = n->as_duration(100ms, 1h);
    }
    // At least two of the collector's 5 s heartbeats: less would fail over from a live one.
    if (auto n = collector.optional("failover_after")) {
      config.collector.failover_after = n->as_duration(10s, 10min);
    }
    if (auto n = collector.optional("curve")) {
      ConfigMap curve = n->as_map();
      config.collector.server_public_key_file = curve.required("server_public_key").as_string();
      config.collector.public_key_file = curve.required("public_key").as_string();
      config.collector.secret_key_file = curve.required("secret_key").as_string();
      curve.finish();
    } else if (!config.collector.insecure_plaintext) {
      collector.node().fail(
          "collector needs 'curve' keys, or 'insecure_plaintext: true' for a lab");
    }
    collector.finish();
  }

  if (auto n = top.optional("spool")) {
    ConfigMap spool = n->as_map();
    config.spool.directory = spool.required("directory").as_nonempty_string();
    if (auto m = spool.optional("max_bytes")) {
      config.spool.max_bytes = m->as_bytes(64 << 10, 1ull << 40);
    }
    spool.finish();
  }

  if (auto n = top.optional("thresholds")) {
    ConfigMap t = n->as_map();
    auto& th = config.thresholds;
    if (auto m = t.optional("down_after"))
      th.down_after = static_cast<std::uint32_t>(m->as_int(1, 255));
    if (auto m = t.optional("up_after"))
      th.up_after = static_cast<std::uint32_t>(m->as_int(1, 255));
    if (auto m = t.optional("degraded_loss_percent"))
      th.degraded_loss_percent = m->as_double(0, 100);
    if (auto m = t.optional("degraded_clear_loss_percent")) {
      th.degraded_clear_loss_percent = m->as_double(0, 100);
      // Above the entry threshold the hysteresis would be inverted: a path could be degraded
      // and clear at once, and flap.
      if (*th.degraded_clear_loss_percent > th.degraded_loss_percent) {
        m->fail("must not exceed degraded_loss_percent (" +
                fmt::format("{:g}", th.degraded_loss_percent) + ")");
      }
    }
    if (auto m = t.optional("degraded_rtt")) th.degraded_rtt = m->as_duration(1us, 60s);
    if (auto m = t.optional("evaluation_probes")) {
      th.evaluation_probes = static_cast<std::uint32_t>(m->as_int(1, 10000));
    }
    if (auto m = t.optional("false_down_per_hour"))
      // At most 1: a flow sends at least one probe an hour, and more false DOWNs than probes
      // is no target (the cut threshold would go negative).
      th.false_down_per_hour = m->as_double(1e-12, 1);
    if (auto m = t.optional("max_random_loss_percent")) {
      th.max_random_loss_percent = m->as_double(1, 99);
    }
    t.finish();
  }

  if (auto n = top.optional("suspicion")) {
    ConfigMap m = n->as_map();
    auto& su = config.suspicion;
    if (auto v = m.optional("speedup")) su.speedup = static_cast<std::uint32_t>(v->as_int(1, 20));
    if (auto v = m.optional("hold")) su.hold = v->as_duration(100ms, 1min);
    if (auto v = m.optional("max_rate")) su.max_rate = v->as_double(1, 100000);
    m.finish();
  }

  ProbeSettings defaults;
  if (auto n = top.optional("defaults")) {
    ConfigMap d = n->as_map();
    defaults = parse_probe_settings(d, defaults);
    d.finish();
  }

  std::set<std::string> path_names;
  const ConfigNode paths_node = top.required("paths");
  for (const auto& p : paths_node.as_sequence()) {
    PathConfig path = parse_path(p);
    if (!path_names.insert(path.name).second) p.fail("duplicate path name '" + path.name + "'");
    config.paths.push_back(std::move(path));
  }
  if (config.paths.empty()) paths_node.fail("at least one path is needed");
  for (const auto& p : config.paths) {
    for (const auto& [hop, line] : p.line_hops) {
      if (!path_names.count(line)) {
        paths_node.fail("path '" + p.name + "': line_hops names unknown path '" + line + "'");
      }
    }
  }

  std::set<std::string> target_names;
  const ConfigNode targets_node = top.required("targets");
  for (const auto& t : targets_node.as_sequence()) {
    TargetConfig target = parse_target(t, defaults, path_names);
    if (!target_names.insert(target.name).second) {
      t.fail("duplicate target name '" + target.name + "'");
    }
    config.targets.push_back(std::move(target));
  }

  if (auto n = top.optional("route_watch")) {
    for (const auto& w : n->as_sequence()) {
      ConfigMap map = w.as_map();
      RouteWatchConfig watch;
      const ConfigNode prefix = map.required("prefix");
      watch.prefix = prefix.as_nonempty_string();
      check_prefix(prefix, watch.prefix);
      ConfigMap ifaces = map.required("interfaces").as_map();
      for (auto& [iface, path] : ifaces.entries()) {
        std::string path_name = path.as_nonempty_string();
        if (!path_names.count(path_name)) path.fail("unknown path '" + path_name + "'");
        watch.interface_paths[iface.as_nonempty_string()] = path_name;
      }
      map.finish();
      config.route_watches.push_back(std::move(watch));
    }
  }

  top.finish();
  return config;
}

AgentConfig load_agent_config(const std::string& file) {
  return parse_agent_config(shared::ConfigNode::load_file(file), file);
}

}  // namespace pathwatch::agent
