// Flood limits with time driven by hand: each sender has its own message and byte buckets, a
// flood throttles only its sender, buckets refill at the configured rate, memory stays bounded.
#include "collector/ingest/ingest_limits.hpp"

#include <gtest/gtest.h>

#include <string>

namespace pathwatch::collector {
namespace {

using namespace std::chrono_literals;

const shared::MonoNanos kT0{std::chrono::hours{1}};

FloodLimits small_limits() {
  FloodLimits l;
  l.messages_per_second = 10;
  l.burst_messages = 20;
  l.bytes_per_second = 10'000;
  l.burst_bytes = 20'000;
  return l;
}

TEST(IngestLimiterTest, BurstThenRateForMessages) {
  IngestLimiter limiter(small_limits());
  // Burst 20: the first 20 frames at one instant pass, the 21st is dropped.
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(limiter.admit("flooder", 10, kT0), Admission::kAdmitted) << i;
  }
  EXPECT_EQ(limiter.admit("flooder", 10, kT0), Admission::kOverMessageRate);
  // 0.5 s at 10 msg/s refills 5 tokens: 5 more pass, the 6th is dropped.
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(limiter.admit("flooder", 10, kT0 + 500ms), Admission::kAdmitted) << i;
  }
  EXPECT_EQ(limiter.admit("flooder", 10, kT0 + 500ms), Admission::kOverMessageRate);
  EXPECT_EQ(limiter.counters().admitted.load(), 25u);
  EXPECT_EQ(limiter.counters().throttled_messages.load(), 2u);
}

TEST(IngestLimiterTest, ByteRateCountsFrameSizes) {
  IngestLimiter limiter(small_limits());
  // Burst 20,000 bytes: two 9,000-byte frames (18,000) pass, a third would need 27,000.
  EXPECT_EQ(limiter.admit("big", 9'000, kT0), Admission::kAdmitted);
  EXPECT_EQ(limiter.admit("big", 9'000, kT0), Admission::kAdmitted);
  EXPECT_EQ(limiter.admit("big", 9'000, kT0), Admission::kOverByteRate);
  // 2,000 left + 0.8 s * 10,000 B/s = 10,000: enough for 9,000.
  EXPECT_EQ(limiter.admit("big", 9'000, kT0 + 800ms), Admission::kAdmitted);
  // A frame larger than the whole burst can never pass (oversized frames flood nothing).
  EXPECT_EQ(limiter.admit("huge", 20'001, kT0 + 1h), Admission::kOverByteRate);
  EXPECT_EQ(limiter.counters().throttled_bytes.load(), 2u);
}

TEST(IngestLimiterTest, AFloodNeverThrottlesAnotherSender) {
  IngestLimiter limiter(small_limits());
  int good_admitted = 0;
  // 10 s in steps of 100 ms (exactly 1 token at 10 msg/s): the flooder (a binary routing id)
  // sends 1,000 frames per step, the good agent one frame every other step (5/s, half its
  // rate). Expected: all 50 of the good agent's frames pass.
  const std::string flooder("\x01\x02\x00", 3);
  for (int step = 0; step < 100; ++step) {
    const auto now = kT0 + step * 100ms;
    for (int i = 0; i < 1000; ++i) (void)limiter.admit(flooder, 500, now);
    if (step % 2 == 0 && limiter.admit("good", 500, now) == Admission::kAdmitted) {
      ++good_admitted;
    }
  }
  EXPECT_EQ(good_admitted, 50);
  // The flooder got its burst (20) at step 0, then 1 per step for steps 1..99: 119 admitted,
  // the rest of its 100,000 frames dropped.
  EXPECT_EQ(limiter.counters().admitted.load(), 119u + 50u);
  EXPECT_EQ(limiter.counters().throttled_messages.load(), 100'000u - 119u);
}

TEST(IngestLimiterTest, ClockGoingBackAddsNoTokens) {
  IngestLimiter limiter(small_limits());
  for (int i = 0; i < 20; ++i) ASSERT_EQ(limiter.admit("a", 1, kT0), Admission::kAdmitted);
  EXPECT_EQ(limiter.admit("a", 1, kT0 - 10s), Admission::kOverMessageRate);
  EXPECT_EQ(limiter.admit("a", 1, kT0), Admission::kOverMessageRate);
}

TEST(IngestLimiterTest, TableIsBoundedIdleSendersForgottenNewcomersShare) {
  FloodLimits l = small_limits();
  l.max_senders = 3;
  IngestLimiter limiter(l);
  EXPECT_EQ(limiter.admit("a", 1, kT0), Admission::kAdmitted);
  EXPECT_EQ(limiter.admit("b", 1, kT0), Admission::kAdmitted);
  EXPECT_EQ(limiter.admit("c", 1, kT0), Admission::kAdmitted);
  EXPECT_EQ(limiter.tracked_senders(), 3u);
  // Still at kT0 nobody has refilled: "d" is charged to the shared overflow bucket.
  EXPECT_EQ(limiter.admit("d", 1, kT0), Admission::kAdmitted);
  EXPECT_EQ(limiter.tracked_senders(), 3u);
  EXPECT_EQ(limiter.counters().overflow_senders.load(), 1u);
  // 10 s later every bucket is full again (idle): they are forgotten and "e" gets its own.
  EXPECT_EQ(limiter.admit("e", 1, kT0 + 10s), Admission::kAdmitted);
  EXPECT_EQ(limiter.tracked_senders(), 1u);
}

TEST(IngestLimiterTest, DisabledAdmitsEverything) {
  FloodLimits l = small_limits();
  l.enabled = false;
  IngestLimiter limiter(l);
  for (int i = 0; i < 1000; ++i)
    ASSERT_EQ(limiter.admit("a", 1'000'000, kT0), Admission::kAdmitted);
}

TEST(IngestLimiterTest, PrintableSenderHexesBinaryAndCutsLength) {
  EXPECT_EQ(printable_sender("agent-1"), "agent-1");
  EXPECT_EQ(printable_sender(std::string("\x00\x8b\x45", 3)), "0x008b45");
  EXPECT_EQ(printable_sender(""), "0x");
  // 100 printable characters: the first 64 and an ellipsis.
  EXPECT_EQ(printable_sender(std::string(100, 'k')), std::string(64, 'k') + "…");
}

TEST(FloodLimitsConfigTest, ParsesEveryKey) {
  const auto root = shared::ConfigNode::load_string(
      "enabled: true\nmessages_per_second: 300\nburst_messages: 900\nbytes_per_second: 1MiB\n"
      "burst_bytes: 4MiB\nmax_senders: 500\nlog_interval: 30s\n",
      "limits.yaml");
  const FloodLimits l = parse_flood_limits(root);
  EXPECT_TRUE(l.enabled);
  EXPECT_EQ(l.messages_per_second, 300.0);
  EXPECT_EQ(l.burst_messages, 900.0);
  EXPECT_EQ(l.bytes_per_second, 1024.0 * 1024);
  EXPECT_EQ(l.burst_bytes, 4.0 * 1024 * 1024);
  EXPECT_EQ(l.max_senders, 500u);
  EXPECT_EQ(l.log_interval, 30s);
}

TEST(FloodLimitsConfigTest, RejectsUnknownKeysAndZeroRates) {
  EXPECT_THROW(parse_flood_limits(shared::ConfigNode::load_string("msgs_per_sec: 3\n", "l.yaml")),
               shared::ConfigError);
  EXPECT_THROW(
      parse_flood_limits(shared::ConfigNode::load_string("messages_per_second: 0\n", "l.yaml")),
      shared::ConfigError);
}

}  // namespace
}  // namespace pathwatch::collector
