// Kernel receive stamps mapped onto the monotonic clock, including clock steps.
#include "agent/probe/receive_time.hpp"

#include <gtest/gtest.h>

#include "shared/time/clock.hpp"

namespace pathwatch::agent {
namespace {

using namespace std::chrono_literals;

TEST(ReceiveTime, ArrivalIsReadTimeMinusQueueDelay) {
  shared::ManualClock clock(shared::from_unix_nanos(1'790'000'000'000'000'000));
  const shared::UtcNanos stamp = clock.utc_now();
  clock.advance(40us);  // the packet waited 40 us in the socket before we read it
  EXPECT_EQ(arrival_mono(stamp, clock.utc_now(), clock.mono_now(), 10s), clock.mono_now() - 40us);
}

TEST(ReceiveTime, WallClockStepDoesNotSkewRtt) {
  shared::ManualClock clock(shared::from_unix_nanos(1'790'000'000'000'000'000));
  const shared::MonoNanos sent = clock.mono_now();
  clock.advance(300us);
  const shared::UtcNanos stamp = clock.utc_now();  // reply stamped 300 us after the send
  clock.advance(10us);
  // An NTP step of -2 s after the stamp: the wall delay looks negative, so the stamp is not
  // trusted and the read time is used: rtt 310 us, not 300 us - 2 s.
  clock.jump_utc(-2s);
  EXPECT_EQ(arrival_mono(stamp, clock.utc_now(), clock.mono_now(), 10s) - sent, 310us);
  // A +1 h step: delay longer than the 10 s bound, same fallback.
  clock.jump_utc(1h);
  EXPECT_EQ(arrival_mono(stamp, clock.utc_now(), clock.mono_now(), 10s) - sent, 310us);
}

TEST(ReceiveTime, NoStampFallsBackToReadTime) {
  shared::ManualClock clock;
  EXPECT_EQ(arrival_mono(std::nullopt, clock.utc_now(), clock.mono_now(), 10s), clock.mono_now());
}

}  // namespace
}  // namespace pathwatch::agent
