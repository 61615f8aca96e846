// Tests of agent/route/active_path_detector with hand-made sequences of TTL-limited probe
// results (main office of the lab: dc-rtr answers from 198.18.101.1 over the primary line
// and from 198.18.102.1 over the backup line).
#include "agent/route/active_path_detector.hpp"

#include <gtest/gtest.h>

namespace pathwatch::agent {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const shared::UtcNanos kT0{seconds{1'700'000'000}};
const char* kPrimaryHop = "198.18.101.1";
const char* kBackupHop = "198.18.102.1";

PathConfig as_routed() {
  PathConfig p;
  p.name = "as-routed";
  p.as_routed = true;
  p.line_hops = {{kPrimaryHop, "primary"},
                 {kBackupHop, "backup"},
                 {"fd00:5057:101:0:0:0:0:1", "primary"}};  // non-canonical on purpose
  p.hop_ttl = 2;
  return p;
}

// Probe `seq` is sent at kT0 + seq seconds (interval 1 s).
ProbeResult hop(std::uint64_t seq, const std::string& router) {
  ProbeResult r;
  r.seq = seq;
  r.sent_utc = kT0 + seconds{seq};
  r.outcome = Outcome::kTimeExceeded;
  r.rtt = milliseconds{4};
  r.icmp = IcmpEvidence{router, 11, 0};
  return r;
}

ProbeResult miss(std::uint64_t seq, Outcome outcome = Outcome::kTimeout) {
  ProbeResult r;
  r.seq = seq;
  r.sent_utc = kT0 + seconds{seq};
  r.outcome = outcome;
  return r;
}

class ActivePathDetectorTest : public ::testing::Test {
 protected:
  // Feeds results; returns the events, in order.
  std::vector<RouteChangeEvent> feed(const std::vector<ProbeResult>& results) {
    std::vector<RouteChangeEvent> out;
    for (const auto& r : results) {
      if (auto e = detector_.on_result(r)) out.push_back(*e);
    }
    return out;
  }
  // Establishes "primary" with probes 1 and 2.
  void establish_primary() {
    ASSERT_EQ(feed({hop(1, kPrimaryHop), hop(2, kPrimaryHop)}).size(), 1u);
  }

  ActivePathDetector detector_{"198.18.30.10", as_routed()};
};

TEST_F(ActivePathDetectorTest, TwoAgreeingAnswersDecideTheInitialPath) {
  EXPECT_TRUE(feed({hop(1, kPrimaryHop)}).empty());
  const auto events = feed({hop(2, kPrimaryHop)});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(events[0].initial);
  EXPECT_EQ(events[0].prefix, "198.18.30.10");
  EXPECT_EQ(events[0].from_path, "");
  EXPECT_EQ(events[0].to_path, "primary");
  EXPECT_EQ(events[0].gateway, kPrimaryHop);
  EXPECT_EQ(events[0].source, RouteSource::kHops);
  // Probe 2 was sent at T0+2 s and answered 4 ms later.
  EXPECT_EQ(events[0].at, kT0 + seconds{2} + milliseconds{4});
  EXPECT_EQ(detector_.counters().changes, 0u);
}

TEST_F(ActivePathDetectorTest, FailoverSeenWithinThreeIntervals) {
  establish_primary();
  // Switch at ~T0+10.5 s: probe 10 still went over primary, probe 11 was lost in the switch,
  // probes 12 and 13 come back from the backup line's router.
  const auto events =
      feed({hop(10, kPrimaryHop), miss(11), hop(12, kBackupHop), hop(13, kBackupHop)});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].from_path, "primary");
  EXPECT_EQ(events[0].to_path, "backup");
  EXPECT_EQ(events[0].gateway, kBackupHop);
  EXPECT_FALSE(events[0].initial);
  // Decided at T0+13 s + 4 ms: 2.504 s after the switch, under 3 intervals (3 s).
  EXPECT_EQ(events[0].at, kT0 + seconds{13} + milliseconds{4});
  EXPECT_EQ(detector_.counters().changes, 1u);
  // Failback the same way.
  const auto back = feed({hop(20, kPrimaryHop), hop(21, kPrimaryHop)});
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].from_path, "backup");
  EXPECT_EQ(back[0].to_path, "primary");
}

TEST_F(ActivePathDetectorTest, SingleStrayAnswerIsNotAFailover) {
  establish_primary();
  EXPECT_TRUE(
      feed({hop(3, kBackupHop), hop(4, kPrimaryHop), hop(5, kBackupHop), hop(6, kPrimaryHop)})
          .empty());
  EXPECT_EQ(detector_.path(), "primary");
  EXPECT_EQ(detector_.counters().answers, 6u);  // 2 + 4
}

TEST_F(ActivePathDetectorTest, MissBetweenAgreeingAnswersDoesNotResetTheCount) {
  establish_primary();
  const auto events = feed({hop(3, kBackupHop), miss(4), hop(5, kBackupHop)});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].to_path, "backup");
}

TEST_F(ActivePathDetectorTest, ConfirmOfOneSwitchesOnTheFirstAnswer) {
  ActivePathDetector d("198.18.30.10", as_routed(), {1, std::chrono::seconds{30}});
  auto e = d.on_result(hop(1, kPrimaryHop));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->to_path, "primary");
  e = d.on_result(hop(2, kBackupHop));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->to_path, "backup");
}

TEST_F(ActivePathDetectorTest, UnknownRouterIsItsOwnPath) {
  establish_primary();
  const auto events = feed({hop(3, "198.18.200.1"), hop(4, "198.18.200.1")});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].to_path, "unknown:198.18.200.1");
  EXPECT_EQ(events[0].gateway, "198.18.200.1");
  EXPECT_EQ(detector_.counters().unknown_routers, 2u);
}

// The issue-15 field case: Time Exceeded rate-limited by the router (kernel default 1 a
// second per destination), so most hop probes go unanswered. Missing answers are missing
// evidence: no "no path", no change, the line stays what the last answers named.
TEST_F(ActivePathDetectorTest, RateLimitedAnswersAreNoEvidenceOfNoPath) {
  establish_primary();
  std::vector<ProbeResult> results;
  for (std::uint64_t seq = 3; seq < 29; ++seq) {  // 26 s, one answer in 5
    results.push_back(seq % 5 == 0 ? hop(seq, kPrimaryHop)
                                   : miss(seq, seq % 2 ? Outcome::kTimeout : Outcome::kError));
  }
  EXPECT_TRUE(feed(results).empty());
  EXPECT_EQ(detector_.path(), "primary");
  EXPECT_TRUE(detector_.line_known());
}

// No answer at all for unknown_after (30 s): the line is "unknown", said once, never "".
TEST_F(ActivePathDetectorTest, LongSilenceMakesTheLineUnknown) {
  establish_primary();  // the last answer: probe 2, sent T0+2 s, answered 4 ms later
  std::vector<ProbeResult> silent;
  for (std::uint64_t seq = 3; seq <= 32; ++seq) silent.push_back(miss(seq));
  EXPECT_TRUE(feed(silent).empty());  // probe 32 goes 29.996 s after the last answer
  const auto events = feed({miss(33), miss(34), miss(35, Outcome::kUnreachable)});
  ASSERT_EQ(events.size(), 1u);  // probe 33: 30.996 s >= 30 s
  EXPECT_EQ(events[0].from_path, "primary");
  EXPECT_EQ(events[0].to_path, kUnknownPath);
  EXPECT_EQ(events[0].gateway, "");
  EXPECT_EQ(events[0].at, kT0 + seconds{33});
  EXPECT_FALSE(detector_.line_known());
  // The way back needs 2 agreeing answers, misses between them or not.
  EXPECT_TRUE(feed({hop(40, kBackupHop), miss(41)}).empty());
  const auto back = feed({hop(42, kBackupHop)});
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].from_path, kUnknownPath);
  EXPECT_EQ(back[0].to_path, "backup");
  EXPECT_EQ(detector_.counters().misses, 34u);
}

TEST_F(ActivePathDetectorTest, MissesAroundAnAnswerChangeNothing) {
  establish_primary();
  EXPECT_TRUE(feed({miss(3), miss(4), hop(5, kPrimaryHop), miss(6), miss(7)}).empty());
  EXPECT_EQ(detector_.path(), "primary");
}

// A router that never sends Time Exceeded: after 30 s the initial decision is "unknown".
TEST_F(ActivePathDetectorTest, NoAnswerAtStartIsAnInitialUnknown) {
  std::vector<ProbeResult> results;
  for (std::uint64_t seq = 1; seq <= 40; ++seq) results.push_back(miss(seq));
  const auto events = feed(results);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(events[0].initial);
  EXPECT_EQ(events[0].from_path, "");
  EXPECT_EQ(events[0].to_path, kUnknownPath);
  EXPECT_EQ(events[0].at, kT0 + seconds{31});  // 30 s after the first probe (T0+1 s)
}

// The "(none) -> (none)": a target within hop_ttl answers the probe itself. That is
// no evidence of any line; the detector says so (the runtime logs it once).
TEST_F(ActivePathDetectorTest, TargetWithinHopTtlIsDetectedAndIsNoEvidence) {
  std::vector<ProbeResult> results;
  for (std::uint64_t seq = 1; seq <= 5; ++seq) results.push_back(miss(seq, Outcome::kOk));
  EXPECT_TRUE(feed(results).empty());
  EXPECT_TRUE(detector_.target_within_hop_ttl());
  EXPECT_EQ(detector_.counters().direct_replies, 5u);
  EXPECT_FALSE(detector_.known());
}

TEST_F(ActivePathDetectorTest, DuplicatesLateAndDirectRepliesAreIgnored) {
  establish_primary();
  ProbeResult dup = hop(3, kBackupHop);
  dup.duplicate = true;
  ProbeResult late = hop(4, kBackupHop);
  late.late = true;
  ProbeResult direct = miss(5, Outcome::kOk);
  EXPECT_TRUE(feed({dup, late, direct, hop(6, kBackupHop)}).empty());
  EXPECT_EQ(detector_.counters().ignored, 2u);
  EXPECT_EQ(detector_.counters().direct_replies, 1u);
  EXPECT_EQ(detector_.path(), "primary");
}

TEST_F(ActivePathDetectorTest, TimeExceededWithoutRouterIsAMiss) {
  establish_primary();
  ProbeResult r = hop(3, "");
  EXPECT_TRUE(feed({r}).empty());
  EXPECT_EQ(detector_.counters().misses, 1u);
}

TEST_F(ActivePathDetectorTest, Ipv6RoutersAreMatchedCanonically) {
  ActivePathDetector d("fd00:5057:30::10", as_routed());
  EXPECT_FALSE(d.on_result(hop(1, "fd00:5057:101::1")));
  const auto e = d.on_result(hop(2, "FD00:5057:101:0::1"));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->to_path, "primary");
  EXPECT_EQ(e->gateway, "fd00:5057:101::1");
  EXPECT_EQ(d.counters().unknown_routers, 0u);
}

}  // namespace
}  // namespace pathwatch::agent
