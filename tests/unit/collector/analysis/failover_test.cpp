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
  EXPECT_EQ(e.start, day(10, 0, 3));     // the earlier of 10:00:03 (probes) and 10:00:05 (route)
  EXPECT_EQ(e.end, day(10, 30, 0));      // the later of 10:29:58 and 10:30:00
  EXPECT_EQ(e.duration, seconds{1797});  // 29 min 57 s
  EXPECT_EQ(e.route_at, day(10, 0, 5));
  EXPECT_EQ(e.probe_at, day(10, 0, 3));
  EXPECT_EQ(e.failback_route_at, day(10, 30, 0));
  EXPECT_EQ(e.failback_probe_at, day(10, 29, 58));
  EXPECT_EQ(e.backup_path, "backup");
  EXPECT_EQ(e.fault_onset, day(9, 59, 50));
  EXPECT_EQ(e.detection_latency, seconds{13});  // 10:00:03 − 09:59:50
  EXPECT_EQ(e.interrupted, seconds{0});         // the backup stayed up
  EXPECT_EQ(e.services_affected, (std::vector<std::string>{"juki"}));
  EXPECT_FALSE(e.flapping);
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

TEST_F(FailoverTest, RouteWithdrawnIsAnOutage) {
  routes_.push_back(route("honcho", day(3), "primary", ""));
  routes_.push_back(route("honcho", day(3, 5), "", "primary"));
  const auto r = run();
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].kind, FailoverKind::kOutage);
  EXPECT_EQ(r.events[0].detected_by, Detection::kRouteChange);
  EXPECT_EQ(r.events[0].duration, minutes{5});
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
