// A prefecture-sized topology (synthetic_network.hpp: 50 sites × LAN + 2 lines, shared core,
// 5 ASPs: 50*3 + 4 + 5*2 + 1 = 165 segments, 50*3*5 + 8 = 758 measurements): random fault
// sets are recovered exactly, and the pathological cases stay exact.
#include <gtest/gtest.h>

#include <random>

#include "collector/isolation/isolation.hpp"
#include "collector/isolation/topology_config.hpp"
#include "tests/unit/collector/isolation/synthetic_network.hpp"

namespace pathwatch::collector::isolation {
namespace {

using testing::Faults;

class ScaleIsolation : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    topo_ = new Topology(parse_topology(shared::ConfigNode::load_string(
        testing::synthetic_topology_yaml(50, 5), "synthetic.yaml")));
  }
  static void TearDownTestSuite() {
    delete topo_;
    topo_ = nullptr;
  }
  static std::set<std::string> blamed(const Candidate& c) {
    std::set<std::string> out;
    for (const auto& g : c.groups) {
      for (const auto& s : g.segments) out.insert(s.segment);
    }
    return out;
  }
  static Topology* topo_;
};

Topology* ScaleIsolation::topo_ = nullptr;

TEST_F(ScaleIsolation, SizeIsAsDocumented) {
  EXPECT_EQ(topo_->segments.size(), 165u);
  EXPECT_EQ(topo_->measurements.size(), 758u);
}

TEST_F(ScaleIsolation, RandomFaultSetsAreRecovered) {
  // Fixed seed. Each round fails 1-6 lines at distinct sites (as-routed fails over to the
  // other line) and sometimes one ASP host. Each failed line is the only suspect of its
  // pinned probes (the site router answers), each failed host the only suspect of the boundary
  // agent's probe to it (tgw-far proves the TGW): the truth is the one smallest candidate.
  std::mt19937 rng(4242);
  for (int round = 0; round < 40; ++round) {
    Faults f;
    std::set<std::string> truth;
    std::set<int> sites;
    const int lines = 1 + static_cast<int>(rng() % 6);
    while (static_cast<int>(sites.size()) < lines) sites.insert(static_cast<int>(rng() % 50));
    for (const int s : sites) {
      const bool primary = rng() % 2 == 0;
      const std::string seg = "s" + std::to_string(s) + (primary ? "-primary" : "-backup");
      f.down.insert(seg);
      truth.insert(seg);
      f.via["agent" + std::to_string(s)] = primary ? "backup" : "primary";
    }
    if (rng() % 3 == 0) {
      const std::string host = "asp" + std::to_string(rng() % 5) + "-host";
      f.down.insert(host);
      truth.insert(host);
    }
    ObservationSet set;
    set.observations = testing::simulate(*topo_, f);
    const Verdict v = isolate(*topo_, set);
    ASSERT_FALSE(v.down.candidates.empty()) << "round " << round;
    EXPECT_EQ(blamed(v.down.candidates[0]), truth) << "round " << round;
    EXPECT_TRUE(v.down.conclusive) << "round " << round;
    EXPECT_FALSE(v.down.bounded);
  }
}

TEST_F(ScaleIsolation, SharedCoreFaultIsOneSegmentNotFiftySites) {
  // TGW down: every ASP probe from everywhere fails (5 ASPs × 2 probes × 3 paths × 50 sites
  // = 1500, + boundary 5 × 2 + tgw-far = 1511); tgw-hop proves LGCS. {tgw} alone explains
  // all; no other single segment does.
  Faults f;
  f.down = {"tgw"};
  ObservationSet set;
  set.observations = testing::simulate(*topo_, f);
  const Verdict v = isolate(*topo_, set);
  EXPECT_EQ(v.down.failing.size(), 1511u);
  ASSERT_FALSE(v.down.candidates.empty());
  EXPECT_EQ(blamed(v.down.candidates[0]), std::set<std::string>{"tgw"});
  EXPECT_TRUE(v.down.conclusive);
}

TEST_F(ScaleIsolation, NoEvidenceManyFaultsStaysExactOrSaysItWasBounded) {
  // 10 sites (every 5th) lose both lines and nobody says where (no ICMP): each is explained by
  // its LAN (1 segment) rather than its two lines: 10 LANs.
  Faults f;
  f.icmp_evidence = false;
  std::set<std::string> lans;
  for (int s = 0; s < 50; s += 5) {
    f.down.insert("s" + std::to_string(s) + "-primary");
    f.down.insert("s" + std::to_string(s) + "-backup");
    lans.insert("s" + std::to_string(s) + "-lan");
  }
  ObservationSet set;
  set.observations = testing::simulate(*topo_, f);
  const Verdict v = isolate(*topo_, set);
  ASSERT_FALSE(v.down.candidates.empty());
  EXPECT_EQ(blamed(v.down.candidates[0]), lans);
  EXPECT_FALSE(v.down.bounded);
}

}  // namespace
}  // namespace pathwatch::collector::isolation
