// Decode/validate/dedup/batch with crafted envelope bytes and an in-memory store: each bad
// message is rejected and counted while the good ones keep flowing; acks follow commits.
#include "collector/ingest/ingest_pipeline.hpp"

#include <gtest/gtest.h>

#include "collector/store/memory_store.hpp"
#include "pathwatch/v1/messages.pb.h"
#include "tests/unit/collector/ingest/test_envelopes.hpp"

namespace pathwatch::collector {
namespace {

using namespace std::chrono_literals;
namespace pb = pathwatch::v1;

using testing::kT0;
using testing::span_of;
const shared::UtcNanos kNow = shared::from_unix_nanos(kT0 + 60'000'000'000);

pb::Envelope window_env(const std::string& agent, std::uint64_t seq) {
  return testing::window_envelope(agent, seq);
}

std::string bytes_of(const pb::Envelope& e) {
  return e.SerializeAsString();
}

class PipelineTest : public ::testing::Test {
 protected:
  HandleResult feed(const pb::Envelope& e) { return feed_bytes(bytes_of(e)); }
  HandleResult feed_bytes(const std::string& b) { return pipeline_.handle(span_of(b), kNow); }
  std::uint64_t rejected(RejectReason r) {
    return counters_.rejected[static_cast<std::size_t>(r)].load();
  }

  IngestCounters counters_;
  IngestPipeline pipeline_{IngestOptions{}, counters_};
  MemoryStore store_;
};

TEST_F(PipelineTest, BadMessagesAreRejectedAndCountedWhileGoodOnesFlow) {
  const std::string good = bytes_of(window_env("a1", 1));
  EXPECT_EQ(feed_bytes(good.substr(0, good.size() - 3)).reason,
            RejectReason::kMalformed);  // truncated
  EXPECT_EQ(feed_bytes("\xff\xff\xff\xff garbage").reason, RejectReason::kMalformed);
  EXPECT_EQ(feed_bytes(std::string(64 * 1024 + 1, 'x')).reason, RejectReason::kOversized);
  auto wrong = window_env("a1", 1);
  wrong.set_schema_version(2);
  EXPECT_EQ(feed(wrong).reason, RejectReason::kWrongSchema);
  auto noagent = window_env("", 1);
  EXPECT_EQ(feed(noagent).reason, RejectReason::kMissingAgent);
  auto nosite = window_env("a1", 1);
  nosite.clear_site();
  EXPECT_EQ(feed(nosite).reason, RejectReason::kMissingSite);
  auto nobody = window_env("a1", 1);
  nobody.clear_body();
  EXPECT_EQ(feed(nobody).reason, RejectReason::kMissingBody);
  EXPECT_EQ(feed(window_env("a1", 0)).reason, RejectReason::kZeroSeq);
  auto epoch = window_env("a1", 1);
  epoch.set_created_unix_nanos(0);  // an agent whose clock was never set
  EXPECT_EQ(feed(epoch).reason, RejectReason::kBadTimestamp);
  auto future = window_env("a1", 1);
  future.set_created_unix_nanos(kT0 + 3'600'000'000'000);  // an hour ahead of kNow
  EXPECT_EQ(feed(future).reason, RejectReason::kBadTimestamp);
  auto backwards = window_env("a1", 1);
  backwards.mutable_window()->set_end_unix_nanos(backwards.window().start_unix_nanos() - 1);
  EXPECT_EQ(feed(backwards).reason, RejectReason::kBadWindow);
  // 11 rejects, one per reason above (malformed twice).
  EXPECT_EQ(counters_.rejected_total(), 11u);
  EXPECT_EQ(rejected(RejectReason::kMalformed), 2u);
  // The good message still goes through.
  EXPECT_EQ(feed_bytes(good).outcome, HandleResult::Outcome::kAccepted);
  const auto flushed = pipeline_.flush(store_, kNow);
  ASSERT_TRUE(flushed.ok);
  EXPECT_EQ(flushed.stored, 1u);
  EXPECT_EQ(flushed.acks, (std::vector<Ack>{{"a1", 1}}));
}

TEST_F(PipelineTest, DuplicatesAreDroppedAndReAcked) {
  ASSERT_EQ(feed(window_env("a1", 1)).outcome, HandleResult::Outcome::kAccepted);
  // Same seq again before the commit: in flight, dropped.
  EXPECT_EQ(feed(window_env("a1", 1)).outcome, HandleResult::Outcome::kDuplicate);
  ASSERT_EQ(pipeline_.flush(store_, kNow).acks, (std::vector<Ack>{{"a1", 1}}));
  // After the commit: already stored, dropped, and the ack is repeated at the next flush.
  EXPECT_EQ(feed(window_env("a1", 1)).outcome, HandleResult::Outcome::kDuplicate);
  const auto again = pipeline_.flush(store_, kNow);
  EXPECT_EQ(again.stored, 0u);
  EXPECT_EQ(again.acks, (std::vector<Ack>{{"a1", 1}}));
  EXPECT_EQ(counters_.duplicates.load(), 2u);
  EXPECT_EQ(store_.windows(RowFilter{}).size(), 1u);
}

TEST_F(PipelineTest, GapHoldsTheAckUntilFilled) {
  for (std::uint64_t s : {1, 2, 5}) feed(window_env("a1", s));
  auto r = pipeline_.flush(store_, kNow);
  // 1, 2 contiguous; 3..4 missing: the ack stops at 2 and the gap is recorded.
  EXPECT_EQ(r.acks, (std::vector<Ack>{{"a1", 2}}));
  EXPECT_EQ(counters_.gaps.load(), 1u);
  const auto gaps = store_.gaps(RowFilter{});
  ASSERT_EQ(gaps.size(), 1u);
  EXPECT_EQ(gaps[0].first_seq, 3u);
  EXPECT_EQ(gaps[0].last_seq, 4u);
  // The resend fills the gap: the ack jumps to 5.
  feed(window_env("a1", 3));
  feed(window_env("a1", 4));
  r = pipeline_.flush(store_, kNow);
  EXPECT_EQ(r.acks, (std::vector<Ack>{{"a1", 5}}));
  EXPECT_EQ(store_.agents()[0].through_seq, 5u);
}

TEST_F(PipelineTest, AGapIsGivenUpAfterTheTimeout) {
  feed(window_env("a1", 1));
  feed(window_env("a1", 4));
  EXPECT_EQ(pipeline_.flush(store_, kNow).acks, (std::vector<Ack>{{"a1", 1}}));
  pipeline_.expire_gaps(kNow + 9min);  // default timeout 10 min: still waiting
  EXPECT_EQ(pipeline_.flush(store_, kNow + 9min).acks, std::vector<Ack>{});
  pipeline_.expire_gaps(kNow + 10min);
  EXPECT_EQ(pipeline_.flush(store_, kNow + 10min).acks, (std::vector<Ack>{{"a1", 4}}));
  EXPECT_EQ(counters_.gaps_given_up.load(), 1u);
}

TEST_F(PipelineTest, FailedCommitAcksNothingAndTheResendIsStored) {
  feed(window_env("a1", 1));
  store_.fail_next_commit("disk full");
  const auto failed = pipeline_.flush(store_, kNow);
  EXPECT_FALSE(failed.ok);
  EXPECT_TRUE(failed.acks.empty());
  EXPECT_EQ(counters_.commit_failures.load(), 1u);
  // The agent resends (no ack came): accepted again, stored, acked.
  EXPECT_EQ(feed(window_env("a1", 1)).outcome, HandleResult::Outcome::kAccepted);
  EXPECT_EQ(pipeline_.flush(store_, kNow).acks, (std::vector<Ack>{{"a1", 1}}));
}

TEST_F(PipelineTest, PipelinedCommitAcksAfterItAndOverlapsTheNextBatch) {
  CommitThread committer(store_);
  feed(window_env("a1", 1));
  feed(window_env("a1", 2));
  ASSERT_TRUE(pipeline_.submit(committer, kNow));
  EXPECT_FALSE(pipeline_.submit(committer, kNow));  // one batch in flight at a time
  // Decoding goes on meanwhile: 3 is new, 2 is in flight (not acked yet, not stored twice).
  EXPECT_EQ(feed(window_env("a1", 3)).outcome, HandleResult::Outcome::kAccepted);
  EXPECT_EQ(feed(window_env("a1", 2)).outcome, HandleResult::Outcome::kDuplicate);
  const auto first = pipeline_.collect(committer, kNow, true);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->stored, 2u);  // seqs 1 and 2
  EXPECT_EQ(first->acks, (std::vector<Ack>{{"a1", 2}}));
  ASSERT_TRUE(pipeline_.submit(committer, kNow));
  const auto second = pipeline_.collect(committer, kNow, true);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->acks, (std::vector<Ack>{{"a1", 3}}));
  EXPECT_EQ(store_.windows(RowFilter{}).size(), 3u);  // 1, 2, 3 once each
}

TEST_F(PipelineTest, PipelinedFailedCommitHoldsTheAckUntilTheResend) {
  CommitThread committer(store_);
  feed(window_env("a1", 1));
  store_.fail_next_commit("disk full");
  ASSERT_TRUE(pipeline_.submit(committer, kNow));
  feed(window_env("a1", 2));  // accepted while seq 1's commit is failing
  const auto failed = pipeline_.collect(committer, kNow, true);
  ASSERT_TRUE(failed.has_value());
  EXPECT_FALSE(failed->ok);
  EXPECT_TRUE(failed->acks.empty());
  // Seq 2 commits, but the ack cannot pass the missing 1: no ack for a1 yet.
  ASSERT_TRUE(pipeline_.submit(committer, kNow));
  EXPECT_TRUE(pipeline_.collect(committer, kNow, true)->acks.empty());
  // The agent resends 1 (no ack came): stored; the watermark covers 1 and 2.
  EXPECT_EQ(feed(window_env("a1", 1)).outcome, HandleResult::Outcome::kAccepted);
  ASSERT_TRUE(pipeline_.submit(committer, kNow));
  EXPECT_EQ(pipeline_.collect(committer, kNow, true)->acks, (std::vector<Ack>{{"a1", 2}}));
}

TEST_F(PipelineTest, RestartedCollectorFindsDuplicatesInTheStore) {
  for (std::uint64_t s = 1; s <= 3; ++s) feed(window_env("a1", s));
  ASSERT_TRUE(pipeline_.flush(store_, kNow).ok);
  // A new pipeline over the same store (collector restart), loaded from the store.
  IngestCounters counters;
  IngestPipeline restarted(IngestOptions{}, counters);
  restarted.load(store_);
  const std::string b = bytes_of(window_env("a1", 3));
  EXPECT_EQ(restarted.handle(span_of(b), kNow).outcome, HandleResult::Outcome::kDuplicate);
  const std::string c = bytes_of(window_env("a1", 4));
  EXPECT_EQ(restarted.handle(span_of(c), kNow).outcome, HandleResult::Outcome::kAccepted);
  EXPECT_EQ(restarted.flush(store_, kNow).acks, (std::vector<Ack>{{"a1", 4}}));
}

TEST_F(PipelineTest, DropReportLetsTheAckPassTheDroppedRange) {
  feed(window_env("a1", 1));
  pb::Envelope drop;
  drop.set_schema_version(1);
  drop.set_agent_id("a1");
  drop.set_site("honcho");
  drop.set_seq(10);
  drop.set_created_unix_nanos(kT0);
  drop.mutable_drop_report()->set_first_dropped_seq(2);
  drop.mutable_drop_report()->set_last_dropped_seq(9);
  drop.mutable_drop_report()->set_dropped_summaries(8);
  ASSERT_EQ(feed(drop).outcome, HandleResult::Outcome::kAccepted);
  // 1 stored, 2..9 reported dropped, 10 stored: the ack covers 10.
  EXPECT_EQ(pipeline_.flush(store_, kNow).acks, (std::vector<Ack>{{"a1", 10}}));
  EXPECT_EQ(store_.drop_reports(RowFilter{}).size(), 1u);
}

pb::Envelope drop_env(const std::string& agent, std::uint64_t seq, std::uint64_t first,
                      std::uint64_t last) {
  pb::Envelope drop;
  drop.set_schema_version(1);
  drop.set_agent_id(agent);
  drop.set_site("honcho");
  drop.set_seq(seq);
  drop.set_created_unix_nanos(kT0);
  drop.mutable_drop_report()->set_first_dropped_seq(first);
  drop.mutable_drop_report()->set_last_dropped_seq(last);
  drop.mutable_drop_report()->set_dropped_summaries(last - first + 1);
  return drop;
}

TEST_F(PipelineTest, ADropReportGivesUpNothingWhenItsCommitFails) {
  feed(window_env("a1", 1));
  ASSERT_TRUE(pipeline_.flush(store_, kNow).ok);
  // Seq 5 is live (an event the outbox kept between dropped summaries); the old agent's span
  // 2..9 covers it. The batch holding 5 and the report fails to commit.
  feed(window_env("a1", 5));
  feed(drop_env("a1", 10, 2, 9));
  store_.fail_next_commit("disk full");
  ASSERT_FALSE(pipeline_.flush(store_, kNow).ok);
  // Nothing was given up: the watermark must not pass 5, which was never stored.
  EXPECT_EQ(pipeline_.ledger().through("a1"), 1u);
  // The agent resends both: stored, and now the report's span is given up.
  feed(window_env("a1", 5));
  feed(drop_env("a1", 10, 2, 9));
  EXPECT_EQ(pipeline_.flush(store_, kNow).acks, (std::vector<Ack>{{"a1", 10}}));
  EXPECT_EQ(store_.agents()[0].through_seq, 10u);  // the stored watermark counts them too
  EXPECT_EQ(store_.windows(RowFilter{}).size(), 2u);
}

TEST_F(PipelineTest, ADropReportsRangesGiveUpOnlyTheSeqsDropped) {
  feed(window_env("a1", 1));
  // The outbox dropped 2..3 and 5..9 and kept the event 4, still on its way (throttled, say).
  auto drop = drop_env("a1", 10, 2, 9);
  for (auto [first, last] : {std::pair<std::uint64_t, std::uint64_t>{2, 3}, {5, 9}}) {
    auto* r = drop.mutable_drop_report()->add_dropped_ranges();
    r->set_first(first);
    r->set_last(last);
  }
  ASSERT_EQ(feed(drop).outcome, HandleResult::Outcome::kAccepted);
  // 4 is still awaited: the ack stops at 3 (the span would have passed it: silent loss).
  EXPECT_EQ(pipeline_.flush(store_, kNow).acks, (std::vector<Ack>{{"a1", 3}}));
  EXPECT_EQ(store_.agents()[0].through_seq, 3u);
  EXPECT_EQ(feed(window_env("a1", 4)).outcome, HandleResult::Outcome::kAccepted);
  EXPECT_EQ(pipeline_.flush(store_, kNow).acks, (std::vector<Ack>{{"a1", 10}}));
}

pb::Envelope hello_env(const std::string& agent, std::uint64_t seq, std::uint64_t first_seq,
                       std::uint64_t carried_through) {
  pb::Envelope e;
  e.set_schema_version(1);
  e.set_agent_id(agent);
  e.set_site("honcho");
  e.set_seq(seq);
  e.set_created_unix_nanos(kT0);
  e.mutable_hello()->set_agent_version("test");
  e.mutable_hello()->set_incarnation(42);
  e.mutable_hello()->set_first_seq(first_seq);
  e.mutable_hello()->set_carried_through(carried_through);
  return e;
}

TEST_F(PipelineTest, AHelloGivesUpTheSeqsBelowItsFirstSeqAtOnce) {
  // Run 1 (no spool): seqs 1..3 stored; 4 and 5 were made but lost with the process.
  for (std::uint64_t s : {1, 2, 3}) feed(window_env("a1", s));
  ASSERT_EQ(pipeline_.flush(store_, kNow).acks, (std::vector<Ack>{{"a1", 3}}));
  // Run 2 starts at its clock floor, 1,000,000: "below me, nothing you lack will come".
  ASSERT_EQ(feed(hello_env("a1", 1'000'000, 1'000'000, 0)).outcome,
            HandleResult::Outcome::kAccepted);
  // The ack covers the Hello at once, not after gap_timeout (today: it stops at 3).
  EXPECT_EQ(pipeline_.flush(store_, kNow).acks, (std::vector<Ack>{{"a1", 1'000'000}}));
  EXPECT_TRUE(pipeline_.ledger().open_gaps("a1").empty());
  // Seqs the restart never used are no gap: no 4..999,999 row, nothing counted.
  EXPECT_TRUE(store_.gaps(RowFilter{}).empty());
  EXPECT_EQ(counters_.gaps.load(), 0u);
  // And run 2's next message is new, not a duplicate (its window dated like seq 4's).
  auto next = window_env("a1", 4);
  next.set_seq(1'000'001);
  EXPECT_EQ(feed(next).outcome, HandleResult::Outcome::kAccepted);
  EXPECT_EQ(pipeline_.flush(store_, kNow).acks, (std::vector<Ack>{{"a1", 1'000'001}}));
}

TEST_F(PipelineTest, AHelloKeepsWaitingForWhatTheSpoolCarries) {
  // Run 1 stored 1..3; its spool still holds 4..10 (carried_through 10); run 2 starts at 2049.
  for (std::uint64_t s : {1, 2, 3}) feed(window_env("a1", s));
  ASSERT_TRUE(pipeline_.flush(store_, kNow).ok);
  feed(hello_env("a1", 2049, 2049, 10));
  // 11..2048 given up; 4..10 still awaited: the ack stays at 3.
  EXPECT_EQ(pipeline_.flush(store_, kNow).acks, (std::vector<Ack>{{"a1", 3}}));
  EXPECT_EQ(pipeline_.ledger().open_gaps("a1"),
            (std::vector<std::pair<std::uint64_t, std::uint64_t>>{{4, 10}}));
  // The spooled ones arrive after the Hello: stored, and the ack jumps past the given-up run.
  for (std::uint64_t s = 4; s <= 10; ++s) {
    EXPECT_EQ(feed(window_env("a1", s)).outcome, HandleResult::Outcome::kAccepted);
  }
  EXPECT_EQ(pipeline_.flush(store_, kNow).acks, (std::vector<Ack>{{"a1", 2049}}));
}

TEST_F(PipelineTest, AHelloGivesUpWhatIsBelowTheAgentsLowestKeptSeq) {
  // A new agent (never seen) whose first run never reached the collector: its spool still
  // holds 1,000..1,010 and it lost 900..999 (reported separately). The Hello (5,000) says the
  // lowest seq it holds is 1,000: 1..999 will never come.
  auto hello = hello_env("a1", 5'000, 5'000, 1'010);
  hello.mutable_hello()->set_lowest_kept_seq(1'000);
  feed(hello);
  // Given up once the Hello is committed: the ack covers 1..999 only.
  EXPECT_EQ(pipeline_.flush(store_, kNow).acks, (std::vector<Ack>{{"a1", 999}}));
  EXPECT_EQ(pipeline_.ledger().open_gaps("a1"),
            (std::vector<std::pair<std::uint64_t, std::uint64_t>>{{1'000, 1'010}}));
  for (std::uint64_t s = 1'000; s <= 1'010; ++s) {
    auto w = window_env("a1", 4);
    w.set_seq(s);
    EXPECT_EQ(feed(w).outcome, HandleResult::Outcome::kAccepted);
  }
  // 1..999 given up, 1,000..1,010 stored, 1,011..4,999 given up (carried_through, first_seq).
  EXPECT_EQ(pipeline_.flush(store_, kNow).acks, (std::vector<Ack>{{"a1", 5'000}}));
}

TEST_F(PipelineTest, ANewAgentsHelloRecordsNoGapBelowItsFirstSeq) {
  // A new agent numbers from its clock floor; its Hello is the first thing it sends.
  const std::uint64_t floor = 1'700'000'000'000'000;
  auto hello = hello_env("a1", floor, floor, 0);
  hello.mutable_hello()->set_lowest_kept_seq(floor);
  feed(hello);
  EXPECT_EQ(pipeline_.flush(store_, kNow).acks, (std::vector<Ack>{{"a1", floor}}));
  EXPECT_TRUE(store_.gaps(RowFilter{}).empty());
  EXPECT_EQ(counters_.gaps.load(), 0u);
}

TEST_F(PipelineTest, AHelloRecordsTheGapItDoesNotGiveUp) {
  // Run 1 stored 1..3 and its spool still holds 4..10; run 2 says Hello at 2,049: 4..10 is a
  // real gap (awaited), 11..2,048 is not.
  for (std::uint64_t s : {1, 2, 3}) feed(window_env("a1", s));
  ASSERT_TRUE(pipeline_.flush(store_, kNow).ok);
  feed(hello_env("a1", 2049, 2049, 10));
  ASSERT_TRUE(pipeline_.flush(store_, kNow).ok);
  const auto gaps = store_.gaps(RowFilter{});
  ASSERT_EQ(gaps.size(), 1u);
  EXPECT_EQ(gaps[0].first_seq, 4u);
  EXPECT_EQ(gaps[0].last_seq, 10u);
}

TEST_F(PipelineTest, AHelloClaimingAFirstSeqAboveItsOwnSeqGivesUpNothing) {
  feed(window_env("a1", 1));
  ASSERT_TRUE(pipeline_.flush(store_, kNow).ok);
  feed(hello_env("a1", 5, 1'000, 0));  // inconsistent: ignored for the ledger
  EXPECT_EQ(pipeline_.flush(store_, kNow).acks, (std::vector<Ack>{{"a1", 1}}));
}

TEST_F(PipelineTest, ASeqAboveTheClockFloorsReachIsRejected) {
  // The highest seq any agent's clock floor can have reached by kNow, with headroom.
  const std::uint64_t limit = max_seq(kNow, DecodeLimits{});
  EXPECT_EQ(limit, static_cast<std::uint64_t>((kT0 + 60'000'000'000 + 300'000'000'000) / 1000) +
                       (std::uint64_t{1} << 40));
  for (const std::uint64_t seq :
       {limit + 1, std::uint64_t{1} << 53, std::uint64_t{1} << 63, ~std::uint64_t{0}}) {
    auto w = window_env("a1", 1);
    w.set_seq(seq);
    const auto r = feed(w);
    EXPECT_EQ(r.reason, RejectReason::kBadSeq) << seq;
    EXPECT_FALSE(r.gave_up);  // a seq no agent can use must not move the watermark
  }
  EXPECT_EQ(rejected(RejectReason::kBadSeq), 4u);
  EXPECT_STREQ(to_string(RejectReason::kBadSeq), "bad_seq");
  auto w = window_env("a1", 1);
  w.set_seq(limit);
  EXPECT_EQ(feed(w).outcome, HandleResult::Outcome::kAccepted);
  EXPECT_EQ(pipeline_.flush(store_, kNow).acks, std::vector<Ack>{});  // 1..limit-1 awaited
}

TEST_F(PipelineTest, AHellosSeqFieldsAboveTheLimitAreIgnored) {
  feed(window_env("a1", 1));
  ASSERT_TRUE(pipeline_.flush(store_, kNow).ok);
  const std::uint64_t huge = ~std::uint64_t{0};
  auto hello = hello_env("a1", 5, 5, huge);  // carried_through + 1 would wrap to 0
  hello.mutable_hello()->set_lowest_kept_seq(huge);
  feed(hello);
  ASSERT_TRUE(pipeline_.flush(store_, kNow).ok);
  const auto hellos = store_.hellos(RowFilter{});
  ASSERT_EQ(hellos.size(), 1u);
  EXPECT_EQ(hellos[0].carried_through, 0u);
  EXPECT_EQ(hellos[0].lowest_kept_seq, 0u);
  // carried_through read as 0: 2..4 given up below first_seq 5.
  EXPECT_EQ(pipeline_.ledger().through("a1"), 5u);
}

TEST_F(PipelineTest, ARestartReusingStoredSeqsIsCountedAndTold) {
  // Run 1 (incarnation 42): Hello at 100, then 101..103, all stored.
  feed(hello_env("a1", 100, 100, 0));
  for (std::uint64_t s = 101; s <= 103; ++s) {
    auto w = window_env("a1", 1);
    w.set_seq(s);
    feed(w);
  }
  ASSERT_EQ(pipeline_.flush(store_, kNow).acks, (std::vector<Ack>{{"a1", 103}}));
  // The same run says Hello again (a reconnect): nothing to tell.
  auto again = hello_env("a1", 104, 100, 0);
  const std::string b1 = bytes_of(again);
  EXPECT_TRUE(pipeline_.handle_frame(span_of(b1), kNow).rejects.empty());
  // Run 2 (incarnation 43) without a spool, its clock stepped back: it numbers from 50.
  auto stepped = hello_env("a1", 50, 50, 0);
  stepped.mutable_hello()->set_incarnation(43);
  const std::string b2 = bytes_of(stepped);
  const FrameResult r = pipeline_.handle_frame(span_of(b2), kNow);
  EXPECT_EQ(r.duplicates, 1u);  // discarded as before: seq 50 is below the watermark
  EXPECT_EQ(r.rejects,
            (std::vector<RejectedSeqs>{{"a1", 50, 103, RejectReason::kSeqReused, false}}));
  EXPECT_EQ(rejected(RejectReason::kSeqReused), 1u);
  EXPECT_STREQ(to_string(RejectReason::kSeqReused), "seq_reused");
  // Its resent Hello (same incarnation) is not told again.
  EXPECT_TRUE(pipeline_.handle_frame(span_of(b2), kNow).rejects.empty());
}

TEST_F(PipelineTest, SessionsSplitOnSilence) {
  // Windows at 10 s steps: seq 1..3, then seq 20 (window [+190 s, +200 s)) comes 160 s after
  // seq 3's end, more than the 60 s silence: a new session.
  for (std::uint64_t s : {1, 2, 3, 20}) feed(window_env("a1", s));
  ASSERT_TRUE(pipeline_.flush(store_, kNow + 1h).ok);
  const auto sessions = store_.sessions(RowFilter{});
  ASSERT_EQ(sessions.size(), 2u);
  // First: from the first window's start (seq 1 created kT0+10s, start kT0) to seq 3's end.
  EXPECT_EQ(shared::to_unix_nanos(sessions[0].first), kT0);
  EXPECT_EQ(shared::to_unix_nanos(sessions[0].last), kT0 + 30'000'000'000);
}

}  // namespace
}  // namespace pathwatch::collector
