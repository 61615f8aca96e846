// The engine's single deadline timer: the earliest armed instant wins, and nothing fires
// after the timer is gone. Instants are "now" on a manual clock, so nothing waits.
#include "agent/probe/deadline_timer.hpp"

#include <gtest/gtest.h>

namespace pathwatch::agent {
namespace {

using namespace std::chrono_literals;

TEST(DeadlineTimer, EarlierInstantReplacesLaterOne) {
  boost::asio::io_context io;
  shared::ManualClock clock;
  int fired = 0;
  DeadlineTimer timer(io, clock, [&] { ++fired; });
  timer.arm(clock.mono_now() + 1h);  // would need an hour of real time
  timer.arm(clock.mono_now());       // due now: replaces the hour
  timer.arm(clock.mono_now() + 2h);  // later than what is armed: ignored
  io.run_for(1s);                    // returns as soon as the due handler ran (no work left)
  EXPECT_EQ(fired, 1);
}

TEST(DeadlineTimer, NeverFiresAfterDestruction) {
  boost::asio::io_context io;
  shared::ManualClock clock;
  int fired = 0;
  {
    DeadlineTimer timer(io, clock, [&] { ++fired; });
    timer.arm(clock.mono_now());
  }
  io.run_for(1s);
  EXPECT_EQ(fired, 0);
}

TEST(DeadlineTimer, RearmsFromInsideTheCallback) {
  boost::asio::io_context io;
  shared::ManualClock clock;
  int fired = 0;
  std::unique_ptr<DeadlineTimer> timer;
  timer = std::make_unique<DeadlineTimer>(io, clock, [&] {
    if (++fired < 3) timer->arm(clock.mono_now());  // as engines do with the next deadline
  });
  timer->arm(clock.mono_now());
  io.run_for(1s);
  EXPECT_EQ(fired, 3);
}

TEST(DeadlineTimer, CoalescingRoundsUpToTheGrid) {
  boost::asio::io_context io;
  shared::ManualClock clock;  // monotonic 0: on every grid
  int fired = 0;
  DeadlineTimer timer(
      io, clock, [&] { ++fired; }, 1h);
  timer.arm(clock.mono_now());  // 0 is a multiple of 1 h: due now
  io.poll();                    // runs what is ready, never waits
  EXPECT_EQ(fired, 1);
  io.restart();
  timer.arm(clock.mono_now() + 1ns);    // rounds up to 1 h: not due
  timer.arm(clock.mono_now() + 30min);  // same grid step: shares that wake-up
  io.poll();
  EXPECT_EQ(fired, 1);
}

}  // namespace
}  // namespace pathwatch::agent
