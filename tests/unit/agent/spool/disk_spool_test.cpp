// DiskSpool: order, acknowledgement and restart, torn tails and damaged records, overflow
// (summaries before events, max_bytes kept), disk-full fallback, fsync policy, start-up errors.
#include "agent/spool/disk_spool.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "agent/spool/spool_record.hpp"
#include "shared/time/clock.hpp"
#include "tests/unit/agent/spool/spool_test_support.hpp"

namespace pathwatch::agent {
namespace {

namespace fs = std::filesystem;
using testing::entry;
using testing::FailingFileOps;
using testing::frame_for;
using testing::TempDir;

constexpr std::uint64_t kRecord = 332;  // 32-byte header + 300-byte frame

std::vector<std::uint64_t> seqs(const Outbox& outbox) {
  std::vector<std::uint64_t> out;
  std::uint64_t at = 0;
  for (int i = 0; i < 100'000; ++i) {
    const OutboxEntry* e = outbox.next_after(at);
    if (e == nullptr) break;
    EXPECT_EQ(e->frame, frame_for(e->seq)) << "seq " << e->seq;
    EXPECT_EQ(e->created_unix_nanos, static_cast<std::int64_t>(e->seq) * 1'000'000'000);
    out.push_back(e->seq);
    at = e->seq;
  }
  return out;
}

std::vector<std::uint64_t> range(std::uint64_t first, std::uint64_t last) {
  std::vector<std::uint64_t> out;
  for (std::uint64_t s = first; s <= last; ++s) out.push_back(s);
  return out;
}

std::vector<fs::path> segment_files(const std::string& dir) {
  std::vector<fs::path> out;
  for (const auto& de : fs::directory_iterator(dir)) {
    if (de.path().extension() == ".seg") out.push_back(de.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::uint64_t segment_bytes_on_disk(const std::string& dir) {
  std::uint64_t total = 0;
  for (const auto& p : segment_files(dir)) total += fs::file_size(p);
  return total;
}

class DiskSpoolTest : public ::testing::Test {
 protected:
  DiskSpoolOptions options(std::uint64_t max_bytes = 1 << 20, std::uint64_t segment = 4096) {
    DiskSpoolOptions o;
    o.directory = dir_.spool();
    o.max_bytes = max_bytes;
    o.segment_bytes = segment;
    return o;
  }
  std::unique_ptr<DiskSpool> open(DiskSpoolOptions o) {
    return std::make_unique<DiskSpool>(std::move(o), clock_, ops_);
  }

  TempDir dir_;
  shared::ManualClock clock_;
  FailingFileOps ops_;
};

TEST_F(DiskSpoolTest, NextAfterGivesSeqOrderAcrossSummaryAndEventLogs) {
  auto spool = open(options());
  // Classes interleaved: summaries go to one log, events and control to the other.
  for (std::uint64_t s = 1; s <= 10; ++s) {
    spool->push(entry(s, s % 3 == 0   ? MessageClass::kEvent
                         : s % 5 == 0 ? MessageClass::kControl
                                      : MessageClass::kSummary));
  }
  EXPECT_EQ(seqs(*spool), range(1, 10));
  EXPECT_EQ(spool->next_after(4)->seq, 5u);
  EXPECT_EQ(spool->next_after(6)->message_class, MessageClass::kSummary);  // 7
  EXPECT_EQ(spool->next_after(5)->message_class, MessageClass::kEvent);    // 6
  EXPECT_EQ(spool->next_after(10), nullptr);
  EXPECT_EQ(spool->messages(), 10u);
  EXPECT_EQ(spool->bytes(), 10 * kRecord);
  EXPECT_EQ(spool->highest_seq(), 10u);
}

TEST_F(DiskSpoolTest, AckDeletesSegmentsAndRestartResendsOnlyUnacknowledged) {
  {
    auto spool = open(options());
    for (std::uint64_t s = 1; s <= 40; ++s) spool->push(entry(s));
    spool->ack(25);
    EXPECT_EQ(spool->messages(), 15u);  // 26..40
    EXPECT_EQ(spool->next_after(0)->seq, 26u);
  }
  // 4096-byte segments hold 12 records (12 * 332 = 3984): [1-12] [13-24] [25-36] [37-40];
  // the first two are fully acknowledged and deleted.
  EXPECT_EQ(segment_files(dir_.spool()).size(), 2u);
  auto spool = open(options());
  EXPECT_EQ(spool->acked_through(), 25u);
  EXPECT_EQ(spool->counters().recovered_messages, 15u);
  EXPECT_EQ(seqs(*spool), range(26, 40));
  EXPECT_EQ(spool->disk_bytes(), 16 * kRecord);  // the segment [25-36] is still whole on disk
  EXPECT_EQ(spool->bytes(), 15 * kRecord);
}

// The active segment's index drops acknowledged entries once 1,024 (and half) are (a
// compaction, DiskSpool::compact_index): what the spool gives, counts and recovers is the same.
TEST_F(DiskSpoolTest, AcknowledgedIndexEntriesOfTheActiveSegmentGoWithoutChangingWhatIsSent) {
  // One segment for everything: 4,101 records of 332 bytes (kRecord) = 1,361,532 bytes.
  const auto o = options(8 << 20, 2 << 20);
  {
    auto spool = open(o);
    for (std::uint64_t s = 1; s <= 3000; ++s) spool->push(entry(s));
    spool->ack(2500);  // compacts: 2,500 of 3,000 acknowledged
    EXPECT_EQ(spool->messages(), 500u);
    EXPECT_EQ(spool->bytes(), 500 * kRecord);
    EXPECT_EQ(spool->next_after(0)->seq, 2501u);
    EXPECT_EQ(spool->next_after(2999)->seq, 3000u);
    EXPECT_EQ(spool->next_after(2999)->frame, frame_for(3000));
    for (std::uint64_t s = 3001; s <= 4100; ++s) spool->push(entry(s));
    spool->ack(4100);  // compacts all 1,600 entries but the last, which stays in the index
    EXPECT_EQ(spool->messages(), 0u);
    EXPECT_EQ(spool->next_after(0), nullptr);
    spool->push(entry(4101));
    spool->ack(4050);  // below what was acknowledged: nothing changes
    EXPECT_EQ(seqs(*spool), range(4101, 4101));
    EXPECT_EQ(spool->disk_bytes(), 4101 * kRecord);  // still one segment, whole on disk
  }
  auto spool = open(o);
  EXPECT_EQ(spool->counters().recovered_messages, 1u);
  EXPECT_EQ(seqs(*spool), range(4101, 4101));
  EXPECT_EQ(spool->highest_seq(), 4101u);
}

TEST_F(DiskSpoolTest, HighestSeqSurvivesWhenEverythingWasAcknowledged) {
  {
    auto spool = open(options());
    for (std::uint64_t s = 1; s <= 5; ++s) spool->push(entry(s));
    spool->ack(5);
  }
  auto spool = open(options());
  EXPECT_TRUE(segment_files(dir_.spool()).empty());  // acknowledged: deleted on open
  EXPECT_EQ(spool->messages(), 0u);
  EXPECT_EQ(spool->highest_seq(), 5u);
  EXPECT_EQ(spool->resume_seq(1), 6u);        // the seq store lagged: the spool wins
  EXPECT_EQ(spool->resume_seq(1025), 1025u);  // the seq store's reservation is higher
}

TEST_F(DiskSpoolTest, TornTailIsTruncatedCountedAndAppendingResumes) {
  {
    auto spool = open(options());
    for (std::uint64_t s = 1; s <= 5; ++s) spool->push(entry(s, MessageClass::kEvent));
  }
  const auto files = segment_files(dir_.spool());
  ASSERT_EQ(files.size(), 1u);
  {  // A crash in the middle of writing record 6: its first 100 bytes reached the file.
    std::string rec;
    encode_spool_record(entry(6, MessageClass::kEvent), rec);
    std::ofstream out(files[0], std::ios::app | std::ios::binary);
    out.write(rec.data(), 100);
  }
  auto spool = open(options());
  EXPECT_EQ(spool->counters().torn_tails, 1u);
  EXPECT_EQ(spool->counters().torn_bytes, 100u);
  EXPECT_EQ(spool->counters().corrupt_records, 0u);
  EXPECT_EQ(fs::file_size(files[0]), 5 * kRecord);  // cut back to the last whole record
  spool->push(entry(6, MessageClass::kEvent));
  EXPECT_EQ(seqs(*spool), range(1, 6));
}

TEST_F(DiskSpoolTest, DamagedRecordIsSkippedAndCounted) {
  {
    auto spool = open(options());
    for (std::uint64_t s = 1; s <= 5; ++s) spool->push(entry(s));
  }
  const auto files = segment_files(dir_.spool());
  ASSERT_EQ(files.size(), 1u);
  {  // Flip one byte inside record 3's frame (record 3 starts at 2 * 332).
    std::fstream f(files[0], std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(2 * kRecord + 32 + 10);
    f.put('\x5a' ^ static_cast<char>(frame_for(3)[10]));
  }
  auto spool = open(options());
  EXPECT_EQ(spool->counters().corrupt_records, 1u);
  EXPECT_EQ(spool->counters().corrupt_bytes, kRecord);
  EXPECT_EQ(spool->counters().torn_tails, 0u);
  EXPECT_EQ(seqs(*spool), (std::vector<std::uint64_t>{1, 2, 4, 5}));
}

TEST_F(DiskSpoolTest, OverflowDropsOldestSummarySegmentsBeforeAnyEvent) {
  // 4 records per segment (1328 bytes), 16 records' worth in all (5312 bytes).
  auto spool = open(options(16 * kRecord, 4 * kRecord));
  for (std::uint64_t s = 1; s <= 4; ++s) spool->push(entry(s, MessageClass::kEvent));
  for (std::uint64_t s = 5; s <= 16; ++s) spool->push(entry(s, MessageClass::kSummary));
  EXPECT_EQ(spool->disk_bytes(), 16 * kRecord);  // exactly full, nothing dropped
  EXPECT_TRUE(spool->take_drops().empty());

  // 17 (summary) drops the summary segment [5-8]; events 18..21 fill up again and 21 drops
  // the next summary segment [9-12]; 22 fits.
  spool->push(entry(17, MessageClass::kSummary));
  for (std::uint64_t s = 18; s <= 22; ++s) spool->push(entry(s, MessageClass::kEvent));
  DropTally d = spool->take_drops();
  EXPECT_EQ(d.summaries, 8u);  // 5..12
  EXPECT_EQ(d.events, 0u);
  EXPECT_EQ(d.first_seq, 5u);
  EXPECT_EQ(d.last_seq, 12u);
  EXPECT_EQ(d.first_unix_nanos, 5'000'000'000);
  EXPECT_EQ(d.last_unix_nanos, 12'000'000'000);
  EXPECT_EQ(d.ranges, (SeqRanges{{5, 12}}));
  std::vector<std::uint64_t> kept = range(1, 4);
  for (std::uint64_t s = 13; s <= 22; ++s) kept.push_back(s);
  EXPECT_EQ(seqs(*spool), kept);

  // Events 23..30: 25 drops summaries [13-16], 29 drops [17]; with no summary left, 30 drops
  // the oldest event segment [1-4].
  for (std::uint64_t s = 23; s <= 30; ++s) spool->push(entry(s, MessageClass::kEvent));
  d = spool->take_drops();
  EXPECT_EQ(d.summaries, 5u);  // 13..17
  EXPECT_EQ(d.events, 4u);     // 1..4
  EXPECT_EQ(d.first_seq, 1u);
  EXPECT_EQ(d.last_seq, 17u);
  EXPECT_EQ(d.ranges, (SeqRanges{{1, 4}, {13, 17}}));
  EXPECT_EQ(seqs(*spool), range(18, 30));
  EXPECT_EQ(spool->disk_bytes(), 13 * kRecord);
  EXPECT_LE(segment_bytes_on_disk(dir_.spool()), 16 * kRecord);
  EXPECT_EQ(segment_bytes_on_disk(dir_.spool()), spool->disk_bytes());
  EXPECT_EQ(spool->counters().dropped_segments, 5u);
}

TEST_F(DiskSpoolTest, MaxBytesHoldsUnderALongRunOfMixedMessages) {
  auto spool = open(options(40 * kRecord, 4 * kRecord));
  std::uint64_t summaries = 0, events = 0;
  for (std::uint64_t s = 1; s <= 1000; ++s) {
    const bool event = s % 10 == 0;
    spool->push(entry(s, event ? MessageClass::kEvent : MessageClass::kSummary));
    ASSERT_LE(segment_bytes_on_disk(dir_.spool()), 40 * kRecord) << "after seq " << s;
    const DropTally d = spool->take_drops();
    summaries += d.summaries;
    events += d.events;
  }
  // 100 events (332 * 100 bytes) never fit in 40 records: 100 - kept ones are dropped, and
  // every message is either kept or tallied.
  EXPECT_EQ(spool->messages() + summaries + events, 1000u);
  EXPECT_EQ(spool->next_after(999)->seq, 1000u);  // the newest is never dropped
}

TEST_F(DiskSpoolTest, DiskFullKeepsMessagesInMemoryAndMovesThemBackWhenSpaceReturns) {
  auto o = options();
  o.retry_interval = std::chrono::seconds{1};
  {
    auto spool = open(o);
    for (std::uint64_t s = 1; s <= 3; ++s) spool->push(entry(s));
    ops_.fail_errno = ENOSPC;
    for (std::uint64_t s = 4; s <= 6; ++s) spool->push(entry(s, MessageClass::kEvent));
    // 4 failed on disk; 5 and 6 did not try again within the retry interval.
    EXPECT_EQ(spool->counters().write_errors, 1u);
    EXPECT_EQ(spool->memory_messages(), 3u);
    EXPECT_EQ(seqs(*spool), range(1, 6));
    clock_.advance(std::chrono::seconds{1});
    spool->push(entry(7));  // retries, still full
    EXPECT_EQ(spool->counters().write_errors, 2u);
    EXPECT_EQ(spool->memory_messages(), 4u);

    ops_.fail_errno = 0;
    spool->push(entry(8));  // within the retry interval: stays behind the others in memory
    EXPECT_EQ(spool->memory_messages(), 5u);
    clock_.advance(std::chrono::seconds{1});
    spool->push(entry(9));  // 4..8 move to disk, then 9 is written
    EXPECT_EQ(spool->memory_messages(), 0u);
    EXPECT_EQ(spool->counters().moved_to_disk, 5u);
    EXPECT_EQ(spool->counters().memory_pushes, 5u);  // 4, 5, 6, 7, 8
    EXPECT_EQ(seqs(*spool), range(1, 9));
    spool->ack(2);
  }
  auto spool = open(o);
  EXPECT_EQ(seqs(*spool), range(3, 9));
}

// The state file keeps only the span of what the last run lost; the span may hold events kept
// on disk between dropped summary segments, which the next run's DropReport must not give up.
TEST_F(DiskSpoolTest, TheNextRunReportsExactlyTheSeqsLostNotTheEventsKeptBetween) {
  auto o = options(16 * kRecord, 4 * kRecord);
  {
    auto spool = open(o);
    for (std::uint64_t s = 1; s <= 4; ++s) spool->push(entry(s, MessageClass::kSummary));
    spool->push(entry(5, MessageClass::kEvent));
    for (std::uint64_t s = 6; s <= 9; ++s) spool->push(entry(s, MessageClass::kSummary));
    // Events 10..21: 17 drops the summary segment [1-4], 21 the one of [6-9]; 5 stays.
    for (std::uint64_t s = 10; s <= 21; ++s) spool->push(entry(s, MessageClass::kEvent));
    EXPECT_EQ(spool->drops_pending(), 8u);
  }  // stopped before the episode's DropReport
  auto spool = open(o);
  const DropTally d = spool->take_drops();
  EXPECT_EQ(d.summaries, 8u);
  EXPECT_EQ(d.first_seq, 1u);
  EXPECT_EQ(d.last_seq, 9u);
  EXPECT_EQ(d.ranges, (SeqRanges{{1, 4}, {6, 9}}));
  const auto kept = seqs(*spool);
  ASSERT_FALSE(kept.empty());
  EXPECT_EQ(kept.front(), 5u);
}

TEST_F(DiskSpoolTest, MemoryFallbackIsBoundedAndItsDropsAreTallied) {
  auto o = options();
  o.memory_fallback_messages = 2;
  auto spool = open(o);
  ops_.fail_errno = EIO;
  for (std::uint64_t s = 1; s <= 5; ++s) spool->push(entry(s));
  EXPECT_EQ(spool->memory_messages(), 2u);  // 4, 5
  EXPECT_EQ(spool->drops_pending(), 3u);
  // While messages wait in memory a DropReport would wait there too (and die with them at a
  // stop): the drops stay pending, counted in lost_if_stopped() with what is in memory.
  EXPECT_TRUE(spool->take_drops().empty());
  EXPECT_EQ(spool->lost_if_stopped().summaries, 5u);
  ops_.fail_errno = 0;
  clock_.advance(std::chrono::seconds{1});
  spool->push(entry(6));  // the disk works again: 4, 5 move to disk, then 6
  EXPECT_EQ(spool->memory_messages(), 0u);
  const DropTally d = spool->take_drops();
  EXPECT_EQ(d.summaries, 3u);  // 1..3, oldest first
  EXPECT_EQ(d.first_seq, 1u);
  EXPECT_EQ(d.last_seq, 3u);
  EXPECT_EQ(seqs(*spool), range(4, 6));
}

// The tester's case: a clean stop while the disk is full lost what waited in memory and the
// next run reported 0 lost. Now the state file (rewritten in place, which a full disk allows)
// carries the count, and the next run's first take_drops() reports it.
TEST_F(DiskSpoolTest, CleanStopWithTheDiskFullReportsWhatMemoryLostInTheNextRun) {
  auto o = options();
  {
    auto spool = open(o);
    for (std::uint64_t s = 1; s <= 3; ++s) spool->push(entry(s));
    ops_.fail_errno = ENOSPC;
    spool->push(entry(4));
    spool->push(entry(5, MessageClass::kEvent));
    spool->push(entry(6));
    EXPECT_EQ(spool->memory_messages(), 3u);
  }                      // clean stop, disk still full: 4, 5, 6 are lost
  auto spool = open(o);  // still full: the state file is rewritten in place
  EXPECT_EQ(spool->counters().lost_by_previous_run, 3u);
  EXPECT_EQ(spool->highest_seq(), 6u);
  EXPECT_EQ(seqs(*spool), range(1, 3));
  ops_.fail_errno = 0;
  const DropTally d = spool->take_drops();
  EXPECT_EQ(d.summaries, 2u);  // 4 and 6
  EXPECT_EQ(d.events, 1u);     // 5
  EXPECT_EQ(d.first_seq, 4u);
  EXPECT_EQ(d.last_seq, 6u);
  EXPECT_EQ(d.first_unix_nanos, 4'000'000'000);
  EXPECT_EQ(d.last_unix_nanos, 6'000'000'000);
  EXPECT_TRUE(spool->take_drops().empty());  // reported once
  spool.reset();
  EXPECT_TRUE(open(o)->take_drops().empty());  // and not again by the run after
}

// The next run starts while the disk is still full: the DropReport for the previous run's
// losses cannot be written. Queued in memory it would die at the next stop with its counts;
// instead the counts stay in the tally, and the report's own seq is counted as dropped.
TEST_F(DiskSpoolTest, ADropReportThatCannotBeWrittenKeepsItsCounts) {
  auto o = options();
  {
    auto spool = open(o);
    spool->push(entry(1));
    ops_.fail_errno = ENOSPC;
    spool->push(entry(2));
    spool->push(entry(3));
  }  // clean stop, full: 2 and 3 lost
  auto spool = open(o);
  const DropTally d = spool->take_drops();
  ASSERT_EQ(d.summaries, 2u);
  spool->push(entry(4, MessageClass::kControl));  // the DropReport: cannot be written
  EXPECT_EQ(spool->memory_messages(), 0u);        // not queued to die in memory
  const DropTally kept = spool->lost_if_stopped();
  EXPECT_EQ(kept.summaries, 2u);
  EXPECT_EQ(kept.events, 1u);  // the report itself
  EXPECT_EQ(kept.first_seq, 2u);
  EXPECT_EQ(kept.last_seq, 4u);
  spool.reset();  // and across another stop
  ops_.fail_errno = 0;
  const DropTally next = open(o)->take_drops();
  EXPECT_EQ(next.summaries, 2u);
  EXPECT_EQ(next.events, 1u);
}

TEST_F(DiskSpoolTest, SigkillWithTheDiskFullReportsMemoryAndOverflowLossesInTheNextRun) {
  auto o = options();
  o.memory_fallback_messages = 4;
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto spool = open(o);
    for (std::uint64_t s = 1; s <= 3; ++s) spool->push(entry(s));
    ops_.fail_errno = ENOSPC;
    // 4..13 into a memory queue of 4: 4..9 dropped, 10..13 waiting.
    for (std::uint64_t s = 4; s <= 13; ++s) spool->push(entry(s));
    ::raise(SIGKILL);  // no destructor, no flush: only what the kernel already has
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status));
  auto spool = open(o);
  EXPECT_EQ(seqs(*spool), range(1, 3));
  EXPECT_EQ(spool->highest_seq(), 13u);
  const DropTally d = spool->take_drops();
  EXPECT_EQ(d.summaries, 10u);  // 4..13: every message that never reached the disk
  EXPECT_EQ(d.first_seq, 4u);
  EXPECT_EQ(d.last_seq, 13u);
}

TEST_F(DiskSpoolTest, ShortWriteIsCutBackSoNoTornRecordRemains) {
  {
    auto spool = open(options());
    spool->push(entry(1));
    spool->push(entry(2));
    ops_.short_writes = 1;
    spool->push(entry(3));  // half written, then cut back; kept in memory
    EXPECT_EQ(spool->memory_messages(), 1u);
    clock_.advance(std::chrono::seconds{1});
    spool->push(entry(4));
    EXPECT_EQ(spool->memory_messages(), 0u);
  }
  auto spool = open(options());
  EXPECT_EQ(spool->counters().torn_tails, 0u);
  EXPECT_EQ(spool->counters().corrupt_records, 0u);
  EXPECT_EQ(seqs(*spool), range(1, 4));
}

TEST_F(DiskSpoolTest, EventsAreSyncedBeforePushReturnsSummariesWithinTheInterval) {
  auto spool = open(options());
  const int base = ops_.datasyncs;  // opening wrote the state file durably
  spool->push(entry(1, MessageClass::kSummary));
  EXPECT_EQ(ops_.datasyncs, base);  // written, not yet synced
  spool->push(entry(2, MessageClass::kEvent));
  EXPECT_EQ(ops_.datasyncs, base + 2);  // both logs: nothing older than an event is lost
  spool->push(entry(3, MessageClass::kSummary));
  spool->sync_due();
  EXPECT_EQ(ops_.datasyncs, base + 2);  // < 1 s since the last sync
  clock_.advance(std::chrono::seconds{1});
  spool->sync_due();
  EXPECT_EQ(ops_.datasyncs, base + 3);  // the summary log
}

TEST_F(DiskSpoolTest, UnusableDirectoriesAreStartUpErrors) {
  {  // a regular file
    std::ofstream(dir_.path() + "/file") << "x";
    auto o = options();
    o.directory = dir_.path() + "/file";
    EXPECT_THROW(open(o), SpoolStartError);
  }
  {  // group writable
    const std::string d = dir_.path() + "/shared";
    fs::create_directory(d);
    ::chmod(d.c_str(), 0770);
    auto o = options();
    o.directory = d;
    EXPECT_THROW(open(o), SpoolStartError);
  }
  {  // already used by another spool
    auto first = open(options());
    EXPECT_THROW(open(options()), SpoolStartError);
  }
  auto again = open(options());  // the lock went with the first spool
  EXPECT_EQ(again->messages(), 0u);
}

TEST_F(DiskSpoolTest, NewDirectoryIsPrivate) {
  auto spool = open(options());
  struct stat st;
  ASSERT_EQ(::stat(dir_.spool().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

}  // namespace
}  // namespace pathwatch::agent
