// Random loss in the lab topology (etc/lab/topology.yaml): flows over a lossy line are a mix
// of degraded, up between losses and now and then down (a run of losses by chance); the
// verdict must still be "degraded: main-primary".
#include <gtest/gtest.h>

#include "collector/isolation/isolation.hpp"
#include "collector/isolation/loss_likelihood.hpp"
#include "collector/isolation/topology_config.hpp"
#include "collector/isolation/verdict_json.hpp"
#include "collector/isolation/verdict_text.hpp"
#include "tests/unit/collector/isolation/lab_topology_test_base.hpp"
#include "tests/unit/collector/isolation/synthetic_network.hpp"

namespace pathwatch::collector::isolation {
namespace {

using testing::Faults;
using testing::simulate;

class LossIsolation : public testing::LabTopologyTest {
 protected:
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
};

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

// Window counts for a flow: `clean` windows of 2 answered probes ending at 1..clean s, then
// one window per entry of `lost` (2 probes, that many lost).
void give_windows(Observation& o, int clean, std::vector<std::uint32_t> lost = {}) {
  const shared::UtcNanos zero{};
  int end = 1;
  for (; end <= clean; ++end) {
    o.windows.push_back(
        {zero + std::chrono::seconds{end - 1}, zero + std::chrono::seconds{end}, 2, 0});
  }
  for (const auto l : lost) {
    o.windows.push_back(
        {zero + std::chrono::seconds{end - 1}, zero + std::chrono::seconds{end}, 2, l});
    ++end;
  }
}

TEST_F(LossIsolation, AnUpFlowThatLostProbesSinceTheOnsetDoesNotProveTheLineClean) {
  // 30 % loss since t = 10 s: every flow has 10 clean windows before; the flows over the
  // primary lost probes in the 2 windows since, the others none. Between two losses a flow
  // over the lossy line is up: it does not prove main-primary clean.
  auto obs = lossy_primary();
  for (auto& o : obs) {
    const bool over_primary = o.state == ObservedState::kDegraded;
    give_windows(
        o, 10, over_primary ? std::vector<std::uint32_t>{1, 0} : std::vector<std::uint32_t>{0, 0});
  }
  Observation& lucky = find(obs, "main-agent", "primary", "asp-app", ProbeKind::kIcmp);
  lucky.state = ObservedState::kUp;
  ObservationSet set;
  set.observations = obs;
  const Verdict v = isolate(*topo_, set);
  EXPECT_EQ(only_candidate(v.degraded), "main-primary") << verdict_to_json(v);
  EXPECT_EQ(v.degraded.failing.size(), 8u);
  EXPECT_TRUE(v.degraded.loss_ranked);
  EXPECT_EQ(v.degraded.loss_onset, shared::UtcNanos{} + std::chrono::seconds{10});

  // Up with clean windows since the onset, but only 4 answers: still no proof (its ten
  // clean windows from before the onset do not count).
  lucky.windows.clear();
  give_windows(lucky, 12);
  set.observations = obs;
  EXPECT_EQ(only_candidate(isolate(*topo_, set).degraded), "main-primary");

  // kCleanProbesToProve (20) answers in a row since the onset do prove it (main-lan,
  // main-primary and dc-core): the other flows' degradation has no explanation left.
  static_assert(kCleanProbesToProve == 20);
  for (auto& o : obs) {
    for (int extra = 0; extra < 8; ++extra) {
      const auto end = o.windows.back().end;
      o.windows.push_back(
          {end, end + std::chrono::seconds{1}, 2, o.state == ObservedState::kDegraded ? 1u : 0u});
    }
  }
  set.observations = obs;
  const Verdict w = isolate(*topo_, set);
  EXPECT_TRUE(w.degraded.candidates.empty());
  EXPECT_FALSE(w.degraded.unexplained.empty());
}

// Seconds after the onset of 30 % loss on the primary: the flows over it that lost a probe
// are degraded, the lucky ones still up. Counting only failing sets, the group would be
// main-lan | main-primary | dc-core (every degraded flow here is main-agent's); the counts
// set main-primary apart: the backup flows and dc-agent's probe of the line's far end
// (198.18.101.2, which does not cross main-lan) answer or lose as only main-primary explains.
TEST_F(LossIsolation, CountsSinceTheOnsetSetTheLossyLineApartFromItsNeighbours) {
  auto obs = lossy_primary();
  for (auto& o : obs) {
    const bool over_primary = o.state == ObservedState::kDegraded;
    o.state = ObservedState::kUp;
    give_windows(o, 10, {0, 0});
    if (!over_primary) continue;
    // 4 probes since the onset on each of the 8 flows over the line: 3 of them lost one or
    // two (degraded), the rest still clean (up).
    if (o.agent_id == "main-agent" && o.kind == ProbeKind::kIcmp && o.path != "as-routed") {
      o.windows.back().lost = 1;
      o.state = ObservedState::kDegraded;
    }
    if (o.agent_id == "dc-agent" && o.target == "main-rtr-primary") o.windows.back().lost = 2;
  }
  ObservationSet set;
  set.observations = obs;
  const Verdict v = isolate(*topo_, set);
  ASSERT_EQ(v.degraded.candidates.size(), 1u);
  ASSERT_EQ(v.degraded.candidates[0].groups.size(), 1u);
  const auto& g = v.degraded.candidates[0].groups[0];
  ASSERT_EQ(g.segments.size(), 1u);
  EXPECT_EQ(g.segments[0].segment, "main-primary");
  ASSERT_EQ(g.posterior.size(), 1u);
  EXPECT_GT(g.posterior[0], 0.9);
  ASSERT_EQ(g.unlikely.size(), 2u);  // set apart by the counts, with their small shares
  EXPECT_TRUE(g.unlikely[0].segment == "main-lan" || g.unlikely[1].segment == "main-lan");
  EXPECT_LT(g.unlikely_posterior[0] + g.unlikely_posterior[1], 0.1);
  EXPECT_TRUE(v.degraded.conclusive);
  EXPECT_EQ(v.degraded.loss_probes_lost, 4u);
  const std::string json = verdict_to_json(v);
  EXPECT_NE(json.find("\"loss_ranked\":true"), std::string::npos) << json;
  EXPECT_NE(json.find("\"unlikely\":[{"), std::string::npos) << json;
  EXPECT_NE(json.find("\"probes_lost\":4"), std::string::npos) << json;
  const std::string text = render_verdict(v, Language::kEn);
  EXPECT_NE(text.find("main office primary line (Carrier A, noc@carrier-a.example, "
                      "0120-000-001) >99 % [unlikely: "),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("ranked by likelihood from every measurement's probes since the loss "
                      "began (4 of "),
            std::string::npos)
      << text;

  // Without the far end's losses the evidence is thinner: main-lan stays in the answer.
  for (auto& o : obs) {
    if (o.target == "main-rtr-primary" && o.path == "direct") o.windows.back().lost = 0;
  }
  set.observations = obs;
  const Verdict w = isolate(*topo_, set);
  ASSERT_EQ(w.degraded.candidates.size(), 1u);
  EXPECT_EQ(only_candidate(w.degraded), "main-primary|main-lan");
  EXPECT_FALSE(w.degraded.conclusive);
}

TEST_F(LossIsolation, FlowsFlippingUpAndDownUnderLossAreStillTheLine) {
  // Sustained loss: a run of two losses takes a flow down, two answers bring it back up with
  // its loss history reset, so at this instant none of the 8 flows over the line is
  // degraded: 5 of the 9 measurements over it are down, 4 up. Their windows lost some probes
  // but not all (a cut loses everything): the same loss, not 5 unexplained outages.
  auto obs = lossy_primary();
  const shared::UtcNanos zero{};
  int n = 0;
  for (auto& o : obs) {
    const bool over_primary = o.state == ObservedState::kDegraded;
    give_windows(
        o, 10,
        over_primary ? std::vector<std::uint32_t>{1, 1, 0} : std::vector<std::uint32_t>{0, 0, 0});
    o.state = ObservedState::kUp;
    if (!over_primary) continue;
    if (n++ % 2 == 0) {
      o.state = ObservedState::kDown;
      o.since = zero + std::chrono::milliseconds{10500};
    }
  }
  ObservationSet set;
  set.observations = obs;
  const Verdict v = isolate(*topo_, set);
  EXPECT_TRUE(v.down.candidates.empty());
  EXPECT_TRUE(v.down.unexplained.empty());
  EXPECT_EQ(only_candidate(v.degraded), "main-primary") << verdict_to_json(v);
  EXPECT_EQ(v.degraded.failing.size(), 5u);
  EXPECT_EQ(v.degraded.loss_onset, zero + std::chrono::milliseconds{10500});

  // The same downs with no partial loss anywhere (windows not in yet): unexplained, as a
  // fault on one port or protocol would be.
  for (auto& o : obs) o.windows.clear();
  set.observations = obs;
  const Verdict w = isolate(*topo_, set);
  EXPECT_EQ(w.down.unexplained.size(), 5u);
  EXPECT_TRUE(w.degraded.candidates.empty());
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
