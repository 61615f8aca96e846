// The topology file: compact routes expanded as documented, and strict FILE:LINE:COL errors.
#include "collector/isolation/topology_config.hpp"

#include <gtest/gtest.h>

namespace pathwatch::collector::isolation {
namespace {

Topology parse(const std::string& text) {
  return parse_topology(shared::ConfigNode::load_string(text, "t.yaml"));
}

std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const shared::ConfigError& e) {
    return e.what();
  }
  return "no error";
}

std::string error_of_file(const std::string& file) {
  try {
    load_topology(file);
  } catch (const shared::ConfigError& e) {
    return e.what();
  }
  return "no error";
}

std::vector<std::string> names(const Topology& t, const std::vector<SegmentIndex>& route) {
  std::vector<std::string> out;
  for (const auto s : route) out.push_back(t.segments[s].name);
  return out;
}

constexpr const char* kSmall = R"(version: 1
owners:
  city: {label: 市, contact: {email: it@city.example, phone: "0000", notes: 平日}}
  carrier: {label: キャリア, label_en: Carrier}
segments:
  lan: {owner: city, routers: [198.18.1.1, "fd00:5057:1:0::1"]}
  line-a: {owner: carrier}
  line-b: {owner: carrier}
  core: {owner: city}
  app: {owner: city}
targets:
  web: {route: [core], tcp_service: app}
vantage_points:
  agent-1:
    site: honcho
    paths:
      a: {route: [lan, line-a]}
      b: {route: [lan, line-b]}
      routed: {via: [a, b], service: true}
    targets:
      - web
      - {name: gw, route: [], paths: [a]}
    measurements:
      - {path: b, target: web, route: [lan, line-b, core, app]}
)";

TEST(TopologyConfig, CompactRoutesExpand) {
  const Topology t = parse(kSmall);
  // a×{web, gw} + b×{web} + routed×{web, gw} = 5 measurements.
  EXPECT_EQ(t.measurements.size(), 5u);
  const Measurement* aw = t.find_measurement("agent-1", "a", "web");
  ASSERT_NE(aw, nullptr);
  EXPECT_EQ(names(t, aw->routes[0].segments), (std::vector<std::string>{"lan", "line-a", "core"}));
  ASSERT_TRUE(aw->tcp_service(8443));
  EXPECT_EQ(t.segments[*aw->tcp_service(8443)].name, "app");
  // The exception replaced b→web's route wholesale.
  const Measurement* bw = t.find_measurement("agent-1", "b", "web");
  ASSERT_NE(bw, nullptr);
  EXPECT_EQ(names(t, bw->routes[0].segments),
            (std::vector<std::string>{"lan", "line-b", "core", "app"}));
  // As-routed follows either line; gw exists only on a, so routed→gw has one route.
  const Measurement* rw = t.find_measurement("agent-1", "routed", "web");
  ASSERT_NE(rw, nullptr);
  ASSERT_EQ(rw->routes.size(), 2u);
  EXPECT_EQ(rw->routes[0].via, "a");
  EXPECT_EQ(rw->routes[1].via, "b");
  EXPECT_TRUE(rw->service);
  const Measurement* rg = t.find_measurement("agent-1", "routed", "gw");
  ASSERT_NE(rg, nullptr);
  EXPECT_EQ(rg->routes.size(), 1u);
  EXPECT_EQ(t.find_measurement("agent-1", "b", "gw"), nullptr);
  // Router addresses match in any text form.
  ASSERT_TRUE(t.segment_of_router("fd00:5057:1::1"));
  EXPECT_EQ(t.segments[*t.segment_of_router("fd00:5057:1::1")].name, "lan");
  EXPECT_EQ(t.find_owner("carrier")->label_en, "Carrier");
  EXPECT_EQ(t.find_owner("city")->contact.email, "it@city.example");
}

TEST(TopologyConfig, TheLabTopologyLoads) {
  const Topology t = load_topology("etc/lab/topology.yaml");
  // main, branch: 3 paths × 2 targets = 6 each; dc-agent: direct × 6 targets, main-office
  // over to-main-primary, to-main-backup and to-main (via) = 9; 21.
  EXPECT_EQ(t.measurements.size(), 21u);
  EXPECT_EQ(t.segments.size(), 13u);
}

std::string replace(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

TEST(TopologyConfig, TheExampleTopologyLoads) {
  const Topology t = load_topology("etc/topology.example.yaml");
  // 2 sites × (primary, backup: asp-app + collector; as-routed: asp-app + collector) = 12,
  // boundary: 3 targets = 15.
  EXPECT_EQ(t.measurements.size(), 15u);
  EXPECT_EQ(t.segments.size(), 14u);
}

TEST(TopologyConfig, UnknownSegmentPointsAtItsName) {
  // Line 17 ("      a: {route: [lan, line-a]}"), column 24 is where "line-x" starts.
  EXPECT_EQ(error_of(replace(kSmall, "a: {route: [lan, line-a]}", "a: {route: [lan, line-x]}")),
            "t.yaml:17:24: vantage_points.agent-1.paths.a.route[1]: unknown segment 'line-x' (not "
            "in segments)");
}

TEST(TopologyConfig, UnknownSegmentInATargetSuffix) {
  EXPECT_EQ(error_of(replace(kSmall, "web: {route: [core]", "web: {route: [kore]")),
            "t.yaml:12:17: targets.web.route[0]: unknown segment 'kore' (not in segments)");
}

TEST(TopologyConfig, Errors) {
  EXPECT_EQ(error_of(replace(kSmall, "line-a: {owner: carrier}", "line-a: {owner: carier}")),
            "t.yaml:7:19: segments.line-a.owner: unknown owner 'carier' (not in owners)");
  EXPECT_EQ(error_of(replace(kSmall, "198.18.1.1,", "198.18.1.300,")),
            "t.yaml:6:32: segments.lan.routers[0]: expected an IPv4 or IPv6 address, got "
            "'198.18.1.300'");
  EXPECT_EQ(error_of(replace(kSmall, "line-b: {owner: carrier}",
                             "line-b: {owner: carrier, routers: [\"198.18.1.1\"]}")),
            "t.yaml:8:38: segments.line-b.routers[0]: router 198.18.1.1 is already the far end "
            "of segment 'lan'");
  EXPECT_EQ(error_of(replace(kSmall, "via: [a, b]", "via: [a, c]")),
            "t.yaml:19:25: vantage_points.agent-1.paths.routed.via[1]: unknown path 'c' in via");
  EXPECT_EQ(
      error_of(replace(kSmall, "{via: [a, b], service: true}", "{via: [a, b], route: [lan]}")),
      "t.yaml:19:15: vantage_points.agent-1.paths.routed: a path has either route or via, "
      "not both");
  EXPECT_EQ(error_of(replace(kSmall, "site: honcho", "site: honcho\n    colour: red")),
            "t.yaml:16:5: vantage_points.agent-1: unknown key 'colour'");
  EXPECT_EQ(error_of(replace(kSmall, "{name: gw, route: []", "{name: gw, route: [line-a]")),
            "t.yaml:22:28: vantage_points.agent-1.targets[1].route[0]: segment 'line-a' is "
            "already on path 'a' of this vantage point");
  EXPECT_EQ(
      error_of(replace(kSmall, "route: [lan, line-b, core, app]", "route: [lan, line-b, lan]")),
      "t.yaml:24:53: vantage_points.agent-1.measurements[0].route[2]: segment 'lan' appears "
      "twice in this route");
  EXPECT_EQ(
      error_of(replace(kSmall, "      - web\n", "      - www\n")),
      "t.yaml:21:9: vantage_points.agent-1.targets[0]: unknown target 'www' (not in targets)");
  EXPECT_EQ(error_of(replace(kSmall, "{path: b,", "{path: routed,")),
            "t.yaml:24:16: vantage_points.agent-1.measurements[0].path: give the exception on the "
            "paths that 'routed' follows (via), not on it");
}

TEST(TopologyConfig, MissingFileIsAConfigError) {
  EXPECT_EQ(error_of_file("no/such/topology.yaml"),
            "no/such/topology.yaml: cannot open configuration file: No such file or directory");
}

}  // namespace
}  // namespace pathwatch::collector::isolation
