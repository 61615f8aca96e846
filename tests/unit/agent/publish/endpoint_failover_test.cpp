// Endpoint failover: one endpoint at a time, next one after `timeout` of silence.
#include "agent/publish/endpoint_failover.hpp"

#include <gtest/gtest.h>

namespace pathwatch::agent {
namespace {

using namespace std::chrono_literals;
const shared::MonoNanos t0{std::chrono::seconds{100}};

TEST(EndpointFailover, MovesOnlyAfterSilenceAndWraps) {
  EndpointFailover f(2, 10s);
  f.opened(t0, 0.0);
  EXPECT_FALSE(f.due(t0 + 9s));
  f.heard(t0 + 9s);  // an ack: the deadline is now t0+19s
  EXPECT_FALSE(f.due(t0 + 18s));
  EXPECT_TRUE(f.due(t0 + 19s));
  EXPECT_EQ(f.current(), 1u);
  f.opened(t0 + 19s, 0.0);
  EXPECT_TRUE(f.due(t0 + 29s));
  EXPECT_EQ(f.current(), 0u);  // wraps to the first
}

TEST(EndpointFailover, JitterStretchesUpToAFifth) {
  EndpointFailover f(3, 10s);
  f.opened(t0, 0.5);  // 10 s + 10 s * 0.2 * 0.5 = 11 s
  EXPECT_FALSE(f.due(t0 + 10s + 999ms));
  EXPECT_TRUE(f.due(t0 + 11s));
}

TEST(EndpointFailover, SingleEndpointNeverMoves) {
  EndpointFailover f(1, 10s);
  f.opened(t0, 0.0);
  EXPECT_FALSE(f.due(t0 + 1h));
  EXPECT_EQ(f.current(), 0u);
}

}  // namespace
}  // namespace pathwatch::agent
