// Random loss in the lab topology (etc/lab/topology.yaml): flows over a lossy line are a mix
// of degraded, up between losses and now and then down (a run of losses by chance); the
// verdict must still be "degraded: main-primary".
#include <gtest/gtest.h>

#include "collector/isolation/isolation.hpp"
#include "collector/isolation/topology_config.hpp"
#include "tests/unit/collector/isolation/synthetic_network.hpp"

namespace pathwatch::collector::isolation {
namespace {

using testing::Faults;
using testing::simulate;

class LossIsolation : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { topo_ = new Topology(load_topology("etc/lab/topology.yaml")); }
  static void TearDownTestSuite() {
    delete topo_;
    topo_ = nullptr;
  }

  // 30 % loss on the main office's primary line, as-routed on primary: the 6 main-agent
  // flows over it and dc-agent's 3 toward it are degraded (isolation_lab_test.cpp).
  static std::vector<Observation> lossy_primary() {
    Faults f;
    f.degraded = {"main-primary"};
    f.via = {{"main-agent", "primary"}};
    return simulate(*topo_, f);
  }

  static Observation& find(std::vector<Observation>& obs, const std::string& agent,
                           const std::string& path, const std::string& target, ProbeKind kind) {
    for (auto& o : obs) {
      if (o.agent_id == agent && o.path == path && o.target == target && o.kind == kind) return o;
    }
    ADD_FAILURE() << "no " << agent << " " << path << " " << target;
    return obs.front();
  }

  static std::string only_candidate(const Diagnosis& d) {
    if (d.candidates.size() != 1 || d.candidates[0].groups.size() != 1) return "?";
    std::string n;
    for (const auto& s : d.candidates[0].groups[0].segments)
      n += (n.empty() ? "" : "|") + s.segment;
    return n;
  }

  static Topology* topo_;
};

Topology* LossIsolation::topo_ = nullptr;

TEST_F(LossIsolation, DownFlowsBesideDegradedOnesAreTheSameLoss) {
  // Two flows hit a run of losses (down): the as-routed ICMP to the ASP (a service path) and
  // the pinned ICMP to the collector. Both cross only segments the degraded flows prove
  // carry packets (not down): no down candidate explains them, and a degraded flow shares
  // their segments, so they join the degradation. Nothing is down; service degraded.
  auto obs = lossy_primary();
  find(obs, "main-agent", "as-routed", "asp-app", ProbeKind::kIcmp).state = ObservedState::kDown;
  find(obs, "main-agent", "primary", "collector", ProbeKind::kIcmp).state = ObservedState::kDown;
  ObservationSet set;
  set.observations = obs;
  const Verdict v = isolate(*topo_, set);
  EXPECT_TRUE(v.down.candidates.empty());
  EXPECT_TRUE(v.down.unexplained.empty());
  EXPECT_TRUE(v.down.failing.empty());
  EXPECT_EQ(only_candidate(v.degraded), "main-primary");
  EXPECT_EQ(v.degraded.failing.size(), 9u);  // 7 degraded + 2 down, all explained
  EXPECT_EQ(v.impact, ServiceImpact::kDegraded);
}

TEST_F(LossIsolation, AnUpFlowWithRecentLossDoesNotProveTheLineClean) {
  // Between two losses a flow over the lossy line is up. Its windows lost probes, so it does
  // not prove main-primary clean: still "degraded: main-primary", 8 failing.
  auto obs = lossy_primary();
  Observation& lucky = find(obs, "main-agent", "primary", "asp-app", ProbeKind::kIcmp);
  lucky.state = ObservedState::kUp;
  lucky.recent_loss = true;
  ObservationSet set;
  set.observations = obs;
  const Verdict v = isolate(*topo_, set);
  EXPECT_EQ(only_candidate(v.degraded), "main-primary");
  EXPECT_EQ(v.degraded.failing.size(), 8u);

  // The same flow up with clean windows does prove it (main-lan, main-primary and dc-core):
  // the other flows' degradation has no explanation left.
  lucky.recent_loss = false;
  set.observations = obs;
  const Verdict w = isolate(*topo_, set);
  EXPECT_TRUE(w.degraded.candidates.empty());
  EXPECT_FALSE(w.degraded.unexplained.empty());
}

TEST_F(LossIsolation, ADownFlowWithNoDegradationNearbyStaysDown) {
  // No degraded flow shares a segment: a lone inconsistent down is not folded into a loss.
  auto obs = simulate(*topo_, {});
  find(obs, "branch-agent", "primary", "collector", ProbeKind::kIcmp).state = ObservedState::kDown;
  ObservationSet set;
  set.observations = obs;
  const Verdict v = isolate(*topo_, set);
  ASSERT_EQ(v.down.unexplained.size(), 1u);
  EXPECT_TRUE(v.degraded.failing.empty());
}

}  // namespace
}  // namespace pathwatch::collector::isolation
