// IncidentTracker over hand-made observation sequences on the lab topology: open, verdict
// history, close; no service incident for a primary cut the backup survives; failovers.
#include "collector/incident/incident_tracker.hpp"

#include <gtest/gtest.h>

#include "collector/isolation/topology_config.hpp"
#include "tests/unit/collector/incident/lab_rows.hpp"

namespace pathwatch::collector::incident {
namespace {

using testing::change;
using testing::route;
using testing::t;

constexpr auto kUp = PathState::kUp;
constexpr auto kDown = PathState::kDown;
constexpr auto kDegraded = PathState::kDegraded;

class Tracker : public ::testing::Test {
 protected:
  Tracker() : topo_(isolation::load_topology("etc/lab/topology.yaml")) {}

  // Every main-agent and dc-agent measurement up at t(0) (9 + 5 = 14 measurements).
  void all_up(IncidentTracker& tr) {
    for (const char* path : {"primary", "backup", "as-routed"}) {
      tr.apply(change("main-agent", path, "asp-app", kUp, 0));
      tr.apply(change("main-agent", path, "asp-app", kUp, 0, 8443, 1));
      tr.apply(change("main-agent", path, "collector", kUp, 0));
    }
    for (const char* target : {"asp-app", "lgcs-hop", "tgw-hop", "tgw-asp-side"}) {
      tr.apply(change("dc-agent", "direct", target, kUp, 0));
    }
    tr.apply(change("dc-agent", "direct", "asp-app", kUp, 0, 8443, 1));
    tr.apply(route("main-agent", "", "primary", 0));
  }

  // DC edge cut: main-agent's asp-app measurements down at t(10) (TCP timeouts), dc-agent's
  // boundary probes down at t(11), which singles out dc-edge.
  void dc_edge_cut(IncidentTracker& tr) {
    for (const char* path : {"primary", "backup", "as-routed"}) {
      tr.apply(change("main-agent", path, "asp-app", kDown, 10));
      tr.apply(change("main-agent", path, "asp-app", kDown, 10, 8443, 3));
    }
    for (const char* target : {"asp-app", "lgcs-hop", "tgw-hop", "tgw-asp-side"}) {
      tr.apply(change("dc-agent", "direct", target, kDown, 11));
    }
    tr.apply(change("dc-agent", "direct", "asp-app", kDown, 11, 8443, 3));
  }

  // The evaluation opened one incident whose one verdict so far is `summary`, stamped `at`.
  static void expect_one_verdict(const Evaluation& ev, const std::string& summary,
                                 shared::UtcNanos at) {
    ASSERT_EQ(ev.updates.size(), 1u);
    const Incident& inc = ev.updates[0].incident;
    ASSERT_EQ(inc.history.size(), 1u);
    EXPECT_EQ(inc.history[0].summary, summary);
    EXPECT_EQ(inc.history[0].at, at);
  }

  isolation::Topology topo_;
};

TEST_F(Tracker, NothingFailingOpensNothing) {
  IncidentTracker tr(topo_, {});
  all_up(tr);
  const auto ev = tr.evaluate(t(1));
  EXPECT_TRUE(ev.updates.empty());
  EXPECT_TRUE(ev.paths_down.empty());
  EXPECT_TRUE(ev.impaired.empty());
  EXPECT_EQ(tr.board().measurements().size(), 14u);  // 9 main-agent + 5 dc-agent
}

// All clear, then one measurement degraded that every other one contradicts: "degraded: not
// isolated", stamped when it began. The all-clear verdict before it has no failure and no
// cause either, but is "none": the look-back must not run across it to the first rows.
TEST_F(Tracker, ANotIsolatedVerdictIsNotTheAllClearBeforeIt) {
  IncidentTracker tr(topo_, {});
  all_up(tr);
  ASSERT_TRUE(tr.evaluate(t(1)).updates.empty());
  EXPECT_EQ(summarize(*tr.last_verdict()).summary, "none");
  tr.apply(change("main-agent", "as-routed", "asp-app", kDegraded, 10));  // a service path
  expect_one_verdict(tr.evaluate(t(10)), "degraded: not isolated", t(10));
}

// Under loss a cause's alternatives come likeliest first: a swap in that order is the same
// verdict (no new history entry, no notification); a member more or less is not.
TEST(VerdictPointTest, TheOrderOfACausesAlternativesIsNoChange) {
  VerdictPoint a, b;
  a.causes = {{"main-primary", "main-lan"}};
  b.causes = {{"main-lan", "main-primary"}};
  EXPECT_TRUE(a.same_as(b));
  b.causes = {{"main-primary"}};
  EXPECT_FALSE(a.same_as(b));
}

// DC edge cut: first only main-agent has reported (every asp-app measurement down, the
// collector reachable): the suspects past dc-core cannot be separated; then the boundary
// agent reports lgcs-hop down too, which singles out dc-edge. One incident, two verdicts.
TEST_F(Tracker, OpensWithVerdictHistoryAndCloses) {
  IncidentTracker tr(topo_, {});
  all_up(tr);
  EXPECT_TRUE(tr.evaluate(t(1)).updates.empty());

  for (const char* path : {"primary", "backup", "as-routed"}) {
    tr.apply(change("main-agent", path, "asp-app", kDown, 10));
    tr.apply(change("main-agent", path, "asp-app", kDown, 10, 8443, 3));
  }
  auto ev = tr.evaluate(t(10));
  ASSERT_EQ(ev.updates.size(), 1u);
  EXPECT_EQ(ev.updates[0].kind, UpdateKind::kOpened);
  const Incident opened = ev.updates[0].incident;
  EXPECT_EQ(opened.id, "INC-20261123-140010");  // t(10) = 14:00:10 JST
  EXPECT_EQ(opened.fault, notify::FaultNature::kDown);
  EXPECT_EQ(opened.opened, t(10));
  EXPECT_EQ(opened.services, std::vector<std::string>{"asp-app"});  // implicit service
  EXPECT_EQ(opened.sites, std::vector<std::string>{"main"});
  ASSERT_EQ(opened.history.size(), 1u);
  // dc-agent still says asp-app is up: that proves dc-edge, lgcs, tgw, asp-host (and the
  // service); main-agent's collector probes prove main-lan, both lines and dc-core. Nothing
  // is left on main-agent's failing routes: the down measurements are unexplained.
  const std::string first = opened.history[0].summary;
  EXPECT_EQ(first, "down: not isolated");

  // The boundary agent now sees it too: lgcs-hop (crosses dc-edge only) down.
  for (const char* target : {"asp-app", "lgcs-hop", "tgw-hop", "tgw-asp-side"}) {
    tr.apply(change("dc-agent", "direct", target, kDown, 11));
  }
  tr.apply(change("dc-agent", "direct", "asp-app", kDown, 11, 8443, 3));
  ev = tr.evaluate(t(11));
  ASSERT_EQ(ev.updates.size(), 1u);
  EXPECT_EQ(ev.updates[0].kind, UpdateKind::kUpdated);
  const Incident& updated = ev.updates[0].incident;
  EXPECT_EQ(updated.id, opened.id);
  ASSERT_EQ(updated.history.size(), 2u);
  EXPECT_EQ(updated.history[1].summary, "down: dc-edge");
  EXPECT_TRUE(updated.history[1].conclusive);
  EXPECT_NE(first, updated.history[1].summary);
  ASSERT_TRUE(ev.updates[0].previous.has_value());
  EXPECT_EQ(ev.updates[0].previous->summary, first);

  // Nothing new: no update.
  EXPECT_TRUE(tr.evaluate(t(12)).updates.empty());

  // Recovery.
  for (const char* path : {"primary", "backup", "as-routed"}) {
    tr.apply(change("main-agent", path, "asp-app", kUp, 20));
    tr.apply(change("main-agent", path, "asp-app", kUp, 20, 8443, 1));
  }
  ev = tr.evaluate(t(20));
  ASSERT_EQ(ev.updates.size(), 1u);
  EXPECT_EQ(ev.updates[0].kind, UpdateKind::kClosed);
  ASSERT_TRUE(ev.updates[0].incident.closed.has_value());
  EXPECT_EQ(*ev.updates[0].incident.closed, t(20));
  EXPECT_FALSE(tr.open_incident().has_value());
}

// The collector looks later than the evidence arrived (its tick, a window ending after the
// state changes): the verdict is stamped with the data time its evidence was complete, t(11)
// when dc-agent's last state change made it "dc-edge", not the t(13) of the evaluation.
TEST_F(Tracker, VerdictIsStampedWhenItsEvidenceWasComplete) {
  IncidentTracker tr(topo_, {});
  all_up(tr);
  dc_edge_cut(tr);
  tr.apply(change("main-agent", "primary", "collector", kUp, 13));  // no news: still up
  EXPECT_EQ(tr.board().settled_at(t(13)), t(11));
  EXPECT_EQ(tr.board().settled_at(t(10)), t(10));  // never later than the instant asked
  const auto ev = tr.evaluate(t(13));
  expect_one_verdict(ev, "down: dc-edge", t(11));
  ASSERT_EQ(ev.updates.size(), 1u);
  EXPECT_EQ(ev.updates[0].incident.updated, t(13));
}

// Primary line cut, backup carries the traffic: a failover and a path down, no incident.
TEST_F(Tracker, SurvivedPrimaryCutIsAFailoverNotAnIncident) {
  IncidentTracker tr(topo_, {});
  all_up(tr);
  tr.evaluate(t(1));
  tr.apply(change("main-agent", "primary", "asp-app", kDown, 10, 0, 0, "198.18.1.1"));
  tr.apply(change("main-agent", "primary", "asp-app", kDown, 10, 8443, 4, "198.18.1.1"));
  tr.apply(change("main-agent", "primary", "collector", kDown, 10, 0, 0, "198.18.1.1"));
  tr.apply(route("main-agent", "primary", "backup", 11));
  const auto ev = tr.evaluate(t(12));
  EXPECT_TRUE(ev.updates.empty());
  EXPECT_TRUE(ev.impaired.empty());
  ASSERT_EQ(ev.failovers.size(), 1u);  // from the route change; probes do not add a second
  EXPECT_EQ(ev.failovers[0].site, "main");
  EXPECT_EQ(ev.failovers[0].to_path, "backup");
  EXPECT_FALSE(ev.failovers[0].failback);
  ASSERT_EQ(ev.paths_down.size(), 1u);
  EXPECT_EQ(ev.paths_down[0].path, "primary");
  EXPECT_EQ(ev.paths_down[0].since, t(10));
  // The verdict names the primary line (the ICMP from main-rtr proves main-lan).
  ASSERT_TRUE(tr.last_verdict().has_value());
  EXPECT_EQ(tr.last_verdict()->impact, isolation::ServiceImpact::kNone);
  EXPECT_EQ(summarize(*tr.last_verdict()).summary, "down: main-primary");

  // Failback.
  tr.apply(change("main-agent", "primary", "asp-app", kUp, 30));
  tr.apply(change("main-agent", "primary", "asp-app", kUp, 30, 8443, 1));
  tr.apply(change("main-agent", "primary", "collector", kUp, 30));
  tr.apply(route("main-agent", "backup", "primary", 31));
  const auto back = tr.evaluate(t(31));
  ASSERT_EQ(back.failovers.size(), 1u);
  EXPECT_TRUE(back.failovers[0].failback);
  EXPECT_TRUE(back.paths_down.empty());
}

// Probes alone (no route change reported) also see the failover, once.
TEST_F(Tracker, ProbeStatesShowAFailoverOnce) {
  IncidentTracker tr(topo_, {});
  all_up(tr);
  tr.apply(change("main-agent", "primary", "asp-app", kDown, 10));
  tr.apply(change("main-agent", "primary", "asp-app", kDown, 10, 8443, 3));
  tr.apply(change("main-agent", "primary", "collector", kDown, 10));
  auto ev = tr.evaluate(t(10));
  ASSERT_EQ(ev.failovers.size(), 1u);
  EXPECT_EQ(ev.failovers[0].to_path, "backup");
  EXPECT_EQ(ev.failovers[0].at, t(10));
  EXPECT_TRUE(tr.evaluate(t(11)).failovers.empty());
  // The route change that follows is the same switch.
  tr.apply(route("main-agent", "primary", "backup", 12));
  EXPECT_TRUE(tr.evaluate(t(12)).failovers.empty());
}

// Issue 15: a branch whose router agent sees the switch in its routing table (netlink) and
// whose LAN agent sees it in the hops, each in its own time: one failover and one failback
// for the site, whichever evidence came first, and the failback only once both are back.
TEST_F(Tracker, TwoAgentsSeeingOneSwitchGiveOneRecordEachWay) {
  IncidentTracker tr(topo_, {});
  all_up(tr);
  tr.evaluate(t(1));
  StoredRouteChange netlink = testing::route("main-agent", "primary", "backup", 10);
  netlink.agent_id = "main-rtr-agent";
  netlink.prefix = "198.18.10.0/24";
  netlink.site = "main";
  tr.apply(netlink);
  auto ev = tr.evaluate(t(10));
  ASSERT_EQ(ev.failovers.size(), 1u);
  EXPECT_EQ(ev.failovers[0].agent_id, "main-rtr-agent");
  tr.apply(route("main-agent", "primary", "backup", 12));  // the hops, 2 s later
  EXPECT_TRUE(tr.evaluate(t(12)).failovers.empty());
  netlink.from_path = "backup";
  netlink.to_path = "primary";
  netlink.at = t(30);
  tr.apply(netlink);
  EXPECT_TRUE(tr.evaluate(t(30)).failovers.empty());  // the LAN agent still sees backup
  tr.apply(route("main-agent", "backup", "primary", 32));
  ev = tr.evaluate(t(32));
  ASSERT_EQ(ev.failovers.size(), 1u);
  EXPECT_TRUE(ev.failovers[0].failback);
  EXPECT_EQ(ev.failovers[0].at, t(32));
  EXPECT_TRUE(tr.evaluate(t(40)).failovers.empty());
}

// A cut line restored: the routes fail back at once, the primary flows come UP only after
// up_after probes. Flows still DOWN from before the failback are no new failover.
TEST_F(Tracker, PrimaryFlowsStillDownAfterAFailbackAreNoNewSwitch) {
  IncidentTracker tr(topo_, {});
  all_up(tr);
  tr.apply(change("main-agent", "primary", "asp-app", kDown, 10));
  tr.apply(change("main-agent", "primary", "asp-app", kDown, 10, 8443, 3));
  tr.apply(change("main-agent", "primary", "collector", kDown, 10));
  tr.apply(route("main-agent", "primary", "backup", 11));
  ASSERT_EQ(tr.evaluate(t(11)).failovers.size(), 1u);
  tr.apply(route("main-agent", "backup", "primary", 30));
  auto ev = tr.evaluate(t(30));
  ASSERT_EQ(ev.failovers.size(), 1u);
  EXPECT_TRUE(ev.failovers[0].failback);
  EXPECT_TRUE(tr.evaluate(t(31)).failovers.empty());  // primary flows still DOWN
  tr.apply(change("main-agent", "primary", "asp-app", kUp, 32));
  tr.apply(change("main-agent", "primary", "asp-app", kUp, 32, 8443, 1));
  tr.apply(change("main-agent", "primary", "collector", kUp, 32));
  EXPECT_TRUE(tr.evaluate(t(33)).failovers.empty());
}

// "Unknown" (the agent lost its hop evidence) is no switch and no failback: primary ->
// unknown records nothing; a site on backup whose agent goes unknown stays on backup (the
// last evidence) until a route or the probes show the primary again.
TEST_F(Tracker, AnUnknownLineIsNoSwitch) {
  IncidentTracker tr(topo_, {});
  all_up(tr);
  tr.apply(route("main-agent", "primary", "unknown", 10));
  EXPECT_TRUE(tr.evaluate(t(10)).failovers.empty());
  tr.apply(route("main-agent", "unknown", "primary", 20));
  EXPECT_TRUE(tr.evaluate(t(20)).failovers.empty());
  tr.apply(route("main-agent", "primary", "backup", 30));
  ASSERT_EQ(tr.evaluate(t(30)).failovers.size(), 1u);
  tr.apply(route("main-agent", "backup", "unknown", 40));
  EXPECT_TRUE(tr.evaluate(t(40)).failovers.empty());
  tr.apply(route("main-agent", "unknown", "primary", 50));
  const auto ev = tr.evaluate(t(50));
  ASSERT_EQ(ev.failovers.size(), 1u);
  EXPECT_TRUE(ev.failovers[0].failback);
}

// Both lines cut: every main-agent measurement down, dc-agent fine → a service incident;
// with no router evidence parsimony ranks the site LAN first (docs/isolation.md).
TEST_F(Tracker, BothLinesCutIsAServiceIncident) {
  IncidentTracker tr(topo_, {});
  all_up(tr);
  for (const char* path : {"primary", "backup", "as-routed"}) {
    tr.apply(change("main-agent", path, "asp-app", kDown, 10));
    tr.apply(change("main-agent", path, "asp-app", kDown, 10, 8443, 3));
    tr.apply(change("main-agent", path, "collector", kDown, 10));
  }
  const auto ev = tr.evaluate(t(10));
  ASSERT_EQ(ev.updates.size(), 1u);
  EXPECT_EQ(ev.updates[0].incident.history[0].summary, "down: main-lan");
}

TEST_F(Tracker, ASiteCutOffIsIsolatedWhenItsAgentFallsSilent) {
  // Site LAN cut at t(10): main-agent cannot deliver (its last rows, up, are from t(0));
  // dc-agent sees main-office down (Time Exceeded from 198.18.101.2, not a topology router)
  // while main-rtr's line addresses answer. Until main-agent is silent for stale_after (60 s
  // by default) its "up" proves main-lan: not isolated. At t(61) it is unknown, with no row
  // arriving: the verdict is recomputed, "down: main-lan", stamped t(60) (0 + 60 s).
  IncidentTracker tr(topo_, {});
  all_up(tr);
  auto dc_rows = [&](int at) {
    for (const char* target : {"asp-app", "lgcs-hop", "tgw-hop", "tgw-asp-side", "main-rtr-primary",
                               "main-rtr-backup"}) {
      tr.apply(change("dc-agent", "direct", target, kUp, at));
    }
  };
  dc_rows(0);
  tr.apply(change("dc-agent", "to-main", "main-office", kUp, 0));
  tr.apply(change("dc-agent", "to-main", "main-office", kDown, 10, 0, 0, "198.18.101.2"));
  auto ev = tr.evaluate(t(11));
  ASSERT_EQ(ev.updates.size(), 1u);
  EXPECT_EQ(ev.updates[0].incident.history[0].summary, "down: not isolated");
  dc_rows(55);  // dc-agent keeps reporting
  tr.apply(change("dc-agent", "to-main", "main-office", kDown, 55, 0, 0, "198.18.101.2"));
  ev = tr.evaluate(t(61));
  ASSERT_EQ(ev.updates.size(), 1u);
  const auto& h = ev.updates[0].incident.history;
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[1].summary, "down: main-lan");
  EXPECT_EQ(h[1].at, t(60));
}

// 30 % loss on the primary: the primary and as-routed measurements degraded → a degraded
// incident naming the primary line.
TEST_F(Tracker, LossOnThePrimaryIsADegradedIncident) {
  IncidentTracker tr(topo_, {});
  all_up(tr);
  tr.evaluate(t(1));
  for (const char* path : {"primary", "as-routed"}) {
    tr.apply(change("main-agent", path, "asp-app", kDegraded, 10));
    tr.apply(change("main-agent", path, "asp-app", kDegraded, 10, 8443, 1));
    tr.apply(change("main-agent", path, "collector", kDegraded, 10));
  }
  const auto ev = tr.evaluate(t(10));
  ASSERT_EQ(ev.updates.size(), 1u);
  EXPECT_EQ(ev.updates[0].incident.fault, notify::FaultNature::kDegraded);
  EXPECT_EQ(ev.updates[0].incident.history[0].summary, "degraded: main-primary");
}

// ASP port closed: TCP RST on every TCP probe, ICMP fine → the ASP application.
TEST_F(Tracker, TcpResetBlamesTheService) {
  IncidentTracker tr(topo_, {});
  all_up(tr);
  for (const char* path : {"primary", "backup", "as-routed"}) {
    tr.apply(change("main-agent", path, "asp-app", kDown, 10, 8443, 2));
  }
  tr.apply(change("dc-agent", "direct", "asp-app", kDown, 10, 8443, 2));
  const auto ev = tr.evaluate(t(10));
  ASSERT_EQ(ev.updates.size(), 1u);
  EXPECT_EQ(ev.updates[0].incident.history[0].summary, "down: asp-service");
}

// Configured services: a reference site whose every path to a target is down is a service
// incident even without as-routed measurements; hold times delay open and close.
TEST_F(Tracker, ReferenceSiteAndHoldTimes) {
  ServiceSpec juki;
  juki.name = "juki";
  juki.targets = {"asp-app"};
  juki.reference_sites = {"main"};
  TrackerOptions opt;
  opt.open_after = std::chrono::seconds{5};
  opt.close_after = std::chrono::seconds{5};
  IncidentTracker tr(topo_, {juki}, opt);
  for (const char* path : {"primary", "backup"}) {
    tr.apply(change("main-agent", path, "asp-app", kUp, 0));
  }
  tr.evaluate(t(1));
  for (const char* path : {"primary", "backup"}) {
    tr.apply(change("main-agent", path, "asp-app", kDown, 10));
  }
  EXPECT_TRUE(tr.evaluate(t(10)).updates.empty());  // 0 s < open_after 5 s
  EXPECT_TRUE(tr.evaluate(t(14)).updates.empty());  // 4 s
  auto ev = tr.evaluate(t(15));                     // 5 s
  ASSERT_EQ(ev.updates.size(), 1u);
  EXPECT_EQ(ev.updates[0].incident.opened, t(10));
  EXPECT_EQ(ev.updates[0].incident.services, std::vector<std::string>{"juki"});
  tr.apply(change("main-agent", "backup", "asp-app", kUp, 20));
  EXPECT_TRUE(tr.evaluate(t(20)).updates.empty());
  ev = tr.evaluate(t(25));
  ASSERT_EQ(ev.updates.size(), 1u);
  EXPECT_EQ(ev.updates[0].kind, UpdateKind::kClosed);
  EXPECT_EQ(*ev.updates[0].incident.closed, t(20));
}

// A silent agent's last state is not evidence: after stale_after it is unknown. Nor is its
// silence a recovery: the incident stays open until a measurement is seen working again.
TEST_F(Tracker, ASilentAgentsIncidentStaysOpenUntilRecoveryIsSeen) {
  IncidentTracker tr(topo_, {});
  tr.apply(change("main-agent", "as-routed", "asp-app", kDown, 0));
  EXPECT_EQ(tr.evaluate(t(1)).updates.size(), 1u);  // opened
  auto ev = tr.evaluate(t(61 + 1));                 // 62 s > stale_after 60 s: unknown
  EXPECT_TRUE(ev.updates.empty());
  EXPECT_TRUE(ev.impaired.empty());
  EXPECT_TRUE(tr.open_incident().has_value());
  tr.apply(change("main-agent", "as-routed", "asp-app", kUp, 70));
  ev = tr.evaluate(t(70));
  ASSERT_EQ(ev.updates.size(), 1u);
  EXPECT_EQ(ev.updates[0].kind, UpdateKind::kClosed);
  EXPECT_EQ(*ev.updates[0].incident.closed, t(70));
}

// Site LAN cut at t(10) with heartbeats (stale_after 1 s, both agents heard every 250 ms):
// main-agent's last message is from t(10), so its "up" stops counting at t(11); dc-agent's
// main-office probe goes down at t(11.2). The verdict needs both: "down: main-lan", stamped
// t(11.2), where without heartbeats (stale_after 60 s) it would wait a minute.
TEST_F(Tracker, ASiteCutOffIsIsolatedAsSoonAsItsHeartbeatsStop) {
  using std::chrono::milliseconds;
  TrackerOptions opt;
  opt.stale_after = std::chrono::seconds{1};
  IncidentTracker tr(topo_, {}, opt);
  all_up(tr);
  for (const char* target : {"main-rtr-primary", "main-rtr-backup"}) {
    tr.apply(change("dc-agent", "direct", target, kUp, 0));
  }
  tr.apply(change("dc-agent", "to-main", "main-office", kUp, 0));
  for (int ms = 0; ms <= 12000; ms += 250) {
    if (ms <= 10000) tr.heard("main-agent", t(0) + milliseconds{ms});
    tr.heard("dc-agent", t(0) + milliseconds{ms});
    if (ms == 10000) {
      EXPECT_TRUE(tr.evaluate(t(10)).updates.empty());
    }
  }
  auto down = change("dc-agent", "to-main", "main-office", kDown, 11, 0, 0, "198.18.101.2");
  down.at = t(11) + milliseconds{200};
  tr.apply(down);
  const auto ev = tr.evaluate(t(12));
  ASSERT_EQ(ev.updates.size(), 1u);
  const auto& h = ev.updates[0].incident.history;
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].summary, "down: main-lan");
  EXPECT_EQ(h[0].at, t(11) + milliseconds{200});
}

// Evaluated a second later, after a change that does not matter to the verdict (the branch
// agent's collector probe, crossing none of the suspects): the verdict is stamped when it
// began, t(11), not with the newest change, t(12).
TEST_F(Tracker, AVerdictIsStampedWhenItBeganNotWithTheNewestChange) {
  IncidentTracker tr(topo_, {});
  all_up(tr);
  tr.evaluate(t(1));
  dc_edge_cut(tr);
  tr.apply(change("branch-agent", "primary", "collector", kUp, 12));
  EXPECT_EQ(tr.board().settled_at(t(13)), t(12));  // the newest change
  expect_one_verdict(tr.evaluate(t(13)), "down: dc-edge", t(11));
}

TEST_F(Tracker, IncidentJsonRoundTrip) {
  IncidentTracker tr(topo_, {});
  all_up(tr);
  tr.apply(change("main-agent", "as-routed", "asp-app", kDown, 10));
  tr.apply(route("main-agent", "primary", "backup", 9));
  const auto ev = tr.evaluate(t(10));
  ASSERT_EQ(ev.updates.size(), 1u);
  const Incident& a = ev.updates[0].incident;
  const Incident b = incident_from_json(incident_to_json(a));
  EXPECT_EQ(b.id, a.id);
  EXPECT_EQ(b.opened, a.opened);
  EXPECT_EQ(b.services, a.services);
  EXPECT_EQ(b.history.size(), 1u);
  EXPECT_EQ(b.history[0].summary, a.history[0].summary);
  EXPECT_EQ(b.failovers.size(), 1u);
  EXPECT_EQ(b.verdict_json, a.verdict_json);
  EXPECT_THROW(incident_from_json("{}"), std::runtime_error);
}

}  // namespace
}  // namespace pathwatch::collector::incident
