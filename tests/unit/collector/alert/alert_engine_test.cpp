// AlertEngine over the tracker's evaluations and hand-made windows: one thread per incident,
// updates only on change, recovery notices, path down after X, failover, flapping, loss,
// latency and SLA budget, and the strict `alerts:` config.
#include "collector/alert/alert_engine.hpp"

#include <gtest/gtest.h>

#include "collector/alert/alert_config.hpp"
#include "collector/isolation/topology_config.hpp"
#include "collector/notify/message_text.hpp"
#include "shared/config/config_error.hpp"
#include "tests/unit/collector/incident/lab_rows.hpp"

namespace pathwatch::collector::alert {
namespace {

using incident::IncidentTracker;
using incident::testing::change;
using incident::testing::route;
using incident::testing::t;
using notify::NotificationKind;

constexpr auto kUp = PathState::kUp;
constexpr auto kDown = PathState::kDown;

class Alerts : public ::testing::Test {
 protected:
  Alerts() : topo_(isolation::load_topology("etc/lab/topology.yaml")) {}

  std::vector<notify::Notification> step(IncidentTracker& tr, AlertEngine& ae, int at) {
    const auto ev = tr.evaluate(t(at));
    // The collector's monotonic clock in step with data time (on_clock tests move it apart).
    return ae.on_evaluation(ev, tr.last_verdict() ? &*tr.last_verdict() : nullptr, mono(at));
  }

  void main_up(IncidentTracker& tr) {
    for (const char* path : {"primary", "backup", "as-routed"}) {
      tr.apply(change("main-agent", path, "asp-app", kUp, 0));
      tr.apply(change("main-agent", path, "collector", kUp, 0));
    }
    tr.apply(route("main-agent", "", "primary", 0));
  }

  // main_up and the boundary agent's measurements up at t(0).
  void lab_up(IncidentTracker& tr) {
    main_up(tr);
    for (const char* target : {"asp-app", "lgcs-hop", "tgw-hop", "tgw-asp-side"}) {
      tr.apply(change("dc-agent", "direct", target, kUp, 0));
    }
  }

  // A DC edge cut as the evidence arrives: main-agent's asp-app measurements first (alone
  // they explain nothing: "down: not isolated"), the boundary agent's `at_dc` seconds later
  // (then "down: dc-edge"; incident_tracker_test.cpp).
  static void dc_edge_main(IncidentTracker& tr, int at) {
    for (const char* path : {"primary", "backup", "as-routed"}) {
      tr.apply(change("main-agent", path, "asp-app", kDown, at));
    }
  }
  static void dc_edge_boundary(IncidentTracker& tr, int at) {
    for (const char* target : {"asp-app", "lgcs-hop", "tgw-hop", "tgw-asp-side"}) {
      tr.apply(change("dc-agent", "direct", target, kDown, at));
    }
  }

  static shared::MonoNanos mono(int s) { return shared::MonoNanos{} + std::chrono::seconds{s}; }

  static std::string first_segment(const notify::Notification& n) {
    if (n.verdict.causes.empty() || n.verdict.causes[0].alternatives.empty()) return "";
    return n.verdict.causes[0].alternatives[0].segment;
  }

  isolation::Topology topo_;
};

// The first verdicts of a fault are drafts: one vantage point has reported, the others not
// yet. The opened message goes `settle` after the incident began, with the verdict of that
// moment, so the reader's first message names the DC edge, not "not isolated" followed by a
// correction; even a conclusive verdict waits (right after a fault it can be a wrong one:
// isolation_cut_onset_test.cpp).
TEST_F(Alerts, AnIncidentOpensWithTheVerdictItSettledOn) {
  IncidentTracker tr(topo_, {});
  AlertConfig cfg;  // settle: 10 s by default
  cfg.path_down_after.reset();
  AlertEngine ae(cfg);
  lab_up(tr);
  EXPECT_TRUE(step(tr, ae, 1).empty());
  dc_edge_main(tr, 10);
  EXPECT_TRUE(step(tr, ae, 10).empty());  // "down: not isolated"
  dc_edge_boundary(tr, 11);
  for (int s = 11; s < 20; ++s) EXPECT_TRUE(step(tr, ae, s).empty()) << s;  // "down: dc-edge"
  auto n = step(tr, ae, 20);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].kind, NotificationKind::kOpened);
  EXPECT_EQ(n[0].incident_id, "INC-20261123-140010");
  EXPECT_EQ(n[0].started_at, t(10));  // the fault's start, not the message's
  EXPECT_EQ(n[0].at, t(20));
  EXPECT_TRUE(n[0].verdict.conclusive);
  EXPECT_EQ(first_segment(n[0]), "dc-edge");
  EXPECT_TRUE(step(tr, ae, 21).empty());

  // Recovery in two steps: the boundary agent first. Meanwhile the verdict is a draft again
  // ("not isolated"); the reader is not told, and the recovery names what they were told.
  for (const char* target : {"asp-app", "lgcs-hop", "tgw-hop", "tgw-asp-side"}) {
    tr.apply(change("dc-agent", "direct", target, kUp, 30));
  }
  EXPECT_TRUE(step(tr, ae, 30).empty());
  for (const char* path : {"primary", "backup", "as-routed"}) {
    tr.apply(change("main-agent", path, "asp-app", kUp, 31));
  }
  n = step(tr, ae, 31);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].kind, NotificationKind::kRecovered);
  EXPECT_EQ(first_segment(n[0]), "dc-edge");
  EXPECT_TRUE(ae.open_threads().empty());
}

// A change after the opening is sent once it has lasted `settle`, with what it replaced.
TEST_F(Alerts, AnUpdateGoesOnceItHasLasted) {
  IncidentTracker tr(topo_, {});
  AlertConfig cfg;
  cfg.path_down_after.reset();
  cfg.settle = std::chrono::seconds{5};
  AlertEngine ae(cfg);
  lab_up(tr);
  step(tr, ae, 1);
  dc_edge_main(tr, 10);
  for (int s = 10; s < 15; ++s) EXPECT_TRUE(step(tr, ae, s).empty()) << s;
  auto n = step(tr, ae, 15);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].kind, NotificationKind::kOpened);
  EXPECT_FALSE(n[0].verdict.conclusive);
  EXPECT_EQ(n[0].started_at, t(10));
  EXPECT_TRUE(step(tr, ae, 16).empty());
  dc_edge_boundary(tr, 17);
  for (int s = 17; s < 22; ++s) EXPECT_TRUE(step(tr, ae, s).empty()) << s;
  n = step(tr, ae, 22);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].kind, NotificationKind::kUpdated);
  EXPECT_EQ(first_segment(n[0]), "dc-edge");
  ASSERT_TRUE(n[0].previous.has_value());
  EXPECT_FALSE(n[0].previous->conclusive);
  EXPECT_TRUE(step(tr, ae, 30).empty());
}

// A fault over before its verdict settled still gets its opened message, then the recovery:
// nothing is lost, only the draft is skipped.
TEST_F(Alerts, AFaultOverBeforeItSettledStillGetsBothMessages) {
  IncidentTracker tr(topo_, {});
  AlertConfig cfg;
  cfg.path_down_after.reset();
  AlertEngine ae(cfg);
  lab_up(tr);
  step(tr, ae, 1);
  dc_edge_main(tr, 10);
  EXPECT_TRUE(step(tr, ae, 10).empty());
  for (const char* path : {"primary", "backup", "as-routed"}) {
    tr.apply(change("main-agent", path, "asp-app", kUp, 13));
  }
  const auto n = step(tr, ae, 13);
  ASSERT_EQ(n.size(), 2u);
  EXPECT_EQ(n[0].kind, NotificationKind::kOpened);
  EXPECT_EQ(n[0].started_at, t(10));
  EXPECT_EQ(n[1].kind, NotificationKind::kRecovered);
  EXPECT_EQ(n[1].incident_id, n[0].incident_id);
  ASSERT_TRUE(n[1].recovered_at.has_value());
  EXPECT_EQ(*n[1].recovered_at, t(13));
  EXPECT_TRUE(ae.open_threads().empty());
}

// Data time stops when the fault cuts the collector off from the agents (or the store fails):
// the held opened message still goes, `settle` + kDataStallGrace later by the collector's clock.
TEST_F(Alerts, AHeldMessageGoesByTheClockWhenDataStops) {
  IncidentTracker tr(topo_, {});
  AlertConfig cfg;  // settle: 10 s
  cfg.path_down_after.reset();
  AlertEngine ae(cfg);
  lab_up(tr);
  step(tr, ae, 1);
  dc_edge_main(tr, 10);
  EXPECT_TRUE(step(tr, ae, 10).empty());  // held at the collector's 10 s; no data after it
  const auto wait = cfg.settle + AlertEngine::kDataStallGrace;
  EXPECT_TRUE(ae.on_clock(mono(10) + wait - shared::Nanos{1}).empty());
  const auto n = ae.on_clock(mono(10) + wait);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].kind, NotificationKind::kOpened);
  EXPECT_EQ(n[0].at, t(10));  // the data time it was last seen at
  EXPECT_EQ(n[0].started_at, t(10));
  EXPECT_TRUE(ae.on_clock(mono(60)).empty());  // sent once
}

// A verdict that keeps changing faster than `settle` is sent anyway within 3 x `settle` of its
// first change: a second site must not wait for the recovery.
TEST_F(Alerts, AVerdictThatKeepsChangingStillGoesWithinThreeSettles) {
  AlertConfig cfg;  // settle: 10 s
  AlertEngine ae(cfg);
  incident::Incident inc;
  inc.id = "INC-20261123-140010";
  inc.opened = t(10);
  inc.services = {"asp"};
  const auto evaluate = [&](int at, std::vector<std::string> sites) {
    incident::Evaluation ev;
    ev.at = t(at);
    if (!sites.empty()) {
      inc.sites = std::move(sites);
      ev.updates.push_back({incident::UpdateKind::kUpdated, inc, {}, {}});
    }
    return ae.on_evaluation(ev, nullptr, mono(at));
  };
  EXPECT_TRUE(evaluate(10, {"main"}).empty());
  ASSERT_EQ(evaluate(20, {}).size(), 1u);  // opened, settled
  // From 21 s the sites alternate every 3 s, never lasting 10 s.
  for (int at = 21; at < 51; ++at) {
    std::vector<std::string> sites;
    if ((at - 21) % 3 == 0) sites = {"main", (at - 21) % 6 == 0 ? "branch" : "other"};
    EXPECT_TRUE(evaluate(at, sites).empty()) << at;
  }
  const auto n = evaluate(51, {});
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].kind, NotificationKind::kUpdated);
  ASSERT_EQ(n[0].sites.size(), 2u);
  EXPECT_EQ(n[0].sites[1].name, "other");  // what it was when sent (set at 48 s)
}

// One incident → opened, one updated (a second site joins), recovered; all on one thread,
// and nothing while nothing changes.
TEST_F(Alerts, OneThreadPerIncidentNoRepeatsRecovery) {
  IncidentTracker tr(topo_, {});
  AlertConfig cfg;
  cfg.path_down_after.reset();
  cfg.settle = shared::Nanos{0};  // every change at once: this test is about the thread
  AlertEngine ae(cfg);
  main_up(tr);
  EXPECT_TRUE(step(tr, ae, 1).empty());

  tr.apply(change("main-agent", "as-routed", "asp-app", kDown, 10));
  auto n = step(tr, ae, 10);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].kind, NotificationKind::kOpened);
  const std::string id = n[0].incident_id;
  EXPECT_EQ(id, "INC-20261123-140010");
  EXPECT_EQ(n[0].started_at, t(10));
  EXPECT_EQ(n[0].services.at(0).name, "asp-app");

  // Five evaluations with no new rows: no notification (no repeats).
  for (int s = 11; s <= 15; ++s) EXPECT_TRUE(step(tr, ae, s).empty()) << s;

  tr.apply(change("branch-agent", "as-routed", "asp-app", kDown, 16));
  n = step(tr, ae, 16);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].kind, NotificationKind::kUpdated);
  EXPECT_EQ(n[0].incident_id, id);
  ASSERT_EQ(n[0].sites.size(), 2u);  // main, branch
  EXPECT_EQ(n[0].sites[1].name, "branch");

  tr.apply(change("main-agent", "as-routed", "asp-app", kUp, 20));
  tr.apply(change("branch-agent", "as-routed", "asp-app", kUp, 20));
  n = step(tr, ae, 20);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].kind, NotificationKind::kRecovered);
  EXPECT_EQ(n[0].incident_id, id);
  ASSERT_TRUE(n[0].recovered_at.has_value());
  EXPECT_EQ(*n[0].recovered_at, t(20));
  EXPECT_TRUE(step(tr, ae, 21).empty());
  EXPECT_TRUE(ae.open_threads().empty());
}

// Primary cut survived by the backup: a failover notice and, 30 s later, a path-down alert;
// no service incident; both recover on failback.
TEST_F(Alerts, PrimaryCutGivesFailoverAndPathDownAfterX) {
  IncidentTracker tr(topo_, {});
  AlertConfig cfg;
  cfg.path_down_after = std::chrono::seconds{30};
  AlertEngine ae(cfg);
  main_up(tr);
  step(tr, ae, 1);
  tr.apply(change("main-agent", "primary", "asp-app", kDown, 10));
  tr.apply(change("main-agent", "primary", "collector", kDown, 10));
  tr.apply(route("main-agent", "primary", "backup", 10));
  auto n = step(tr, ae, 10);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].incident_id, "FO-main-20261123-140010");
  EXPECT_EQ(n[0].kind, NotificationKind::kOpened);
  ASSERT_EQ(n[0].failovers.size(), 1u);
  EXPECT_EQ(n[0].failovers[0].to_path, "backup");
  EXPECT_TRUE(n[0].services.empty());  // no service impaired

  EXPECT_TRUE(step(tr, ae, 39).empty());  // down 29 s < 30 s
  n = step(tr, ae, 40);                   // down 30 s
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].incident_id, "PATH-main-agent-primary-20261123-140010");
  EXPECT_EQ(n[0].verdict.causes.at(0).alternatives.at(0).segment, "main-primary");
  EXPECT_TRUE(step(tr, ae, 50).empty());  // no repeat

  tr.apply(change("main-agent", "primary", "asp-app", kUp, 60));
  tr.apply(change("main-agent", "primary", "collector", kUp, 60));
  tr.apply(route("main-agent", "backup", "primary", 61));
  n = step(tr, ae, 61);
  ASSERT_EQ(n.size(), 2u);  // failover recovered, path recovered
  EXPECT_EQ(n[0].kind, NotificationKind::kRecovered);
  EXPECT_EQ(n[0].incident_id, "FO-main-20261123-140010");
  EXPECT_EQ(n[1].kind, NotificationKind::kRecovered);
  EXPECT_EQ(n[1].incident_id, "PATH-main-agent-primary-20261123-140010");
}

// Issue 15: a site whose router agent (netlink) and LAN agent (hops) both see one switch and
// its failback: one failover thread (opened, recovered), no flapping (2 switches, not 4).
// The messages say "failover" / "回線切替" with the lines, the start and the duration.
TEST_F(Alerts, OneSwitchSeenByTwoAgentsIsOneThreadAndNoFlap) {
  IncidentTracker tr(topo_, {});
  AlertConfig cfg;
  cfg.path_down_after.reset();
  AlertEngine ae(cfg);
  main_up(tr);
  step(tr, ae, 1);
  auto netlink = [](const char* from, const char* to, int at) {
    StoredRouteChange r = route("main-agent", from, to, at);
    r.agent_id = "main-rtr-agent";
    r.prefix = "198.18.10.0/24";
    r.site = "main";
    return r;
  };
  std::vector<notify::Notification> all;
  auto take = [&](int at) {
    for (auto& x : step(tr, ae, at)) all.push_back(std::move(x));
  };
  tr.apply(netlink("primary", "backup", 10));
  take(10);
  tr.apply(route("main-agent", "primary", "backup", 12));
  take(12);
  tr.apply(netlink("backup", "primary", 30));
  take(30);
  tr.apply(route("main-agent", "backup", "primary", 32));
  take(32);
  take(100);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].incident_id, "FO-main-20261123-140010");
  EXPECT_EQ(all[0].kind, NotificationKind::kOpened);
  EXPECT_EQ(all[1].incident_id, all[0].incident_id);
  EXPECT_EQ(all[1].kind, NotificationKind::kRecovered);
  EXPECT_TRUE(all[1].line_switch);
  const auto en = notify::render_message(all[1], notify::Language::kEn);
  EXPECT_EQ(en.subject, "[pathwatch] Failback: main primary → backup (lasted 22 s)");
  EXPECT_NE(en.body.find("From line: primary\nTo line: backup\n"), std::string::npos) << en.body;
  EXPECT_NE(en.body.find("Duration: 22 s"), std::string::npos) << en.body;
  const auto ja = notify::render_message(all[0], notify::Language::kJa);
  EXPECT_EQ(ja.subject, "[pathwatch] 回線切替: main primary → backup");
  EXPECT_NE(ja.body.find("切替元回線: primary\n切替先回線: backup\n"), std::string::npos)
      << ja.body;
  EXPECT_TRUE(ae.open_threads().empty());
}

// Four switches within 10 minutes (default flapping rule) → one flapping notice.
TEST_F(Alerts, FlappingOnce) {
  IncidentTracker tr(topo_, {});
  AlertConfig cfg;
  cfg.path_down_after.reset();
  cfg.failover = false;
  AlertEngine ae(cfg);
  main_up(tr);
  step(tr, ae, 1);
  int flaps = 0;
  // Switches at 10, 20, 30, 40 s: the 4th reaches flap_switches = 4.
  for (int i = 0; i < 4; ++i) {
    tr.apply(route("main-agent", i % 2 ? "backup" : "primary", i % 2 ? "primary" : "backup",
                   10 * (i + 1)));
    for (const auto& x : step(tr, ae, 10 * (i + 1))) {
      EXPECT_EQ(x.incident_id, "FLAP-main-20261123-140010");
      ++flaps;
    }
  }
  EXPECT_EQ(flaps, 1);
  // 10 min after the last switch the window is empty: recovered.
  const auto n = step(tr, ae, 40 + 601);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].kind, NotificationKind::kRecovered);
}

StoredWindow window(int start, std::uint32_t sent, std::uint32_t lost, std::int64_t rtt_ns) {
  StoredWindow w;
  w.flow.agent_id = "main-agent";
  w.flow.site = "main";
  w.flow.path = "primary";
  w.flow.target = "asp-app";
  w.start = t(start);
  w.end = t(start + 10);
  w.sent = sent;
  w.lost = lost;
  w.received = sent - lost;
  w.rtt_avg_ns = rtt_ns;
  return w;
}

TEST_F(Alerts, LossAndLatencyOverLimit) {
  AlertConfig cfg;
  cfg.loss_over_percent = 10.0;
  cfg.latency_over = std::chrono::milliseconds{100};
  AlertEngine ae(cfg);
  EXPECT_TRUE(ae.on_window(window(0, 20, 2, 5'000'000)).empty());  // 10 % is not over 10 %
  auto n = ae.on_window(window(10, 20, 6, 5'000'000));             // 30 %
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].incident_id, "LOSS-main-agent/primary/asp-app-20261123-140010");
  EXPECT_EQ(n[0].fault, notify::FaultNature::kDegraded);
  EXPECT_TRUE(ae.on_window(window(20, 20, 6, 5'000'000)).empty());  // still over: no repeat
  n = ae.on_window(window(30, 20, 0, 150'000'000));  // loss back to 0, RTT 150 ms > 100 ms
  ASSERT_EQ(n.size(), 2u);
  EXPECT_EQ(n[0].kind, NotificationKind::kRecovered);
  EXPECT_EQ(n[1].incident_id, "RTT-main-agent/primary/asp-app-20261123-140030");
}

TEST_F(Alerts, BudgetOncePerServiceAndMonth) {
  AlertConfig cfg;
  cfg.budget_burned_percent = 80.0;
  AlertEngine ae(cfg);
  const auto nov = std::chrono::year{2026} / std::chrono::November;
  EXPECT_TRUE(ae.on_budget("juki", nov, 79.9, t(0)).empty());
  auto n =
      ae.on_budget("juki", nov, 85.0, t(1), std::chrono::minutes{73}, std::chrono::seconds{5184});
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].incident_id, "SLA-juki-202611");
  ASSERT_TRUE(n[0].budget.has_value());  // its own wording, not an incident's
  EXPECT_EQ(n[0].budget->month, nov);
  EXPECT_EQ(n[0].budget->limit_percent, 80.0);
  EXPECT_EQ(n[0].budget->burned, std::chrono::minutes{73});
  EXPECT_EQ(n[0].budget->budget, std::chrono::seconds{5184});
  EXPECT_TRUE(ae.on_budget("juki", nov, 95.0, t(2)).empty());
  EXPECT_EQ(ae.on_budget("juki", std::chrono::year{2026} / std::chrono::December, 81, t(3)).size(),
            1u);
}

// A restart in the middle of a primary cut: the engine saved at 50 s and restored into a new
// one goes on (no second opening, both recoveries with the old thread ids), and the loss
// thread and the budget month already announced are remembered too.
TEST_F(Alerts, SavedStateGoesOnAfterARestart) {
  IncidentTracker tr(topo_, {});
  AlertConfig cfg;
  cfg.path_down_after = std::chrono::seconds{30};
  cfg.loss_over_percent = 10.0;
  cfg.budget_burned_percent = 80.0;
  AlertEngine before(cfg);
  main_up(tr);
  step(tr, before, 1);
  tr.apply(change("main-agent", "primary", "asp-app", kDown, 10));
  tr.apply(change("main-agent", "primary", "collector", kDown, 10));
  tr.apply(route("main-agent", "primary", "backup", 10));
  EXPECT_EQ(step(tr, before, 10).size(), 1u);  // failover
  EXPECT_EQ(step(tr, before, 40).size(), 1u);  // path down 30 s
  EXPECT_EQ(before.on_window(window(30, 20, 6, 5'000'000)).size(), 1u);
  const auto nov = std::chrono::year{2026} / std::chrono::November;
  EXPECT_EQ(before.on_budget("juki", nov, 85.0, t(41)).size(), 1u);

  AlertEngine after(cfg);
  after.restore_state(before.save_state(), mono(50));
  EXPECT_EQ(after.open_threads(), before.open_threads());
  EXPECT_EQ(after.save_state(), before.save_state());
  EXPECT_TRUE(step(tr, after, 50).empty());
  EXPECT_TRUE(after.on_window(window(40, 20, 6, 5'000'000)).empty());
  EXPECT_TRUE(after.on_budget("juki", nov, 90.0, t(51)).empty());

  tr.apply(change("main-agent", "primary", "asp-app", kUp, 60));
  tr.apply(change("main-agent", "primary", "collector", kUp, 60));
  tr.apply(route("main-agent", "backup", "primary", 61));
  const auto n = step(tr, after, 61);
  ASSERT_EQ(n.size(), 2u);
  EXPECT_EQ(n[0].kind, NotificationKind::kRecovered);
  EXPECT_EQ(n[0].incident_id, "FO-main-20261123-140010");
  EXPECT_EQ(n[1].kind, NotificationKind::kRecovered);
  EXPECT_EQ(n[1].incident_id, "PATH-main-agent-primary-20261123-140010");
  const auto loss = after.on_window(window(50, 20, 0, 5'000'000));
  ASSERT_EQ(loss.size(), 1u);
  EXPECT_EQ(loss[0].kind, NotificationKind::kRecovered);
}

// Review of item 9: the monitor reads its look-back again after a restart. Windows and
// failovers the saved state had already judged are not judged again: no false recovery from
// an older window under the limit, no second opening, no switch counted twice.
TEST_F(Alerts, WhatTheSavedStateHadJudgedIsNotJudgedAgain) {
  IncidentTracker tr(topo_, {});
  AlertConfig cfg;
  cfg.loss_over_percent = 10.0;
  cfg.flap_switches = 2;
  AlertEngine before(cfg);
  main_up(tr);
  step(tr, before, 1);
  EXPECT_TRUE(before.on_window(window(0, 20, 0, 5'000'000)).empty());
  ASSERT_EQ(before.on_window(window(10, 20, 6, 5'000'000)).size(), 1u);  // LOSS opened
  tr.apply(route("main-agent", "primary", "backup", 15));
  ASSERT_EQ(step(tr, before, 20).size(), 1u);  // failover opened (one switch: no flapping)

  AlertEngine after(cfg);
  after.restore_state(before.save_state(), mono(30));
  IncidentTracker again(topo_, {});  // the restarted monitor's tracker, fed the look-back
  main_up(again);
  EXPECT_TRUE(after.on_window(window(0, 20, 0, 5'000'000)).empty());   // no false recovery
  EXPECT_TRUE(after.on_window(window(10, 20, 6, 5'000'000)).empty());  // no second opening
  again.apply(route("main-agent", "primary", "backup", 15));
  EXPECT_TRUE(step(again, after, 30).empty());  // the same switch: not a second one, no flap
  // New data after the restart is judged as always.
  const auto n = after.on_window(window(30, 20, 0, 5'000'000));
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].kind, NotificationKind::kRecovered);
}

// Threads of a rule turned off (a SIGHUP) are dropped at restore, not kept forever.
TEST_F(Alerts, ThreadsOfARuleTurnedOffAreDropped) {
  AlertConfig cfg;
  cfg.loss_over_percent = 10.0;
  AlertEngine before(cfg);
  ASSERT_EQ(before.on_window(window(0, 20, 6, 5'000'000)).size(), 1u);
  cfg.loss_over_percent.reset();
  AlertEngine after(cfg);
  EXPECT_EQ(after.restore_state(before.save_state(), mono(0)), 1u);
  EXPECT_TRUE(after.open_threads().empty());
}

// A state it cannot read is refused whole: the engine keeps what it had.
TEST_F(Alerts, AnUnreadableStateChangesNothing) {
  AlertConfig cfg;
  cfg.loss_over_percent = 10.0;
  AlertEngine ae(cfg);
  ASSERT_EQ(ae.on_window(window(0, 20, 6, 5'000'000)).size(), 1u);
  const std::string saved = ae.save_state();
  EXPECT_THROW(ae.restore_state("{\"version\": 99}", mono(0)), std::runtime_error);
  EXPECT_THROW(ae.restore_state("not json", mono(0)), std::runtime_error);
  EXPECT_THROW(ae.restore_state(R"({"version": 1, "threads": [{"id": "x"}]})", mono(0)),
               std::runtime_error);
  EXPECT_EQ(ae.save_state(), saved);
}

TEST(AlertConfigTest, StrictKeys) {
  const auto c = parse_alert_config(shared::ConfigNode::load_string(
      "path_down: {after: 30s}\nflapping: false\nloss: {over_percent: 5}\n"
      "latency: {over: 80ms}\nsla_budget: {burned_percent: 75}\nsettle: 3s\n",
      "alerts.yaml"));
  EXPECT_EQ(c.settle, std::chrono::seconds{3});
  EXPECT_EQ(c.path_down_after, std::chrono::seconds{30});
  EXPECT_EQ(c.flap_switches, 0);
  EXPECT_EQ(c.loss_over_percent, 5.0);
  EXPECT_EQ(c.latency_over, std::chrono::milliseconds{80});
  EXPECT_EQ(c.budget_burned_percent, 75.0);
  EXPECT_TRUE(c.service_down);
  try {
    parse_alert_config(shared::ConfigNode::load_string("loss: {over: 5}\n", "a.yaml"));
    FAIL() << "unknown key accepted";
  } catch (const shared::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("a.yaml:1:"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_alert_config(shared::ConfigNode::load_string("path_down: true\n", "a.yaml")),
               shared::ConfigError);
  EXPECT_THROW(parse_alert_config(shared::ConfigNode::load_string("settle: 1h\n", "a.yaml")),
               shared::ConfigError);
  EXPECT_EQ(parse_alert_config(shared::ConfigNode::load_string("settle: 0s\n", "a.yaml")).settle,
            shared::Nanos{0});
}

}  // namespace
}  // namespace pathwatch::collector::alert
