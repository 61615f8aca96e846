// Tests of agent/route/link_state_tracker: link snapshots -> up/down events and counters.
#include "agent/route/link_state_tracker.hpp"

#include <gtest/gtest.h>

namespace pathwatch::agent {
namespace {

using shared::UtcNanos;
using std::chrono::seconds;

const UtcNanos kT0{seconds{1'700'000'000}};

LinkInfo link(const std::string& name, int ifindex, bool up, std::uint64_t rx_errors = 0) {
  LinkInfo l;
  l.name = name;
  l.ifindex = ifindex;
  l.oper_up = up;
  l.rx_errors = rx_errors;
  return l;
}

LinkStateTracker tracker() {
  return LinkStateTracker({{"primary", "primary"}, {"backup", "backup"}});
}

TEST(LinkStateTracker, FirstSnapshotGivesInitialEventsForPresentInterfaces) {
  auto t = tracker();
  // lan is not used by any path: never reported. backup is absent: nothing to report yet.
  const auto events = t.update({link("lan", 2, true), link("primary", 3, true)}, kT0);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].interface, "primary");
  EXPECT_EQ(events[0].path, "primary");
  EXPECT_TRUE(events[0].oper_up);
  EXPECT_TRUE(events[0].initial);
  EXPECT_EQ(events[0].at, kT0);
  EXPECT_FALSE(t.counters("backup").present);
}

TEST(LinkStateTracker, DownAndUpAreTransitions) {
  auto t = tracker();
  t.update({link("primary", 3, true), link("backup", 4, true)}, kT0);
  auto events = t.update({link("primary", 3, false), link("backup", 4, true)}, kT0 + seconds{1});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].interface, "primary");
  EXPECT_FALSE(events[0].oper_up);
  EXPECT_FALSE(events[0].initial);
  EXPECT_TRUE(t.update({link("primary", 3, false), link("backup", 4, true)}, kT0).empty());
  events = t.update({link("primary", 3, true), link("backup", 4, true)}, kT0 + seconds{2});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(events[0].oper_up);
  // Two transitions: down, up.
  EXPECT_EQ(t.counters("primary").link_changes, 2u);
  EXPECT_EQ(t.counters("backup").link_changes, 0u);
}

TEST(LinkStateTracker, VanishedInterfaceIsDownAndItsReturnIsUp) {
  auto t = tracker();
  t.update({link("primary", 3, true)}, kT0);
  auto events = t.update({}, kT0 + seconds{1});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_FALSE(events[0].oper_up);
  EXPECT_FALSE(t.counters("primary").present);
  // Re-created with another ifindex (a new veth): up again.
  events = t.update({link("primary", 11, true)}, kT0 + seconds{2});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(events[0].oper_up);
  EXPECT_EQ(t.counters("primary").ifindex, 11);
}

TEST(LinkStateTracker, RecreatedBetweenSnapshotsIsDownThenUp) {
  auto t = tracker();
  t.update({link("primary", 3, true)}, kT0);
  // Deleted and re-created between two reads (notifications coalesced): it was gone.
  const auto events = t.update({link("primary", 12, true)}, kT0 + seconds{1});
  ASSERT_EQ(events.size(), 2u);
  EXPECT_FALSE(events[0].oper_up);
  EXPECT_TRUE(events[1].oper_up);
  EXPECT_EQ(t.counters("primary").link_changes, 2u);
}

TEST(LinkStateTracker, RenamedAwayAndAnotherTakesTheName) {
  auto t = tracker();
  t.update({link("primary", 3, true)}, kT0);
  // ip link set primary name old0: the name now belongs to nobody.
  auto events = t.update({link("old0", 3, true)}, kT0 + seconds{1});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_FALSE(events[0].oper_up);
  // A down interface gets the name: still down, no event.
  events = t.update({link("old0", 3, true), link("primary", 20, false)}, kT0 + seconds{2});
  EXPECT_TRUE(events.empty());
  EXPECT_TRUE(t.counters("primary").present);
  EXPECT_EQ(t.counters("primary").ifindex, 20);
}

TEST(LinkStateTracker, CountersAreTheLastSnapshots) {
  auto t = tracker();
  t.update({link("primary", 3, true, 7)}, kT0);
  const auto c = t.counters("primary");
  EXPECT_EQ(c.interface, "primary");
  EXPECT_TRUE(c.present);
  EXPECT_TRUE(c.oper_up);
  EXPECT_EQ(c.rx_errors, 7u);
  EXPECT_FALSE(t.counters("eth7").present);  // not tracked
}

}  // namespace
}  // namespace pathwatch::agent
