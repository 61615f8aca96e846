// Failover events from route changes and probe states, with hand-computed times.
#include "collector/analysis/failover.hpp"

#include <gtest/gtest.h>

#include "tests/unit/collector/analysis/test_rows.hpp"

namespace pathwatch::collector {
namespace {

using namespace testing;

class FailoverTest : public ::testing::Test {
 protected:
  FailoverTest() {
    ServiceSpec juki;
    juki.name = "juki";
    juki.targets = {"app"};
    juki.reference_sites = {"honcho"};
    ServiceSpec elsewhere = juki;
    elsewhere.name = "annex-only";
    elsewhere.reference_sites = {"annex"};
    services_ = {juki, elsewhere};
    sessions_.push_back(session("honcho", day(0), day(24)));
    changes_.push_back(change(primary_, day(0), PathState::kUp));
    changes_.push_back(change(backup_, day(0), PathState::kUp));
  }
  static shared::UtcNanos day(int h, int m = 0, int s = 0) {
    return jst(2026y / November / 5, h, m, s);
  }
  FailoverReport run() {
    ObservationIndex index(ObservationRows{changes_, windows_, sessions_});
    return detect_failovers(index, routes_, services_, options_, {day(0), day(24)});
  }
  void down(const FlowRef& f, shared::UtcNanos from, shared::UtcNanos to) {
    changes_.push_back(change(f, from, PathState::kDown));
    changes_.push_back(change(f, to, PathState::kUp));
  }

  FlowRef primary_ = flow("honcho", "app", "primary");
  FlowRef backup_ = flow("honcho", "app", "backup");
  std::vector<ServiceSpec> services_;
  std::vector<StoredStateChange> changes_;
  std::vector<StoredWindow> windows_;
  std::vector<AgentSession> sessions_;
  std::vector<StoredRouteChange> routes_;
  FailoverOptions options_;
};

TEST_F(FailoverTest, FailoverThenFailbackSeenByRouteAndProbes) {
  // Primary probes: down 10:00:03 → up 10:29:58. Route: to backup 10:00:05, back 10:30:00.
  // Primary windows 09:59:50-10:00:00 and 10:00:00-10:00:10 lost probes (the fault began in
  // the first of them, as far as 10 s windows tell).
  down(primary_, day(10, 0, 3), day(10, 29, 58));
  routes_.push_back(route("honcho", day(10, 0, 5), "primary", "backup"));
  routes_.push_back(route("honcho", day(10, 30, 0), "backup", "primary"));
  windows_.push_back(window(primary_, day(9, 59, 40), day(9, 59, 50), 10, 10, PathState::kUp));
  windows_.push_back(window(primary_, day(9, 59, 50), day(10, 0, 0), 10, 8, PathState::kUp));
  windows_.push_back(window(primary_, day(10, 0, 0), day(10, 0, 10), 10, 0, PathState::kDown));
  const auto r = run();
  ASSERT_EQ(r.events.size(), 1u);
  const auto& e = r.events[0];
  EXPECT_EQ(e.site, "honcho");
  EXPECT_EQ(e.kind, FailoverKind::kFailover);
  EXPECT_EQ(e.detected_by, Detection::kBoth);
  // Routes saw both edges: theirs (10:00:05, 10:30:00), not the first and last evidence
  // (probes at 10:00:03; the later of 10:29:58 and 10:30:00).
  EXPECT_EQ(e.start, day(10, 0, 5));
  EXPECT_EQ(e.end, day(10, 30, 0));
  EXPECT_EQ(e.duration, seconds{1795});  // 29 min 55 s
  EXPECT_EQ(e.route_at, day(10, 0, 5));
  EXPECT_EQ(e.probe_at, day(10, 0, 3));
  EXPECT_EQ(e.failback_route_at, day(10, 30, 0));
  EXPECT_EQ(e.failback_probe_at, day(10, 29, 58));
  EXPECT_EQ(e.backup_path, "backup");
  EXPECT_EQ(e.fault_onset, day(9, 59, 50));
  EXPECT_EQ(e.detection_latency, seconds{13});  // first evidence 10:00:03 − 09:59:50
  EXPECT_EQ(e.interrupted, seconds{0});         // the backup stayed up
  EXPECT_EQ(e.services_affected, (std::vector<std::string>{"juki"}));
  EXPECT_FALSE(e.flapping);
}

// Issue 15: a branch's router (netlink, at once) and LAN agent (hops, 2 s later each way)
// see one switch: one event, from the first watcher's switch to the first one's failback,
// so the hops' lag does not lengthen it; the failback instants reported are the last.
TEST_F(FailoverTest, OneSwitchSeenByTwoWatchersLastsFromFirstEdgeToFirstEdge) {
  routes_.push_back(route("honcho", day(10), "primary", "backup", "198.18.10.0/24"));
  routes_.push_back(route("honcho", day(10, 0, 2), "primary", "backup", "198.18.30.10"));
  routes_.push_back(route("honcho", day(10, 0, 20), "backup", "primary", "198.18.10.0/24"));
  routes_.push_back(route("honcho", day(10, 0, 22), "backup", "primary", "198.18.30.10"));
  const auto r = run();
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].start, day(10));
  EXPECT_EQ(r.events[0].end, day(10, 0, 20));
  EXPECT_EQ(r.events[0].duration, seconds{20});
  EXPECT_EQ(r.events[0].failback_route_at, day(10, 0, 22));
  EXPECT_FALSE(r.events[0].flapping);
}

TEST_F(FailoverTest, InterruptionWhileTheBackupComesUp) {
  // Primary down 10:00:00-10:20:00; the backup is down too until 10:00:17: 17 s with no path.
  down(primary_, day(10), day(10, 20));
  down(backup_, day(9, 59, 59), day(10, 0, 17));
  const auto r = run();
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].detected_by, Detection::kProbeStates);
  EXPECT_EQ(r.events[0].duration, minutes{20});
  EXPECT_EQ(r.events[0].interrupted, seconds{17});
  EXPECT_EQ(r.events[0].fault_onset, day(10));  // no windows: onset = first evidence
  EXPECT_EQ(r.events[0].kind, FailoverKind::kFailover);
}

// "No path" needs both lines shown down: a route to "" while the backup flow works is a
// failover to the backup (issue 15: an agent's "(none)" opened "outage (no path)").
TEST_F(FailoverTest, RouteWithdrawnWhileTheBackupWorksIsAFailover) {
  routes_.push_back(route("honcho", day(3), "primary", ""));
  routes_.push_back(route("honcho", day(3, 5), "", "primary"));
  const auto r = run();
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].kind, FailoverKind::kFailover);
  EXPECT_EQ(r.events[0].backup_path, "backup");
  EXPECT_EQ(r.events[0].detected_by, Detection::kRouteChange);
  EXPECT_EQ(r.events[0].duration, minutes{5});
}

TEST_F(FailoverTest, BothLinesShownDownIsAnOutage) {
  // 03:00:00-03:05:00 the primary flow is down, 02:59:58-03:05:10 the backup flow too.
  down(primary_, day(3), day(3, 5));
  down(backup_, day(2, 59, 58), day(3, 5, 10));
  const auto r = run();
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].kind, FailoverKind::kOutage);
  EXPECT_EQ(r.events[0].duration, minutes{5});
  EXPECT_EQ(r.events[0].interrupted, minutes{5});  // no flow up from 03:00:00 to 03:05:00
}

// "Unknown" (the agent lost its hop evidence) neither opens nor closes an event: primary ->
// unknown -> primary is nothing; backup -> unknown -> primary ends at the primary.
TEST_F(FailoverTest, UnknownLineIsNoSwitch) {
  routes_.push_back(route("honcho", day(2), "primary", "unknown"));
  routes_.push_back(route("honcho", day(2, 10), "unknown", "primary"));
  routes_.push_back(route("honcho", day(4), "primary", "backup"));
  routes_.push_back(route("honcho", day(4, 1), "backup", "unknown"));
  routes_.push_back(route("honcho", day(4, 3), "unknown", "primary"));
  const auto r = run();
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].start, day(4));
  EXPECT_EQ(r.events[0].end, day(4, 3));
  EXPECT_EQ(r.events[0].kind, FailoverKind::kFailover);
  EXPECT_FALSE(r.events[0].flapping);
}

TEST_F(FailoverTest, StillOnBackupAtTheEndHasNoEnd) {
  routes_.push_back(route("honcho", day(23), "primary", "backup"));
  const auto r = run();
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_FALSE(r.events[0].end.has_value());
  EXPECT_EQ(r.events[0].duration, hours{1});  // 23:00 to the range's end, 24:00
}

TEST_F(FailoverTest, FlappingIsNSwitchesWithinT) {
  // Three 1-min failovers starting 12:00, 12:02, 12:04: six switches between 12:00 and 12:05,
  // within the 10-min window (4 needed). One more failover at 15:00 stands alone.
  for (int m : {0, 2, 4}) {
    routes_.push_back(route("honcho", day(12, m), "primary", "backup"));
    routes_.push_back(route("honcho", day(12, m + 1), "backup", "primary"));
  }
  routes_.push_back(route("honcho", day(15), "primary", "backup"));
  routes_.push_back(route("honcho", day(15, 1), "backup", "primary"));
  const auto r = run();
  ASSERT_EQ(r.events.size(), 4u);
  EXPECT_TRUE(r.events[0].flapping);
  EXPECT_TRUE(r.events[1].flapping);
  EXPECT_TRUE(r.events[2].flapping);
  EXPECT_FALSE(r.events[3].flapping);
  ASSERT_EQ(r.flaps.size(), 1u);
  EXPECT_EQ(r.flaps[0].switches, 6);
  EXPECT_EQ(r.flaps[0].when, (Interval{day(12), day(12, 5)}));
}

TEST_F(FailoverTest, OneTargetDownIsNotAFailover) {
  // A second target stays up on the primary: the line works, the first target has a problem.
  const auto other = flow("honcho", "db", "primary");
  changes_.push_back(change(other, day(0), PathState::kUp));
  down(primary_, day(10), day(10, 20));
  EXPECT_TRUE(run().events.empty());
}

}  // namespace
}  // namespace pathwatch::collector
