// plan_seq_resume: the first seq of a run is above the seq store's reservation and above the
// spool, and the seqs in between (reserved by a crashed run, never spooled) are reported.
#include "agent/runtime/seq_resume.hpp"

#include <gtest/gtest.h>

namespace pathwatch::agent {
namespace {

TEST(SeqResumeTest, FreshAgentStartsAtOneWithNothingSkipped) {
  const auto r = plan_seq_resume(1, 0);
  EXPECT_EQ(r.first, 1u);
  EXPECT_EQ(r.skipped(), 0u);
}

TEST(SeqResumeTest, CleanStopContinuesExactly) {
  // A clean stop wrote next_seq = 501 after seq 500, the spool's highest.
  const auto r = plan_seq_resume(501, 500);
  EXPECT_EQ(r.first, 501u);
  EXPECT_EQ(r.skipped(), 0u);
}

TEST(SeqResumeTest, CrashResumesAboveTheReservationAndReportsTheUnusedSeqs) {
  // Crash after seq 500 with the reservation at 1 + 1024 = 1025 (SeqStore::kBlock): seqs
  // 501..1024 were never used: 524 of them.
  const auto r = plan_seq_resume(1025, 500);
  EXPECT_EQ(r.first, 1025u);
  EXPECT_EQ(r.skipped_first, 501u);
  EXPECT_EQ(r.skipped_last, 1024u);
  EXPECT_EQ(r.skipped(), 524u);
}

TEST(SeqResumeTest, SpoolAheadOfAnUnsyncedReservationWins) {
  // Power cut: the spool synced event 2000, the seq store's file still says 1025.
  const auto r = plan_seq_resume(1025, 2000);
  EXPECT_EQ(r.first, 2001u);
  EXPECT_EQ(r.skipped(), 0u);
}

}  // namespace
}  // namespace pathwatch::agent
