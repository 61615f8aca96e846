// PeriodicTask: runs at once, stop() does not wait out the period, a throwing run is not fatal.
// No sleeping: the tests wait on promises the job fulfils.
#include "collector/upkeep/periodic_task.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <stdexcept>

namespace pathwatch::collector {
namespace {

TEST(PeriodicTask, RunsAtOnceAndStopsWithoutWaitingOutThePeriod) {
  std::promise<void> ran;
  std::atomic<int> calls{0};
  // An hour between runs: only the first run can happen within this test.
  PeriodicTask task("test", std::chrono::hours{1}, [&] {
    if (calls.fetch_add(1) == 0) ran.set_value();
  });
  task.start();
  ASSERT_EQ(ran.get_future().wait_for(std::chrono::seconds{30}), std::future_status::ready);
  const auto before = std::chrono::steady_clock::now();
  task.stop();
  // stop() wakes the wait: far below the hour (30 s is only a bound for a loaded machine).
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds{30});
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(task.runs(), 1u);
  task.stop();  // idempotent
}

TEST(PeriodicTask, AThrowingRunIsLoggedAndTheNextRunHappens) {
  std::promise<void> second;
  std::atomic<int> calls{0};
  PeriodicTask task("test", std::chrono::milliseconds{1}, [&] {
    const int n = calls.fetch_add(1);
    if (n == 0) throw std::runtime_error("first run fails");
    if (n == 1) second.set_value();
  });
  task.start();
  ASSERT_EQ(second.get_future().wait_for(std::chrono::seconds{30}), std::future_status::ready);
  task.stop();
  EXPECT_GE(calls.load(), 2);
}

TEST(PeriodicTask, StopBeforeStartNeverRuns) {
  std::atomic<int> calls{0};
  PeriodicTask task("test", std::chrono::milliseconds{1}, [&] { ++calls; });
  task.stop();
  task.start();  // after stop(): refused
  task.stop();
  EXPECT_EQ(calls.load(), 0);
}

}  // namespace
}  // namespace pathwatch::collector
