// Tests of agent/route/kernel_netlink_source against the test's own network namespace,
// loopback only: netlink requests, no packet leaves the host and no root is needed.
#include "agent/route/kernel_netlink_source.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace pathwatch::agent {
namespace {

TEST(KernelNetlinkSource, LoopbackRouteAndLinks) {
  boost::asio::io_context io;
  KernelNetlinkSource source(io);
  ASSERT_FALSE(source.start([](NetlinkNotice) {}));
  // 127.0.0.1 is a local route on lo in every namespace (table local).
  const auto answer = source.route_get(boost::asio::ip::make_address("127.0.0.1"));
  ASSERT_EQ(answer.kind, RouteAnswer::Kind::kRoute) << answer.error_number;
  EXPECT_EQ(answer.out_interface, "lo");
  EXPECT_EQ(answer.gateway, "");

  const auto links = source.links();
  ASSERT_TRUE(links);
  const auto lo =
      std::find_if(links->begin(), links->end(), [](const LinkInfo& l) { return l.name == "lo"; });
  ASSERT_NE(lo, links->end());
  EXPECT_GT(lo->ifindex, 0);
  source.stop();
  source.stop();  // idempotent
  io.poll();      // the cancelled wait completes without touching anything
}

TEST(KernelNetlinkSource, AnswersWithoutStart) {
  boost::asio::io_context io;
  KernelNetlinkSource source(io);
  // Before start there are no request sockets: an error, not a crash.
  const auto answer = source.route_get(boost::asio::ip::make_address("127.0.0.1"));
  EXPECT_EQ(answer.kind, RouteAnswer::Kind::kError);
  EXPECT_FALSE(source.links());
}

}  // namespace
}  // namespace pathwatch::agent
