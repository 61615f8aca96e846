#include "collector/isolation/topology_config.hpp"

#include <algorithm>
#include <limits>
#include <set>

#include "collector/isolation/address_text.hpp"

namespace pathwatch::collector::isolation {
namespace {

using shared::ConfigMap;
using shared::ConfigNode;

struct RouteSpec {
  std::vector<SegmentIndex> segments;
  std::vector<ConfigNode> nodes;  // one per segment, for error locations
};

struct TargetSpec {
  std::string name;
  RouteSpec route;
  std::map<std::uint32_t, SegmentIndex> tcp_services;
  std::vector<std::string> paths;  // empty: every path of the vantage point
  std::optional<ConfigNode> node;
};

struct PathSpec {
  std::string name;
  RouteSpec route;
  std::vector<std::string> via;
  bool service = false;
};

class Parser {
 public:
  Topology parse(const ConfigNode& root) {
    ConfigMap top = root.as_map();
    if (auto v = top.optional("version")) v->as_int(1, 1);
    parse_owners(top.required("owners"));
    parse_segments(top.required("segments"));
    if (auto t = top.optional("targets")) {
      for (auto& [key, value] : t->as_map().entries()) {
        auto spec = parse_target(key.as_nonempty_string(), value);
        if (shared_targets_.count(spec.name)) key.fail("duplicate target '" + spec.name + "'");
        shared_targets_.emplace(spec.name, std::move(spec));
      }
    }
    parse_vantage_points(top.required("vantage_points"));
    top.finish();
    topo_.build_index();
    return std::move(topo_);
  }

 private:
  void parse_owners(const ConfigNode& node) {
    auto entries = node.as_map().entries();
    if (entries.empty()) node.fail("at least one owner is needed");
    for (auto& [key, value] : entries) {
      Owner owner;
      owner.name = key.as_nonempty_string();
      ConfigMap m = value.as_map();
      owner.label = m.optional("label") ? m.required("label").as_nonempty_string() : owner.name;
      if (auto v = m.optional("label_en")) owner.label_en = v->as_nonempty_string();
      if (auto c = m.optional("contact")) {
        ConfigMap cm = c->as_map();
        if (auto v = cm.optional("email")) owner.contact.email = v->as_nonempty_string();
        if (auto v = cm.optional("phone")) owner.contact.phone = v->as_nonempty_string();
        if (auto v = cm.optional("notes")) owner.contact.notes = v->as_string();
        cm.finish();
      }
      m.finish();
      owner_names_.insert(owner.name);
      topo_.owners.push_back(std::move(owner));
    }
  }

  void parse_segments(const ConfigNode& node) {
    auto entries = node.as_map().entries();
    if (entries.empty()) node.fail("at least one segment is needed");
    std::map<std::string, std::string> router_owner;
    for (auto& [key, value] : entries) {
      Segment seg;
      seg.name = key.as_nonempty_string();
      ConfigMap m = value.as_map();
      ConfigNode owner = m.required("owner");
      seg.owner = owner.as_nonempty_string();
      if (!owner_names_.count(seg.owner)) {
        owner.fail("unknown owner '" + seg.owner + "' (not in owners)");
      }
      seg.label = m.optional("label") ? m.required("label").as_nonempty_string() : seg.name;
      if (auto v = m.optional("label_en")) seg.label_en = v->as_nonempty_string();
      if (auto v = m.optional("description")) seg.description = v->as_string();
      if (auto r = m.optional("routers")) {
        for (const auto& item : r->as_scalar_or_sequence()) {
          auto address = canonical_address(item.as_nonempty_string());
          if (!address)
            item.fail("expected an IPv4 or IPv6 address, got '" + item.as_string() + "'");
          auto [it, inserted] = router_owner.emplace(*address, seg.name);
          if (!inserted) {
            item.fail("router " + *address + " is already the far end of segment '" + it->second +
                      "'");
          }
          seg.routers.push_back(*address);
        }
      }
      m.finish();
      segment_names_.emplace(seg.name, static_cast<SegmentIndex>(topo_.segments.size()));
      topo_.segments.push_back(std::move(seg));
    }
  }

  SegmentIndex segment_ref(const ConfigNode& item) {
    const std::string name = item.as_nonempty_string();
    auto it = segment_names_.find(name);
    if (it == segment_names_.end()) item.fail("unknown segment '" + name + "' (not in segments)");
    return it->second;
  }

  RouteSpec parse_route(const ConfigNode& node) {
    RouteSpec route;
    for (const auto& item : node.as_scalar_or_sequence()) {
      const SegmentIndex s = segment_ref(item);
      if (std::find(route.segments.begin(), route.segments.end(), s) != route.segments.end()) {
        item.fail("segment '" + item.as_string() + "' appears twice in this route");
      }
      route.segments.push_back(s);
      route.nodes.push_back(item);
    }
    return route;
  }

  std::map<std::uint32_t, SegmentIndex> parse_tcp_services(const ConfigNode& node) {
    std::map<std::uint32_t, SegmentIndex> out;
    if (node.is_scalar()) {
      out.emplace(0, segment_ref(node));
      return out;
    }
    for (auto& [key, value] : node.as_map().entries()) {
      const auto port = static_cast<std::uint32_t>(key.as_int(1, 65535));
      out.emplace(port, segment_ref(value));
    }
    return out;
  }

  // A target's suffix; `name` empty: the map carries its own name key (vantage-point targets).
  TargetSpec parse_target(const std::string& name, const ConfigNode& node) {
    TargetSpec spec;
    spec.node = node;
    ConfigMap m = node.as_map();
    spec.name = name.empty() ? m.required("name").as_nonempty_string() : name;
    spec.route = parse_route(m.required("route"));
    if (auto t = m.optional("tcp_service")) spec.tcp_services = parse_tcp_services(*t);
    if (auto p = m.optional("paths")) {
      for (const auto& item : p->as_scalar_or_sequence())
        spec.paths.push_back(item.as_nonempty_string());
    }
    m.finish();
    return spec;
  }

  void parse_vantage_points(const ConfigNode& node) {
    auto entries = node.as_map().entries();
    if (entries.empty()) node.fail("at least one vantage point is needed");
    for (auto& [key, value] : entries) parse_vantage_point(key.as_nonempty_string(), value);
  }

  // Path route + target suffix, checked for a segment crossed twice.
  std::vector<SegmentIndex> join(const PathSpec& path, const TargetSpec& target,
                                 const ConfigNode& where) {
    std::vector<SegmentIndex> all = path.route.segments;
    for (std::size_t i = 0; i < target.route.segments.size(); ++i) {
      const SegmentIndex s = target.route.segments[i];
      if (std::find(all.begin(), all.end(), s) != all.end()) {
        const ConfigNode& at = i < target.route.nodes.size() ? target.route.nodes[i] : where;
        at.fail("segment '" + topo_.segments[s].name + "' is already on path '" + path.name +
                "' of this vantage point");
      }
      all.push_back(s);
    }
    return all;
  }

  void parse_vantage_point(const std::string& agent_id, const ConfigNode& node) {
    VantagePoint vp;
    vp.agent_id = agent_id;
    ConfigMap m = node.as_map();
    vp.site = m.required("site").as_nonempty_string();
    if (auto k = m.optional("kind")) {
      vp.kind = k->as_enum<VantageKind>(
          {{"site", VantageKind::kSite}, {"boundary", VantageKind::kBoundary}});
    }

    std::vector<PathSpec> paths;
    std::vector<ConfigNode> via_nodes;
    ConfigNode paths_node = m.required("paths");
    for (auto& [key, value] : paths_node.as_map().entries()) {
      PathSpec p;
      p.name = key.as_nonempty_string();
      ConfigMap pm = value.as_map();
      auto route = pm.optional("route");
      auto via = pm.optional("via");
      if (route && via) value.fail("a path has either route or via, not both");
      if (!route && !via)
        value.fail("a path needs route (its segments) or via (the paths it follows)");
      if (route) p.route = parse_route(*route);
      if (via) {
        for (const auto& item : via->as_scalar_or_sequence())
          p.via.push_back(item.as_nonempty_string());
        via_nodes.push_back(*via);
      } else {
        via_nodes.push_back(value);
      }
      if (auto s = pm.optional("service")) p.service = s->as_bool();
      pm.finish();
      paths.push_back(std::move(p));
    }
    auto find_path = [&](const std::string& name) -> const PathSpec* {
      for (const auto& p : paths) {
        if (p.name == name) return &p;
      }
      return nullptr;
    };
    for (std::size_t i = 0; i < paths.size(); ++i) {
      if (paths[i].via.empty()) continue;
      for (const auto& item : via_nodes[i].as_scalar_or_sequence()) {
        const PathSpec* target = find_path(item.as_string());
        if (target == nullptr) item.fail("unknown path '" + item.as_string() + "' in via");
        if (!target->via.empty())
          item.fail("via must name paths with a route, not another via path");
      }
    }

    std::vector<TargetSpec> targets;
    if (auto t = m.optional("targets")) {
      for (const auto& item : t->as_scalar_or_sequence()) {
        TargetSpec spec;
        if (item.is_scalar()) {
          auto it = shared_targets_.find(item.as_nonempty_string());
          if (it == shared_targets_.end()) {
            item.fail("unknown target '" + item.as_string() + "' (not in targets)");
          }
          spec = it->second;
          spec.node = item;
        } else {
          spec = parse_target("", item);
        }
        for (const auto& other : targets) {
          if (other.name == spec.name) item.fail("target '" + spec.name + "' listed twice");
        }
        for (const auto& pname : spec.paths) {
          if (find_path(pname) == nullptr)
            item.fail("unknown path '" + pname + "' in target paths");
        }
        targets.push_back(std::move(spec));
      }
    }

    const std::size_t first = topo_.measurements.size();
    auto find_measurement = [&](const std::string& path,
                                const std::string& target) -> Measurement* {
      for (std::size_t i = first; i < topo_.measurements.size(); ++i) {
        auto& x = topo_.measurements[i];
        if (x.path == path && x.target == target) return &x;
      }
      return nullptr;
    };
    for (const auto& p : paths) {
      if (!p.via.empty()) continue;
      for (const auto& t : targets) {
        if (!t.paths.empty() &&
            std::find(t.paths.begin(), t.paths.end(), p.name) == t.paths.end()) {
          continue;
        }
        Measurement x;
        x.agent_id = agent_id;
        x.path = p.name;
        x.target = t.name;
        x.routes.push_back({"", join(p, t, *t.node)});
        x.tcp_services = t.tcp_services;
        x.service = p.service;
        topo_.measurements.push_back(std::move(x));
      }
    }
    if (auto list = m.optional("measurements")) {
      for (const auto& item : list->as_sequence()) {
        ConfigMap om = item.as_map();
        ConfigNode path_node = om.required("path");
        const PathSpec* p = find_path(path_node.as_nonempty_string());
        if (p == nullptr) path_node.fail("unknown path '" + path_node.as_string() + "'");
        if (!p->via.empty()) {
          path_node.fail("give the exception on the paths that '" + p->name +
                         "' follows (via), not on it");
        }
        const std::string target = om.required("target").as_nonempty_string();
        RouteSpec route = parse_route(om.required("route"));
        std::map<std::uint32_t, SegmentIndex> tcp;
        if (auto t = om.optional("tcp_service")) tcp = parse_tcp_services(*t);
        om.finish();
        Measurement* x = find_measurement(p->name, target);
        if (x == nullptr) {
          topo_.measurements.push_back({});
          x = &topo_.measurements.back();
          x->agent_id = agent_id;
          x->path = p->name;
          x->target = target;
          x->service = p->service;
        }
        x->routes = {{"", route.segments}};
        if (!tcp.empty()) x->tcp_services = tcp;
      }
    }
    for (const auto& v : paths) {
      if (v.via.empty()) continue;
      std::vector<Measurement> derived;
      for (std::size_t i = first; i < topo_.measurements.size(); ++i) {
        const Measurement& base = topo_.measurements[i];
        if (base.path != v.via.front() &&
            std::find(v.via.begin(), v.via.end(), base.path) == v.via.end()) {
          continue;
        }
        bool seen = false;
        for (const auto& d : derived) seen = seen || d.target == base.target;
        if (seen) continue;
        Measurement x;
        x.agent_id = agent_id;
        x.path = v.name;
        x.target = base.target;
        x.service = v.service;
        for (const auto& line : v.via) {
          if (const Measurement* b = find_measurement(line, base.target)) {
            x.routes.push_back({line, b->routes.front().segments});
            if (x.tcp_services.empty()) x.tcp_services = b->tcp_services;
          }
        }
        derived.push_back(std::move(x));
      }
      for (auto& d : derived) topo_.measurements.push_back(std::move(d));
    }
    m.finish();
    topo_.vantage_points.push_back(std::move(vp));
  }

  Topology topo_;
  std::set<std::string> owner_names_;
  std::map<std::string, SegmentIndex> segment_names_;
  std::map<std::string, TargetSpec> shared_targets_;
};

}  // namespace

Topology parse_topology(const ConfigNode& root) {
  return Parser().parse(root);
}

Topology load_topology(const std::string& file) {
  return parse_topology(ConfigNode::load_file(file));
}

}  // namespace pathwatch::collector::isolation
