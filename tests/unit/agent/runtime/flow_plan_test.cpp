// plan_flows: one flow per (target, path, kind[, port]), schedule groups that put a target's
// paths in one phase, and one PathConfig per path shared by its flows.
#include "agent/runtime/flow_plan.hpp"

#include <gtest/gtest.h>

#include <map>

namespace pathwatch::agent {
namespace {

using namespace std::chrono_literals;

AgentConfig two_path_config() {
  AgentConfig c;
  PathConfig primary;
  primary.name = "primary";
  primary.source_address = "198.18.1.10";
  PathConfig backup;
  backup.name = "backup";
  backup.source_address = "198.18.1.11";
  c.paths = {primary, backup};
  TargetConfig asp;
  asp.name = "asp";
  asp.address = "198.18.30.10";
  asp.tcp_ports = {8443};
  asp.paths = {"primary", "backup"};
  TargetConfig lgcs;
  lgcs.name = "lgcs";
  lgcs.address = "198.18.20.2";
  lgcs.paths = {"primary"};
  c.targets = {asp, lgcs};
  return c;
}

TEST(FlowPlanTest, OneFlowPerTargetPathAndKind) {
  const auto plan = plan_flows(two_path_config());
  // asp: (icmp, tcp:8443) x (primary, backup) = 4; lgcs: icmp on primary = 1.
  ASSERT_EQ(plan.size(), 5u);
  EXPECT_EQ(plan[0].key.target, "asp");
  EXPECT_EQ(plan[0].key.path, "primary");
  EXPECT_EQ(plan[0].key.kind, ProbeKind::kIcmp);
  EXPECT_EQ(plan[1].key.kind, ProbeKind::kTcp);
  EXPECT_EQ(plan[1].key.port, 8443);
  EXPECT_EQ(plan[2].key.path, "backup");
  EXPECT_EQ(plan[4].key.target, "lgcs");
  EXPECT_EQ(plan[4].address.to_string(), "198.18.20.2");
}

TEST(FlowPlanTest, SchedulePhaseGroupsJoinATargetsPaths) {
  const auto plan = plan_flows(two_path_config());
  // The primary and backup ICMP probes of asp share a group (and so a phase); TCP has its own.
  EXPECT_EQ(schedule_group(plan[0]), "asp|icmp");
  EXPECT_EQ(schedule_group(plan[2]), "asp|icmp");
  EXPECT_EQ(schedule_group(plan[1]), "asp|tcp:8443");
  EXPECT_EQ(schedule_group(plan[4]), "lgcs|icmp");
  FlowDef hop = plan[4];
  hop.hop_probe = true;
  EXPECT_EQ(schedule_group(hop), "lgcs|icmp|hops");
}

// Hop probes share one budget per address family (kHopSpacing, 1 s: the kernel's default
// icmp_ratelimit): 3 IPv4 targets at 500 ms get hop flows every 3 s, the IPv6 one every 1 s
// (its own budget), never faster than the target's own interval (the 5 s one keeps 5 s).
// A target's hop_ttl overrides the path's.
TEST(FlowPlanTest, HopFlowsShareOneBudgetPerFamily) {
  AgentConfig c;
  PathConfig routed;
  routed.name = "routed";
  routed.as_routed = true;
  routed.hop_ttl = 2;
  routed.line_hops = {{"198.18.101.1", "primary"}, {"fd00:5057:101::1", "primary"}};
  c.paths = {routed};
  const auto target = [](const char* name, const char* address, std::chrono::milliseconds iv) {
    TargetConfig t;
    t.name = name;
    t.address = address;
    t.paths = {"routed"};
    t.probe.interval = iv;
    return t;
  };
  c.targets = {target("a", "198.18.30.10", 500ms), target("b", "198.18.30.11", 500ms),
               target("c", "198.18.30.12", 5000ms), target("v6", "fd00:5057:30::10", 500ms)};
  c.targets[1].hop_ttl = 3;
  std::map<std::string, FlowDef> hops;
  for (const auto& f : plan_flows(c)) {
    if (f.hop_probe) hops[f.key.target] = f;
  }
  ASSERT_EQ(hops.size(), 4u);
  EXPECT_EQ(hops["a"].settings.interval, 3s);
  EXPECT_EQ(hops["b"].settings.interval, 3s);
  EXPECT_EQ(hops["c"].settings.interval, 5s);
  EXPECT_EQ(hops["v6"].settings.interval, 1s);
  EXPECT_EQ(hops["a"].hop_ttl, 2);
  EXPECT_EQ(hops["b"].hop_ttl, 3);
}

TEST(FlowPlanTest, FlowsOfOnePathShareOnePathConfig) {
  const auto plan = plan_flows(two_path_config());
  // asp/primary icmp, asp/primary tcp and lgcs/primary: one object; backup another.
  ASSERT_TRUE(plan[0].path);
  EXPECT_EQ(plan[0].path.get(), plan[1].path.get());
  EXPECT_EQ(plan[0].path.get(), plan[4].path.get());
  EXPECT_NE(plan[0].path.get(), plan[2].path.get());
  EXPECT_EQ(plan[2].path->name, "backup");
  EXPECT_EQ(plan[2].path->source_address, "198.18.1.11");
  // Equal settings on equal paths: the same flow across a reload (a new plan).
  const auto again = plan_flows(two_path_config());
  EXPECT_TRUE(same_flow(plan[2], again[2]));
  EXPECT_FALSE(same_flow(plan[0], again[2]));
}

}  // namespace
}  // namespace pathwatch::agent
