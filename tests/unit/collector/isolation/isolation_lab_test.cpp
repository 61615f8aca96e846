// The lab's fault scenarios (tests/lab/README.md) against the lab topology
// (etc/lab/topology.yaml): each verdict below is derived by hand from the routes there.
//
// Measurements (simulate() reports every one the topology lists):
//   main-agent, branch-agent: paths primary, backup, as-routed × (asp-app ICMP, asp-app
//     TCP/8443, collector ICMP) = 9 each;
//   dc-agent: direct × (asp-app ICMP, asp-app TCP/8443, lgcs-hop, tgw-hop, tgw-asp-side,
//     main-rtr-primary, main-rtr-backup) = 7; main-office over to-main-primary, to-main-backup
//     (the lines dc-rtr may use; simulate() reports them too) and to-main (via either) = 3.
//   Total 28.
#include <gtest/gtest.h>

#include "collector/isolation/isolation.hpp"
#include "collector/isolation/topology_config.hpp"
#include "collector/isolation/verdict_json.hpp"
#include "collector/isolation/verdict_text.hpp"
#include "tests/unit/collector/isolation/lab_topology_test_base.hpp"
#include "tests/unit/collector/isolation/synthetic_network.hpp"

namespace pathwatch::collector::isolation {
namespace {

using testing::Faults;
using testing::simulate;

class LabIsolation : public testing::LabTopologyTest {
 protected:
  Verdict run(const Faults& f) {
    ObservationSet set;
    set.observations = simulate(*topo_, f);
    EXPECT_EQ(set.observations.size(), 28u);
    return isolate(*topo_, set);
  }
};

TEST_F(LabIsolation, NothingFailsNothingBlamed) {
  const Verdict v = run({});
  EXPECT_TRUE(v.down.candidates.empty());
  EXPECT_TRUE(v.degraded.candidates.empty());
  EXPECT_EQ(v.impact, ServiceImpact::kNone);
  EXPECT_EQ(render_verdict(v, Language::kJa), "サービス影響: なし\n障害: なし\n品質劣化: なし\n");
}

TEST_F(LabIsolation, SiteLanCutBlamesTheMainOfficeLan) {
  // All 9 main-agent measurements fail; the agent cannot see which line (no ICMP: its own
  // interface is down). dc-agent's 3 main-office measurements fail too, while its probes of
  // main-rtr's line addresses work and prove both lines; branch and dc-agent prove dc-core
  // and everything beyond: {main-lan} is the only explanation. 12 failing.
  Faults f;
  f.down = {"main-lan"};
  f.icmp_evidence = false;
  f.via = {{"main-agent", ""}};
  const Verdict v = run(f);
  ASSERT_EQ(v.down.failing.size(), 12u);
  ASSERT_EQ(v.down.candidates.size(), 1u);
  EXPECT_EQ(names(v.down.candidates[0]), std::vector<std::string>{"main-lan"});
  EXPECT_EQ(v.down.candidates[0].rank, 1);
  EXPECT_EQ(v.down.candidates[0].groups[0].segments[0].owner, "municipality");
  EXPECT_TRUE(v.down.conclusive);
  EXPECT_EQ(v.impact, ServiceImpact::kDown);
}

TEST_F(LabIsolation, SiteLanCutWithTheSiteAgentSilentIsSeenFromTheDataCenter) {
  // The lab's case: main-agent cannot reach the collector (unknown). dc-agent's 3
  // main-office measurements fail, with Time Exceeded from main-rtr's primary address
  // (198.18.101.2, a routing loop: not a router of the topology, so no proof from it); its
  // probes of 198.18.101.2 and .102.2 prove both lines: main-lan.
  Faults f;
  f.down = {"main-lan"};
  f.icmp_evidence = false;
  f.silent_agents = {"main-agent"};
  ObservationSet set;
  set.observations = simulate(*topo_, f);
  for (auto& o : set.observations) {
    if (o.target == "main-office") o.icmp = IcmpEvidence{"198.18.101.2", 11, 0};
  }
  const Verdict v = isolate(*topo_, set);
  ASSERT_EQ(v.down.failing.size(), 3u);
  EXPECT_EQ(v.down.failing[0].evidence.kind, EvidenceKind::kIcmpRouterUnknown);
  ASSERT_EQ(v.down.candidates.size(), 1u);
  EXPECT_EQ(names(v.down.candidates[0]), std::vector<std::string>{"main-lan"});
  EXPECT_TRUE(v.down.conclusive);
  EXPECT_EQ(v.impact, ServiceImpact::kDown);  // to-main is a service path
}

TEST_F(LabIsolation, BothLinesCutWithTheSiteAgentSilentIsSeenFromTheDataCenter) {
  // dc-rtr has no route to the main office: net unreachable from 198.18.10.1 (far end of
  // dc-lan) for 101.2, 102.2 and the LAN host (5 failing). dc-core is proven by the ASP
  // probes; 101.2 needs main-primary, 102.2 main-backup: the pair is forced, and explains
  // the main-office probes too.
  Faults f;
  f.down = {"main-primary", "main-backup"};
  f.silent_agents = {"main-agent"};
  const Verdict v = run(f);
  ASSERT_EQ(v.down.failing.size(), 5u);
  EXPECT_EQ(v.down.failing[0].evidence.router_segment, "dc-lan");
  ASSERT_EQ(v.down.candidates.size(), 1u);
  EXPECT_EQ(names(v.down.candidates[0]), (std::vector<std::string>{"main-primary", "main-backup"}));
  EXPECT_TRUE(v.down.conclusive);
}

TEST_F(LabIsolation, PrimaryLineCutBlamesCarrierAWithoutServiceImpact) {
  // Pinned-primary probes fail with net unreachable from main-rtr (198.18.1.1, far end of
  // main-lan); as-routed moved to backup and works. 3 failing, each suspecting only
  // main-primary (main-lan proven by ICMP and backup, dc-core and beyond by backup).
  // dc-agent: main-rtr-primary (net unreachable from dc-rtr, 198.18.10.1) and the simulated
  // to-main-primary probe of the LAN host fail too; to-main follows the backup. 5 failing.
  Faults f;
  f.down = {"main-primary"};
  f.via = {{"main-agent", "backup"}, {"dc-agent", "to-main-backup"}};
  const Verdict v = run(f);
  ASSERT_EQ(v.down.failing.size(), 5u);
  ASSERT_EQ(v.down.candidates.size(), 1u);
  EXPECT_EQ(names(v.down.candidates[0]), std::vector<std::string>{"main-primary"});
  const auto& seg = v.down.candidates[0].groups[0].segments[0];
  EXPECT_EQ(seg.owner, "carrier-a");
  EXPECT_EQ(seg.email, "noc@carrier-a.example");
  EXPECT_TRUE(v.down.conclusive);
  EXPECT_EQ(v.impact, ServiceImpact::kNone);
  EXPECT_EQ(v.down.failing[0].evidence.kind, EvidenceKind::kIcmpFromRouter);
  EXPECT_EQ(v.down.failing[0].evidence.router_segment, "main-lan");
  const std::string ja = render_candidate(v.down.candidates[0], v.down, Language::kJa);
  EXPECT_EQ(ja.rfind("原因候補 1: 本庁舎 主回線 (キャリアA, noc@carrier-a.example, 0120-000-001) — "
                     "根拠: 失敗 5 件 (",
                     0),
            0u)
      << ja;
  const std::string en = render_candidate(v.down.candidates[0], v.down, Language::kEn);
  EXPECT_EQ(en.rfind("candidate 1: main office primary line (Carrier A, noc@carrier-a.example, "
                     "0120-000-001) — evidence: failing 5 (",
                     0),
            0u)
      << en;
}

TEST_F(LabIsolation, BothLinesCutWithRouterEvidenceBlamesBothLines) {
  // Every main-agent probe gets net unreachable from main-rtr: main-lan works, so each
  // pinned probe needs its own line; the pair is forced. dc-agent: 101.2, 102.2 and the 3
  // main-office probes fail too: 14.
  Faults f;
  f.down = {"main-primary", "main-backup"};
  f.via = {{"main-agent", ""}};
  const Verdict v = run(f);
  ASSERT_EQ(v.down.failing.size(), 14u);
  ASSERT_EQ(v.down.candidates.size(), 1u);
  EXPECT_EQ(names(v.down.candidates[0]), (std::vector<std::string>{"main-primary", "main-backup"}));
  EXPECT_TRUE(v.down.conclusive);
  EXPECT_EQ(v.impact, ServiceImpact::kDown);
}

TEST_F(LabIsolation, BothLinesCutWithoutEvidenceIsHonestAboutTheSiteSide) {
  // Without the router's answer and without dc-agent's probes of the site router's line
  // addresses, the topology cannot tell "site LAN/router" from "both lines": one segment
  // explains all 9 failures, so it ranks first, and both lines second.
  Faults f;
  f.down = {"main-primary", "main-backup"};
  f.via = {{"main-agent", ""}};
  f.icmp_evidence = false;
  ObservationSet set;
  set.observations = simulate(*topo_, f);
  std::erase_if(set.observations, [](const Observation& o) {
    return o.target == "main-rtr-primary" || o.target == "main-rtr-backup" ||
           o.target == "main-office";
  });
  const Verdict v = isolate(*topo_, set);
  ASSERT_EQ(v.down.candidates.size(), 2u);
  EXPECT_EQ(names(v.down.candidates[0]), std::vector<std::string>{"main-lan"});
  EXPECT_EQ(names(v.down.candidates[1]), (std::vector<std::string>{"main-primary", "main-backup"}));
}

TEST_F(LabIsolation, BothLinesCutWithoutEvidenceIsSeparatedByTheBoundaryAgent) {
  // Same, with dc-agent's probes of 198.18.101.2 and 102.2: each line is forced by one.
  Faults f;
  f.down = {"main-primary", "main-backup"};
  f.via = {{"main-agent", ""}};
  f.icmp_evidence = false;
  const Verdict v = run(f);
  ASSERT_EQ(v.down.candidates.size(), 1u);
  EXPECT_EQ(names(v.down.candidates[0]), (std::vector<std::string>{"main-primary", "main-backup"}));
}

TEST_F(LabIsolation, DcEdgeCut) {
  // 14 asp-app measurements + lgcs-hop + tgw-hop + tgw-asp-side = 17 down. lgcs-hop crosses
  // dc-lan, dc-core, dc-edge and the first two are proven by the collector probes: dc-edge
  // is forced.
  Faults f;
  f.down = {"dc-edge"};
  const Verdict v = run(f);
  ASSERT_EQ(v.down.failing.size(), 17u);
  ASSERT_EQ(v.down.candidates.size(), 1u);
  EXPECT_EQ(names(v.down.candidates[0]), std::vector<std::string>{"dc-edge"});
  EXPECT_EQ(v.down.candidates[0].groups[0].segments[0].owner, "dc-provider");
  EXPECT_TRUE(v.down.conclusive);
}

TEST_F(LabIsolation, LgcsCut) {
  // 14 asp-app + tgw-hop + tgw-asp-side = 16 down; lgcs-hop works (proves dc-edge), so
  // tgw-hop's only suspect is lgcs.
  Faults f;
  f.down = {"lgcs"};
  const Verdict v = run(f);
  ASSERT_EQ(v.down.failing.size(), 16u);
  ASSERT_EQ(v.down.candidates.size(), 1u);
  EXPECT_EQ(names(v.down.candidates[0]), std::vector<std::string>{"lgcs"});
  EXPECT_EQ(v.down.candidates[0].groups[0].segments[0].owner, "lgcs-operator");
}

TEST_F(LabIsolation, TgwHopCutCannotBeToldFromTheAspHost) {
  // 14 asp-app measurements down; tgw-hop and tgw-asp-side work. tgw-asp-side (198.18.30.1,
  // the TGW's own address) proves only dc-edge and lgcs: the TGW answers for it with its
  // attachment down. tgw and asp-host are in exactly the same failing sets: one group, and
  // only a vantage point past the TGW separates them.
  Faults f;
  f.down = {"tgw"};
  const Verdict v = run(f);
  ASSERT_EQ(v.down.failing.size(), 14u);
  ASSERT_EQ(v.down.candidates.size(), 1u);
  EXPECT_EQ(names(v.down.candidates[0]), std::vector<std::string>{"tgw|asp-host"});
  EXPECT_FALSE(v.down.conclusive);
  ASSERT_EQ(v.down.separations.size(), 1u);
  EXPECT_EQ(v.down.separations[0].kind, SeparationKind::kNewVantagePoint);
  EXPECT_EQ(v.down.separations[0].crosses, "asp-host");
  EXPECT_EQ(v.down.separations[0].avoids, "tgw");
}

TEST_F(LabIsolation, AspHostDownGivesTheSameHonestPair) {
  // The lab's evidence for a dead ASP host is the same as for a cut attachment.
  Faults f;
  f.down = {"asp-host"};
  const Verdict v = run(f);
  ASSERT_EQ(v.down.failing.size(), 14u);
  ASSERT_EQ(v.down.candidates.size(), 1u);
  EXPECT_EQ(names(v.down.candidates[0]), std::vector<std::string>{"tgw|asp-host"});
  EXPECT_EQ(v.down.candidates[0].groups[0].segments[0].owner, "cloud-operator");
  EXPECT_EQ(v.down.candidates[0].groups[0].segments[1].owner, "asp-vendor");
}

TEST_F(LabIsolation, AspPortClosedBlamesTheServiceNotTheNetwork) {
  // 7 TCP probes (3 + 3 + 1) get a RST; ICMP to the host works everywhere.
  Faults f;
  f.down = {"asp-service"};
  const Verdict v = run(f);
  ASSERT_EQ(v.down.failing.size(), 7u);
  for (const auto& fm : v.down.failing) {
    EXPECT_EQ(fm.evidence.kind, EvidenceKind::kTcpRefused);
    EXPECT_EQ(fm.suspects, std::vector<std::string>{"asp-service"});
  }
  ASSERT_EQ(v.down.candidates.size(), 1u);
  EXPECT_EQ(names(v.down.candidates[0]), std::vector<std::string>{"asp-service"});
  EXPECT_NE(render_verdict(v, Language::kEn).find("TCP RST: the host answered"), std::string::npos);
}

TEST_F(LabIsolation, RstAloneBlamesTheServiceEvenWithoutOtherProof) {
  // Only the main agent reports, and only its TCP probes fail: the RST itself proves the
  // route to the host, so the verdict is the service and not the host or the network.
  Faults f;
  f.down = {"asp-service"};
  f.silent_agents = {"branch-agent", "dc-agent"};
  ObservationSet set;
  set.observations = simulate(*topo_, f);
  std::erase_if(set.observations, [](const Observation& o) { return o.kind == ProbeKind::kIcmp; });
  const Verdict v = isolate(*topo_, set);
  ASSERT_EQ(v.down.failing.size(), 3u);
  ASSERT_EQ(v.down.candidates.size(), 1u);
  EXPECT_EQ(names(v.down.candidates[0]), std::vector<std::string>{"asp-service"});
}

TEST_F(LabIsolation, ThirtyPercentLossOnPrimaryIsADegradedPrimaryLine) {
  // Loss leaves the route on primary: primary and as-routed measurements (6) are degraded,
  // backup ones up: degraded verdict main-primary, nothing down, service degraded. dc-agent:
  // main-rtr-primary and main-office over to-main-primary and to-main (3) as well: 9.
  Faults f;
  f.degraded = {"main-primary"};
  f.via = {{"main-agent", "primary"}};
  const Verdict v = run(f);
  EXPECT_TRUE(v.down.candidates.empty());
  ASSERT_EQ(v.degraded.failing.size(), 9u);
  ASSERT_EQ(v.degraded.candidates.size(), 1u);
  EXPECT_EQ(names(v.degraded.candidates[0]), std::vector<std::string>{"main-primary"});
  EXPECT_EQ(v.impact, ServiceImpact::kDegraded);
  EXPECT_NE(render_verdict(v, Language::kJa).find("品質劣化 原因候補 1: 本庁舎 主回線"),
            std::string::npos);
}

TEST_F(LabIsolation, WithoutTheBoundaryAgentTheCoreIsAmbiguousAndItSaysWhatWouldSeparate) {
  // dc-agent silent, LGCS cut: every failing site probe crosses dc-edge, lgcs, tgw and
  // asp-host, and no working one does: one group of 4 indistinguishable segments. The
  // topology knows dc-agent's lgcs-hop (crosses dc-edge, not lgcs), unreported now.
  Faults f;
  f.down = {"lgcs"};
  f.silent_agents = {"dc-agent"};
  f.icmp_evidence = false;
  const Verdict v = run(f);
  ASSERT_EQ(v.down.candidates.size(), 1u);
  EXPECT_EQ(names(v.down.candidates[0]), std::vector<std::string>{"dc-edge|lgcs|tgw|asp-host"});
  EXPECT_FALSE(v.down.conclusive);
  ASSERT_EQ(v.down.separations.size(), 3u);
  const Separation& s = v.down.separations[0];
  EXPECT_EQ(s.a, "dc-edge");
  EXPECT_EQ(s.b, "lgcs");
  EXPECT_EQ(s.kind, SeparationKind::kConfiguredMeasurement);
  EXPECT_EQ(s.measurement.agent_id, "dc-agent");
  EXPECT_EQ(s.measurement.target, "lgcs-hop");
  EXPECT_EQ(s.crosses, "dc-edge");
  // lgcs vs tgw: tgw-hop crosses lgcs, not tgw; tgw vs asp-host: no probe the topology
  // knows (tgw-asp-side answers from the TGW itself), only a vantage point past the TGW.
  EXPECT_EQ(v.down.separations[1].measurement.target, "tgw-hop");
  EXPECT_EQ(v.down.separations[2].kind, SeparationKind::kNewVantagePoint);
  EXPECT_EQ(v.down.separations[2].crosses, "asp-host");
  const std::string text = render_verdict(v, Language::kJa);
  EXPECT_NE(
      text.find(
          "DC 境界 (LGCS 接続) (データセンター事業者, ops@dc.example, 0000-00-0003) または LGCS"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("判別不能"), std::string::npos);
}

TEST_F(LabIsolation, UnknownObservationsAreIgnoredAndUnmappedOnesListed) {
  ObservationSet set;
  set.observations = simulate(*topo_, {});
  set.observations[0].state = ObservedState::kUnknown;
  Observation stray;
  stray.agent_id = "nobody";
  stray.path = "primary";
  stray.target = "x";
  stray.state = ObservedState::kDown;
  set.observations.push_back(stray);
  const Verdict v = isolate(*topo_, set);
  EXPECT_EQ(v.unknown_ignored, 1u);
  ASSERT_EQ(v.unmapped.size(), 1u);
  EXPECT_EQ(v.unmapped[0].agent_id, "nobody");
  EXPECT_TRUE(v.down.candidates.empty());
}

TEST_F(LabIsolation, APartialFaultIsReportedAsUnexplained) {
  // Only the branch agent's TCP over primary fails, with no RST, while ICMP over the same
  // route and TCP from everywhere else work: every segment is proven working elsewhere.
  ObservationSet set;
  set.observations = simulate(*topo_, {});
  for (auto& o : set.observations) {
    if (o.agent_id == "branch-agent" && o.path == "primary" && o.kind == ProbeKind::kTcp) {
      o.state = ObservedState::kDown;
    }
  }
  const Verdict v = isolate(*topo_, set);
  EXPECT_TRUE(v.down.candidates.empty());
  ASSERT_EQ(v.down.unexplained.size(), 1u);
  EXPECT_EQ(v.down.unexplained[0].measurement.agent_id, "branch-agent");
}

TEST_F(LabIsolation, JsonCarriesTheVerdict) {
  Faults f;
  f.down = {"main-primary"};
  f.via = {{"main-agent", "backup"}, {"dc-agent", "to-main-backup"}};
  const std::string json = verdict_to_json(run(f));
  EXPECT_NE(json.find("\"impact\":\"none\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"segment\":\"main-primary\""), std::string::npos);
  EXPECT_NE(json.find("\"kind\":\"icmp_from_router\""), std::string::npos);
}

}  // namespace
}  // namespace pathwatch::collector::isolation
