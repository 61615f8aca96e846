// Tests of agent/route/route_path_tracker: kernel answers -> path decisions and events.
#include "agent/route/route_path_tracker.hpp"

#include <gtest/gtest.h>

namespace pathwatch::agent {
namespace {

using shared::UtcNanos;
using std::chrono::seconds;

RouteAnswer via(const std::string& iface, const std::string& gw = "") {
  RouteAnswer a;
  a.kind = RouteAnswer::Kind::kRoute;
  a.out_interface = iface;
  a.gateway = gw;
  return a;
}

RouteAnswer no_route() {
  RouteAnswer a;
  a.kind = RouteAnswer::Kind::kNoRoute;
  a.error_number = 101;  // ENETUNREACH
  return a;
}

RouteAnswer failed() {
  RouteAnswer a;
  a.kind = RouteAnswer::Kind::kError;
  a.error_number = 110;
  return a;
}

const std::map<std::string, std::string> kLines = {{"primary", "primary"}, {"backup", "backup"}};

RoutePathTracker two_watches() {
  return RoutePathTracker({*parse_watched_prefix("198.18.0.0/15", kLines),
                           *parse_watched_prefix("fd00:5057::/32", kLines)});
}

const UtcNanos kT0{seconds{1'700'000'000}};

TEST(RoutePathTracker, FirstAnswerIsAnInitialEvent) {
  auto t = two_watches();
  const auto e = t.update(0, via("primary", "198.18.101.1"), kT0);
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->initial);
  EXPECT_EQ(e->prefix, "198.18.0.0/15");
  EXPECT_EQ(e->from_path, "");
  EXPECT_EQ(e->to_path, "primary");
  EXPECT_EQ(e->out_interface, "primary");
  EXPECT_EQ(e->gateway, "198.18.101.1");
  EXPECT_EQ(e->at, kT0);
  EXPECT_EQ(e->source, RouteSource::kNetlink);
  EXPECT_EQ(t.counters().path_changes, 0u);  // the initial decision is not a change
}

TEST(RoutePathTracker, ReplacedRouteMovesThePath) {
  auto t = two_watches();
  t.update(0, via("primary", "198.18.101.1"), kT0);
  // Metrics swapped (pwlab route main-rtr backup): the kernel now answers via backup.
  const auto e = t.update(0, via("backup", "198.18.102.1"), kT0 + seconds{5});
  ASSERT_TRUE(e);
  EXPECT_FALSE(e->initial);
  EXPECT_EQ(e->from_path, "primary");
  EXPECT_EQ(e->to_path, "backup");
  EXPECT_EQ(e->gateway, "198.18.102.1");
  EXPECT_EQ(e->at, kT0 + seconds{5});
  // Failback.
  const auto back = t.update(0, via("primary", "198.18.101.1"), kT0 + seconds{9});
  ASSERT_TRUE(back);
  EXPECT_EQ(back->from_path, "backup");
  EXPECT_EQ(back->to_path, "primary");
  EXPECT_EQ(t.counters().path_changes, 2u);
}

TEST(RoutePathTracker, SameAnswerAgainIsSilent) {
  auto t = two_watches();
  t.update(0, via("primary", "198.18.101.1"), kT0);
  EXPECT_FALSE(t.update(0, via("primary", "198.18.101.1"), kT0 + seconds{1}));
  // A new gateway on the same line is not a path change; it is counted and remembered.
  EXPECT_FALSE(t.update(0, via("primary", "198.18.101.9"), kT0 + seconds{2}));
  EXPECT_EQ(t.counters().same_path_changes, 1u);
  EXPECT_EQ(t.current(0).gateway, "198.18.101.9");
}

TEST(RoutePathTracker, RemovedRouteIsNone) {
  auto t = two_watches();
  t.update(0, via("backup", "198.18.102.1"), kT0);
  const auto e = t.update(0, no_route(), kT0 + seconds{1});
  ASSERT_TRUE(e);
  EXPECT_EQ(e->from_path, "backup");
  EXPECT_EQ(e->to_path, "");
  EXPECT_EQ(e->out_interface, "");
  EXPECT_EQ(e->gateway, "");
  // Added again.
  const auto added = t.update(0, via("primary"), kT0 + seconds{2});
  ASSERT_TRUE(added);
  EXPECT_EQ(added->from_path, "");
  EXPECT_EQ(added->to_path, "primary");
}

TEST(RoutePathTracker, NoRouteAtStartIsAnInitialNone) {
  auto t = two_watches();
  const auto e = t.update(0, no_route(), kT0);
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->initial);
  EXPECT_EQ(e->to_path, "");
}

TEST(RoutePathTracker, FailedQuestionKeepsTheDecision) {
  auto t = two_watches();
  t.update(0, via("primary"), kT0);
  EXPECT_FALSE(t.update(0, failed(), kT0 + seconds{1}));
  EXPECT_EQ(t.current(0).path, "primary");
  EXPECT_EQ(t.counters().lookup_errors, 1u);
  // Before any answer, an error decides nothing either.
  EXPECT_FALSE(t.update(1, failed(), kT0));
  EXPECT_FALSE(t.current(1).known);
}

TEST(RoutePathTracker, UnmappedInterfaceIsAnUnknownPath) {
  auto t = two_watches();
  t.update(0, via("primary"), kT0);
  const auto e = t.update(0, via("lte0", "198.18.200.1"), kT0 + seconds{1});
  ASSERT_TRUE(e);
  EXPECT_EQ(e->to_path, "unknown:lte0");
  EXPECT_EQ(e->out_interface, "lte0");
}

TEST(RoutePathTracker, PrefixesAreIndependent) {
  auto t = two_watches();
  ASSERT_TRUE(t.update(0, via("primary"), kT0));
  ASSERT_TRUE(t.update(1, via("primary", "fd00:5057:101::1"), kT0));
  // Only the IPv6 prefix moves to backup.
  EXPECT_FALSE(t.update(0, via("primary"), kT0 + seconds{1}));
  const auto e = t.update(1, via("backup", "fd00:5057:102::1"), kT0 + seconds{1});
  ASSERT_TRUE(e);
  EXPECT_EQ(e->prefix, "fd00:5057::/32");
  EXPECT_EQ(e->to_path, "backup");
  EXPECT_EQ(e->gateway, "fd00:5057:102::1");
  EXPECT_EQ(t.current(0).path, "primary");
}

}  // namespace
}  // namespace pathwatch::agent
