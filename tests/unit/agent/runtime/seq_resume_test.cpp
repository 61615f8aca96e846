// plan_seq_resume: the first seq of a run is above the seq store's reservation and above the
// spool, or above the clock floor when no reservation can be trusted.
#include "agent/runtime/seq_resume.hpp"

#include <gtest/gtest.h>

namespace pathwatch::agent {
namespace {

using namespace std::chrono_literals;

// 2023-11-14T22:13:20Z = 1,700,000,000 s: the clock floor is 1,700,000,000,000,000 µs.
const shared::UtcNanos kNow = shared::from_unix_nanos(1'700'000'000'000'000'000);
constexpr std::uint64_t kFloor = 1'700'000'000'000'000;

TEST(SeqResumeTest, CleanStopContinuesExactly) {
  // A clean stop wrote next_seq = 501 after seq 500, the spool's highest.
  const auto r = plan_seq_resume({501, 500, kNow});
  EXPECT_EQ(r.first, 501u);
  EXPECT_EQ(r.carried_through, 500u);
  EXPECT_FALSE(r.from_clock);
}

TEST(SeqResumeTest, CrashResumesAtTheReservation) {
  // Crash after seq 500 with the reservation at 1 + 1024 = 1025 (SeqStore::kBlock): the Hello
  // tells the collector that 501..1024 will never come (carried_through 500, first 1025).
  const auto r = plan_seq_resume({1025, 500, kNow});
  EXPECT_EQ(r.first, 1025u);
  EXPECT_EQ(r.carried_through, 500u);
}

TEST(SeqResumeTest, SpoolAheadOfTheReservationWins) {
  const auto r = plan_seq_resume({1025, 2000, kNow});
  EXPECT_EQ(r.first, 2001u);
}

TEST(SeqResumeTest, WithoutAReservationTheClockFloorIsUsed) {
  // No spool at all: microseconds since the epoch.
  const auto r = plan_seq_resume({std::nullopt, 0, kNow});
  EXPECT_EQ(r.first, kFloor);
  EXPECT_EQ(r.carried_through, 0u);
  EXPECT_TRUE(r.from_clock);
}

TEST(SeqResumeTest, ALaterRunWithoutASpoolStartsAboveEverythingAnEarlierOneUsed) {
  // Run 1 starts at kFloor and makes 10 messages a second for an hour (36,000 seqs, far
  // below the 3.6e9 µs that pass): run 2, an hour later, starts above its last seq.
  const auto run1 = plan_seq_resume({std::nullopt, 0, kNow});
  const std::uint64_t run1_last = run1.first + 36'000 - 1;
  const auto run2 = plan_seq_resume({std::nullopt, 0, kNow + 1h});
  EXPECT_GT(run2.first, run1_last);
  EXPECT_EQ(run2.first, kFloor + 3'600'000'000);
}

TEST(SeqResumeTest, TheClockFloorNeverGoesBelowTheSpool) {
  // A torn next_seq file, a spool that held seqs above the floor (a clock stepped back).
  const auto r = plan_seq_resume({std::nullopt, kFloor + 5, kNow});
  EXPECT_EQ(r.first, kFloor + 6);
  EXPECT_FALSE(r.from_clock);
}

TEST(SeqResumeTest, AClockBefore1970StillGivesAPositiveSeq) {
  EXPECT_EQ(clock_seq_floor(shared::UtcNanos{}), 1u);
  EXPECT_EQ(clock_seq_floor(shared::from_unix_nanos(-5)), 1u);
}

}  // namespace
}  // namespace pathwatch::agent
