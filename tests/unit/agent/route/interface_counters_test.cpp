// Tests of agent/route/interface_counters: window deltas, including a re-created interface.
#include "agent/route/interface_counters.hpp"

#include <gtest/gtest.h>

namespace pathwatch::agent {
namespace {

InterfaceCounters reading(int ifindex, std::uint64_t rx_err, std::uint64_t tx_drop,
                          std::uint64_t changes) {
  InterfaceCounters c;
  c.interface = "primary";
  c.ifindex = ifindex;
  c.present = true;
  c.oper_up = true;
  c.rx_errors = rx_err;
  c.tx_dropped = tx_drop;
  c.link_changes = changes;
  return c;
}

TEST(InterfaceCounters, DeltaOfTheSameInterface) {
  const auto d = counters_delta(reading(3, 10, 100, 2), reading(3, 14, 150, 4));
  EXPECT_EQ(d.rx_errors, 4u);     // 14 - 10
  EXPECT_EQ(d.tx_dropped, 50u);   // 150 - 100
  EXPECT_EQ(d.link_changes, 2u);  // 4 - 2
  EXPECT_TRUE(d.oper_up);
  EXPECT_EQ(d.ifindex, 3);
}

TEST(InterfaceCounters, RecreatedInterfaceCountsFromZero) {
  // ifindex 3 -> 9: the new veth's counters started at 0, so its values are the delta.
  const auto d = counters_delta(reading(3, 10, 100, 2), reading(9, 1, 5, 4));
  EXPECT_EQ(d.rx_errors, 1u);
  EXPECT_EQ(d.tx_dropped, 5u);
  EXPECT_EQ(d.link_changes, 2u);  // the watcher's own count never restarts
}

TEST(InterfaceCounters, CounterGoingBackwardsIsAReset) {
  const auto d = counters_delta(reading(3, 10, 100, 2), reading(3, 4, 120, 2));
  EXPECT_EQ(d.rx_errors, 4u);  // 4 < 10: restarted, not a huge unsigned wrap
  EXPECT_EQ(d.tx_dropped, 20u);
}

}  // namespace
}  // namespace pathwatch::agent
