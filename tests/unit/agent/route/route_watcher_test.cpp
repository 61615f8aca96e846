// Tests of agent/route/route_watcher over FakeNetlinkSource: notifications in, route and
// link events out, coalescing, overrun resync, stop. Handlers run by io_context::poll (no
// sleeping, no timers: the periodic resync is off).
#include "agent/route/route_watcher.hpp"

#include <gtest/gtest.h>

#include "agent/route/fake_netlink_source.hpp"

namespace pathwatch::agent {
namespace {

using std::chrono::seconds;

const std::map<std::string, std::string> kLines = {{"primary", "primary"}, {"backup", "backup"}};

LinkInfo link(const std::string& name, int ifindex, bool up) {
  LinkInfo l;
  l.name = name;
  l.ifindex = ifindex;
  l.oper_up = up;
  return l;
}

class RouteWatcherTest : public ::testing::Test {
 protected:
  RouteWatcherTest() : clock_(shared::UtcNanos{seconds{1'700'000'000}}) {
    auto fake = std::make_unique<FakeNetlinkSource>();
    fake_ = fake.get();
    // The main office router of the lab: both lines up, the lab prefix via primary.
    fake_->set_link(link("lan", 2, true));
    fake_->set_link(link("primary", 3, true));
    fake_->set_link(link("backup", 4, true));
    fake_->set_route("198.18.0.0", "primary", "198.18.101.1");
    fake_->set_route("fd00:5057::", "primary", "fd00:5057:101::1");
    RouteWatcherOptions options;
    options.resync_interval = std::chrono::milliseconds{0};
    watcher_ = std::make_unique<RouteWatcher>(
        io_, clock_, std::move(fake),
        std::vector<WatchedPrefix>{*parse_watched_prefix("198.18.0.0/15", kLines),
                                   *parse_watched_prefix("fd00:5057::/32", kLines)},
        kLines,
        RouteWatcherCallbacks{[this](const RouteChangeEvent& e) { routes_.push_back(e); },
                              [this](const LinkChangeEvent& e) { links_.push_back(e); }},
        options);
  }

  void start_and_clear() {
    ASSERT_FALSE(watcher_->start());
    routes_.clear();
    links_.clear();
  }
  void run() {
    io_.restart();
    io_.poll();
  }

  boost::asio::io_context io_;
  shared::ManualClock clock_;
  FakeNetlinkSource* fake_ = nullptr;
  std::unique_ptr<RouteWatcher> watcher_;
  std::vector<RouteChangeEvent> routes_;
  std::vector<LinkChangeEvent> links_;
};

TEST_F(RouteWatcherTest, StartReportsTheInitialState) {
  ASSERT_FALSE(watcher_->start());
  // 2 prefixes -> 2 initial route events; 2 path interfaces -> 2 initial link events
  // (lan carries no path).
  ASSERT_EQ(routes_.size(), 2u);
  EXPECT_TRUE(routes_[0].initial);
  EXPECT_EQ(routes_[0].prefix, "198.18.0.0/15");
  EXPECT_EQ(routes_[0].to_path, "primary");
  EXPECT_EQ(routes_[1].prefix, "fd00:5057::/32");
  EXPECT_EQ(routes_[1].gateway, "fd00:5057:101::1");
  ASSERT_EQ(links_.size(), 2u);
  EXPECT_EQ(links_[0].interface, "backup");
  EXPECT_TRUE(links_[0].initial);
  EXPECT_EQ(links_[1].interface, "primary");
  EXPECT_TRUE(fake_->started());
}

TEST_F(RouteWatcherTest, MetricSwapMovesBothFamiliesToBackup) {
  start_and_clear();
  clock_.advance(seconds{3});
  fake_->set_route("198.18.0.0", "backup", "198.18.102.1");
  fake_->set_route("fd00:5057::", "backup", "fd00:5057:102::1");
  fake_->notify(NetlinkNotice::kRoute);
  fake_->notify(NetlinkNotice::kRoute);
  EXPECT_TRUE(routes_.empty());  // decided on the loop, not inside the notification
  run();
  ASSERT_EQ(routes_.size(), 2u);
  EXPECT_EQ(routes_[0].from_path, "primary");
  EXPECT_EQ(routes_[0].to_path, "backup");
  EXPECT_EQ(routes_[0].gateway, "198.18.102.1");
  EXPECT_EQ(routes_[0].at, clock_.utc_now());
  EXPECT_FALSE(routes_[0].initial);
  EXPECT_EQ(routes_[1].to_path, "backup");
  EXPECT_TRUE(links_.empty());  // route notices do not re-read links
}

TEST_F(RouteWatcherTest, NotificationsAreCoalesced) {
  start_and_clear();
  const int gets_before = fake_->route_gets();
  for (int i = 0; i < 50; ++i) fake_->notify(NetlinkNotice::kRoute);
  run();
  // 50 notices, one sync: 2 route gets (one per prefix).
  EXPECT_EQ(fake_->route_gets() - gets_before, 2);
  EXPECT_EQ(watcher_->stats().notices, 50u);
}

TEST_F(RouteWatcherTest, PrimaryCutGivesLinkDownThenRouteChange) {
  start_and_clear();
  // ip link set primary down: the kernel deletes the routes over it; backup takes over.
  fake_->set_link(link("primary", 3, false));
  fake_->set_route("198.18.0.0", "backup", "198.18.102.1");
  fake_->set_route("fd00:5057::", "backup", "fd00:5057:102::1");
  fake_->notify(NetlinkNotice::kLink);
  fake_->notify(NetlinkNotice::kRoute);
  run();
  ASSERT_EQ(links_.size(), 1u);
  EXPECT_EQ(links_[0].interface, "primary");
  EXPECT_EQ(links_[0].path, "primary");
  EXPECT_FALSE(links_[0].oper_up);
  ASSERT_EQ(routes_.size(), 2u);
  EXPECT_EQ(routes_[0].to_path, "backup");
  // Restore: up again, failback.
  links_.clear();
  routes_.clear();
  fake_->set_link(link("primary", 3, true));
  fake_->set_route("198.18.0.0", "primary", "198.18.101.1");
  fake_->set_route("fd00:5057::", "primary", "fd00:5057:101::1");
  fake_->notify(NetlinkNotice::kLink);
  run();
  ASSERT_EQ(links_.size(), 1u);
  EXPECT_TRUE(links_[0].oper_up);
  ASSERT_EQ(routes_.size(), 2u);
  EXPECT_EQ(routes_[0].from_path, "backup");
  EXPECT_EQ(routes_[0].to_path, "primary");
  EXPECT_EQ(watcher_->counters("primary").link_changes, 2u);
}

TEST_F(RouteWatcherTest, LinkdownWithoutRouteNotificationIsStillSeen) {
  start_and_clear();
  // Far end cut: carrier lost, the IPv4 route stays (flagged linkdown) and the kernel sends
  // only RTM_NEWLINK; with ignore_routes_with_linkdown route get answers via backup.
  fake_->set_link(link("primary", 3, false));
  fake_->set_route("198.18.0.0", "backup", "198.18.102.1");
  fake_->notify(NetlinkNotice::kLink);
  run();
  ASSERT_EQ(routes_.size(), 1u);
  EXPECT_EQ(routes_[0].prefix, "198.18.0.0/15");
  EXPECT_EQ(routes_[0].to_path, "backup");
}

TEST_F(RouteWatcherTest, BothLinesGoneIsNone) {
  start_and_clear();
  fake_->remove_route("198.18.0.0");
  fake_->remove_route("fd00:5057::");
  fake_->notify(NetlinkNotice::kRoute);
  run();
  ASSERT_EQ(routes_.size(), 2u);
  EXPECT_EQ(routes_[0].from_path, "primary");
  EXPECT_EQ(routes_[0].to_path, "");
}

TEST_F(RouteWatcherTest, OverrunResyncsEverything) {
  start_and_clear();
  // Changes whose notifications were lost in an ENOBUFS.
  fake_->remove_link("backup");
  fake_->set_route("fd00:5057::", "backup", "fd00:5057:102::1");
  const int dumps_before = fake_->link_dumps();
  fake_->notify(NetlinkNotice::kOverrun);
  run();
  EXPECT_EQ(fake_->link_dumps() - dumps_before, 1);
  ASSERT_EQ(links_.size(), 1u);
  EXPECT_EQ(links_[0].interface, "backup");
  EXPECT_FALSE(links_[0].oper_up);
  ASSERT_EQ(routes_.size(), 1u);
  EXPECT_EQ(routes_[0].prefix, "fd00:5057::/32");
  EXPECT_EQ(watcher_->stats().overruns, 1u);
}

TEST_F(RouteWatcherTest, FailedLinkDumpIsRetriedAtTheNextNotice) {
  start_and_clear();
  fake_->fail_link_dumps(true);
  fake_->set_link(link("backup", 4, false));
  fake_->notify(NetlinkNotice::kLink);
  run();
  EXPECT_TRUE(links_.empty());
  EXPECT_EQ(watcher_->stats().link_dump_failures, 1u);
  fake_->fail_link_dumps(false);
  fake_->notify(NetlinkNotice::kAddress);  // any notice: links are still marked dirty
  run();
  ASSERT_EQ(links_.size(), 1u);
  EXPECT_FALSE(links_[0].oper_up);
}

TEST_F(RouteWatcherTest, CountersRevealUnannouncedTransitions) {
  start_and_clear();
  LinkInfo primary = link("primary", 3, true);
  primary.rx_errors = 12;
  fake_->set_link(primary);
  fake_->set_link(link("backup", 4, false));
  const auto c = watcher_->counters("primary");
  EXPECT_TRUE(c.present);
  EXPECT_EQ(c.rx_errors, 12u);
  // The dump showed backup down: reported at once.
  ASSERT_EQ(links_.size(), 1u);
  EXPECT_EQ(links_[0].interface, "backup");
}

TEST_F(RouteWatcherTest, StopSilencesEverything) {
  start_and_clear();
  fake_->set_route("198.18.0.0", "backup", "198.18.102.1");
  fake_->notify(NetlinkNotice::kRoute);
  watcher_->stop();  // a sync was already posted: it must not run
  run();
  fake_->notify(NetlinkNotice::kRoute);
  run();
  EXPECT_TRUE(routes_.empty());
  EXPECT_FALSE(fake_->started());
}

TEST(RouteWatcherStart, SourceFailureIsReturned) {
  boost::asio::io_context io;
  shared::ManualClock clock;
  auto fake = std::make_unique<FakeNetlinkSource>();
  fake->fail_start(std::make_error_code(std::errc::permission_denied));
  int events = 0;
  RouteWatcher watcher(
      io, clock, std::move(fake), {}, {},
      {[&](const RouteChangeEvent&) { ++events; }, [&](const LinkChangeEvent&) { ++events; }});
  EXPECT_EQ(watcher.start(), std::make_error_code(std::errc::permission_denied));
  EXPECT_EQ(events, 0);
}

}  // namespace
}  // namespace pathwatch::agent
