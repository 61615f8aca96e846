// Ambiguity by construction: segments that every measurement crosses together can only be
// named together ("A or B"), and the verdict says which measurement would separate them.
#include <gtest/gtest.h>

#include "collector/isolation/isolation.hpp"
#include "collector/isolation/topology_config.hpp"
#include "collector/isolation/verdict_text.hpp"

namespace pathwatch::collector::isolation {
namespace {

// Two agents reach one app through a carrier line `wan` and a provider's `edge`; no
// measurement crosses one without the other. `wan` has a router at its far end.
constexpr const char* kTwoInARow = R"(
owners:
  city: {label: 市}
  carrier: {label: キャリアA, contact: {email: noc@carrier-a.example}}
  provider: {label: 事業者B, label_en: Provider B, contact: {email: ops@b.example}}
segments:
  lan1: {owner: city}
  lan2: {owner: city}
  wan: {owner: carrier, label: 広域回線, label_en: WAN line, routers: [198.18.50.1]}
  edge: {owner: provider, label: 境界, label_en: edge}
targets:
  app: {route: [wan, edge]}
vantage_points:
  a1: {site: s1, paths: {p: {route: [lan1]}}, targets: [app]}
  a2: {site: s2, paths: {p: {route: [lan2]}}, targets: [app]}
)";

ObservationSet both_down() {
  ObservationSet set;
  for (const char* agent : {"a1", "a2"}) {
    Observation o;
    o.agent_id = agent;
    o.path = "p";
    o.target = "app";
    o.state = ObservedState::kDown;
    set.observations.push_back(o);
  }
  return set;
}

TEST(Ambiguity, TwoSegmentsAlwaysTogetherAreAOrB) {
  const Topology t = parse_topology(shared::ConfigNode::load_string(kTwoInARow, "t.yaml"));
  const Verdict v = isolate(t, both_down());
  // Sets {lan1, wan, edge} and {lan2, wan, edge}: wan and edge share a signature, so one
  // group {wan|edge} of size 1 is the minimum; {lan1, lan2} is the size-2 alternative.
  ASSERT_EQ(v.down.candidates.size(), 2u);
  ASSERT_EQ(v.down.candidates[0].groups.size(), 1u);
  ASSERT_EQ(v.down.candidates[0].groups[0].segments.size(), 2u);
  EXPECT_EQ(v.down.candidates[0].groups[0].segments[0].segment, "wan");
  EXPECT_EQ(v.down.candidates[0].groups[0].segments[1].segment, "edge");
  EXPECT_FALSE(v.down.conclusive);
  // No configured measurement separates them; wan is nearer and its far end answers pings:
  // probe 198.18.50.1 from a1 (crosses wan, not edge).
  ASSERT_EQ(v.down.separations.size(), 1u);
  const Separation& s = v.down.separations[0];
  EXPECT_EQ(s.kind, SeparationKind::kProbeRouter);
  EXPECT_EQ(s.address, "198.18.50.1");
  EXPECT_EQ(s.measurement.agent_id, "a1");
  EXPECT_EQ(s.crosses, "wan");
  EXPECT_EQ(s.avoids, "edge");
  EXPECT_EQ(
      render_candidate(v.down.candidates[0], v.down, Language::kJa),
      "原因候補 1: 広域回線 (キャリアA, noc@carrier-a.example) または 境界 (事業者B, "
      "ops@b.example) (判別不能) — 根拠: 失敗 2 件 (a1 p → app ICMP; a2 p → app ICMP); 正常 0 件");
  EXPECT_EQ(render_separation(s, Language::kEn),
            "to tell wan from edge: probe 198.18.50.1 (far end of wan) from a1 (p) (crosses wan, "
            "not edge)");
}

TEST(Ambiguity, WithoutARouterItAsksForAVantagePointBetween) {
  std::string text = kTwoInARow;
  text.replace(text.find(", routers: [198.18.50.1]"), 24, "");
  const Topology t = parse_topology(shared::ConfigNode::load_string(text, "t.yaml"));
  const Verdict v = isolate(t, both_down());
  ASSERT_EQ(v.down.separations.size(), 1u);
  EXPECT_EQ(v.down.separations[0].kind, SeparationKind::kNewVantagePoint);
  // An agent past wan and before edge crosses edge only.
  EXPECT_EQ(v.down.separations[0].crosses, "edge");
  EXPECT_EQ(v.down.separations[0].avoids, "wan");
  EXPECT_EQ(render_separation(v.down.separations[0], Language::kJa),
            "wan と edge を判別するには: wan の先、edge の手前に計測点 (エージェント) "
            "を追加し同じ宛先を計測 "
            "(edge を通り wan を通らない)");
}

TEST(Ambiguity, ThreeSymmetricFaultsGiveEquallyRankedCandidates) {
  // Three agents each cross two of three shared segments x, y, z ({x,y}, {y,z}, {x,z}) and
  // all three fail: no single segment explains all, each pair does: 3 candidates of rank 1.
  const Topology t = parse_topology(shared::ConfigNode::load_string(R"(
owners: {o: {}}
segments: {x: {owner: o}, y: {owner: o}, z: {owner: o}}
vantage_points:
  a: {site: s, paths: {p: {route: [x, y]}}, targets: [{name: t, route: []}]}
  b: {site: s, paths: {p: {route: [y, z]}}, targets: [{name: t, route: []}]}
  c: {site: s, paths: {p: {route: [x, z]}}, targets: [{name: t, route: []}]}
)",
                                                                    "t.yaml"));
  ObservationSet set;
  for (const char* agent : {"a", "b", "c"}) {
    Observation o;
    o.agent_id = agent;
    o.path = "p";
    o.target = "t";
    o.state = ObservedState::kDown;
    set.observations.push_back(o);
  }
  const Verdict v = isolate(t, set);
  ASSERT_EQ(v.down.candidates.size(), 3u);
  for (const auto& c : v.down.candidates) {
    EXPECT_EQ(c.rank, 1);
    EXPECT_EQ(c.groups.size(), 2u);
  }
  EXPECT_FALSE(v.down.conclusive);
  EXPECT_FALSE(v.down.separations.empty());
}

}  // namespace
}  // namespace pathwatch::collector::isolation
