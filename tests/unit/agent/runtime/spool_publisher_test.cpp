// The publisher over the disk spool across a restart, wired as run_agent wires them: what was
// published while the collector was unreachable is sent after the next run's Hello, oldest
// first with its original created time, and the new run's seqs continue above it.
#include <gtest/gtest.h>

#include "agent/publish/publisher.hpp"
#include "agent/publish/seq_store.hpp"
#include "agent/runtime/seq_resume.hpp"
#include "agent/spool/disk_spool.hpp"
#include "tests/unit/agent/publish/fake_transport.hpp"
#include "tests/unit/agent/spool/spool_test_support.hpp"

namespace pathwatch::agent {
namespace {

using namespace std::chrono_literals;
namespace pb = pathwatch::v1;

constexpr std::int64_t kStart = 1'700'000'000'000'000'000;

struct AgentRun {
  explicit AgentRun(const std::string& dir, shared::ManualClock& clock)
      : spool(open_disk_spool(SpoolConfig{dir, 1 << 20}, clock)),
        seq_store(dir, clock),
        resume(plan_seq_resume({seq_store.persisted(), spool->highest_seq(), clock.utc_now()})),
        envelopes("a", "s", clock, resume.first),
        publisher(
            envelopes, *spool, transport, clock, [](pb::Hello&) {}, {},
            [this](std::uint64_t seq) { seq_store.reserve(seq); }) {
    seq_store.start_at(resume.first);
    publisher.start();
  }
  std::uint64_t summary(shared::ManualClock& clock) {
    clock.advance(1s);
    return publisher.publish(MessageClass::kSummary,
                             [](pb::Envelope& e) { e.mutable_window()->set_sent(1); });
  }

  DiskSpoolPtr spool;
  SeqStore seq_store;
  SeqResume resume;
  EnvelopeFactory envelopes;
  testing::FakeTransport transport;
  Publisher publisher;
};

TEST(SpoolPublisherTest, CrashWhileDisconnectedThenDeliverAfterRestart) {
  testing::TempDir tmp;
  shared::ManualClock clock{shared::from_unix_nanos(kStart)};
  std::vector<std::int64_t> created;
  std::uint64_t f = 0;  // the first run's first seq: the clock floor (no next_seq file yet)
  {
    AgentRun first(tmp.spool(), clock);
    f = first.resume.first;
    EXPECT_EQ(f, static_cast<std::uint64_t>(kStart / 1000));
    EXPECT_TRUE(first.resume.from_clock);
    first.transport.connect();  // Hello = seq f, acknowledged
    first.transport.ack(f);
    first.transport.disconnect();
    for (int i = 0; i < 5; ++i) first.summary(clock);  // seqs f+1..f+5, nobody to send them to
    EXPECT_EQ(first.transport.sent.size(), 1u);        // only the Hello went out
    ASSERT_EQ(first.publisher.unacknowledged(), 5u);
    // No SeqStore::close: a crash. (The destructors still sync; SIGKILL keeps written
    // records too, see tests/unit/agent/spool/spool_crash_test.cpp.)
  }
  AgentRun second(tmp.spool(), clock);
  // The first run's reservation was f + 1024 (SeqStore::kBlock); the spool's highest is f+5,
  // so f+6..f+1023 were never used: the Hello says so (carried_through f+5, first_seq f+1024).
  EXPECT_EQ(second.resume.first, f + 1024);
  EXPECT_FALSE(second.resume.from_clock);
  EXPECT_EQ(second.resume.carried_through, f + 5);
  EXPECT_EQ(second.spool->messages(), 5u);
  second.transport.connect();
  // Hello (f+1024) first, then the spooled f+1..f+5 in order.
  const auto seqs = second.transport.sent_seqs();
  ASSERT_EQ(seqs.size(), 6u);
  EXPECT_EQ(seqs[0], f + 1024);
  EXPECT_TRUE(second.transport.sent_envelope(0).has_hello());
  for (std::uint64_t i = 1; i <= 5; ++i) {
    EXPECT_EQ(seqs[i], f + i);
    // Original times: the first run published seq f+i at kStart + i s.
    EXPECT_EQ(second.transport.sent_envelope(i).created_unix_nanos(),
              kStart + static_cast<std::int64_t>(i) * 1'000'000'000);
  }
  second.transport.ack(f + 1024);
  EXPECT_EQ(second.publisher.unacknowledged(), 0u);
  EXPECT_EQ(second.summary(clock), f + 1025);
}

TEST(SpoolPublisherTest, SpoolOverflowIsReportedInADropReport) {
  testing::TempDir tmp;
  shared::ManualClock clock{shared::from_unix_nanos(kStart)};
  // 64 KiB bound: segments of 8 KiB (max_bytes / 8, at least 4 KiB), so publishing far more
  // than 64 KiB of summaries without a collector drops whole summary segments.
  auto spool = open_disk_spool(SpoolConfig{tmp.spool(), 64 << 10}, clock);
  EnvelopeFactory envelopes("a", "s", clock, 1);
  testing::FakeTransport transport;
  Publisher publisher(envelopes, *spool, transport, clock, [](pb::Hello&) {});
  publisher.start();
  const std::string pad(400, 'x');
  for (int i = 0; i < 400; ++i) {  // 400 x ~450 B ≈ 180 KiB > 64 KiB
    publisher.publish(MessageClass::kSummary, [&](pb::Envelope& e) {
      e.mutable_window()->mutable_flow()->set_target(pad);
    });
  }
  transport.connect();
  std::uint64_t dropped = 0;
  std::uint64_t first_dropped = 0;
  for (std::size_t i = 0; i < transport.sent.size(); ++i) {
    const auto e = transport.sent_envelope(i);
    if (!e.has_drop_report()) continue;
    if (first_dropped == 0) first_dropped = e.drop_report().first_dropped_seq();
    dropped += e.drop_report().dropped_summaries();
  }
  EXPECT_GT(dropped, 0u);
  EXPECT_EQ(first_dropped, 1u);  // the oldest summaries go first
  EXPECT_LE(spool->disk_bytes(), 64u << 10);
}

// The tester's numbers in small: while the disk is full and the collector away, messages wait
// in memory; a clean stop loses them. The next run's first DropReport says exactly how many,
// and the whole overflow costs one DropReport, not one per message.
TEST(SpoolPublisherTest, WhatAFullDiskLostAtAStopIsReportedOnceWithTrueCounts) {
  testing::TempDir tmp;
  shared::ManualClock clock{shared::from_unix_nanos(kStart)};
  testing::FailingFileOps ops;
  DiskSpoolOptions options;
  options.directory = tmp.spool();
  options.memory_fallback_messages = 50;
  std::uint64_t first_lost = 0;
  {
    DiskSpool spool(options, clock, ops);
    EnvelopeFactory envelopes("a", "s", clock, 1);
    testing::FakeTransport transport;
    Publisher publisher(envelopes, spool, transport, clock, [](pb::Hello&) {});
    publisher.start();
    for (int i = 0; i < 10; ++i) {
      publisher.publish(MessageClass::kSummary, [](pb::Envelope& e) { e.mutable_window(); });
    }
    ops.fail_errno = ENOSPC;  // the disk fills
    first_lost = envelopes.next_seq();
    // 200 summaries into a memory queue of 50: 150 dropped, 50 waiting, no DropReport yet.
    for (int i = 0; i < 200; ++i) {
      clock.advance(10ms);
      publisher.publish(MessageClass::kSummary, [](pb::Envelope& e) { e.mutable_window(); });
    }
    EXPECT_EQ(publisher.counters().drop_reports, 0u);
    EXPECT_EQ(publisher.counters().published, 210u);  // no report published per drop
  }                                                   // clean stop with the disk still full
  ops.fail_errno = 0;
  DiskSpool spool(options, clock, ops);
  EnvelopeFactory envelopes("a", "s", clock, spool.highest_seq() + 1);
  testing::FakeTransport transport;
  Publisher publisher(envelopes, spool, transport, clock, [](pb::Hello&) {});
  publisher.start();
  publisher.report_pending_drops();
  EXPECT_EQ(publisher.counters().drop_reports, 1u);
  transport.connect();
  std::vector<pb::Envelope> reports;
  for (const auto& e : transport.sent_envelopes()) {
    if (e.has_drop_report()) reports.push_back(e);
  }
  ASSERT_EQ(reports.size(), 1u);
  // Every one of the 200 published while the disk was full is gone: 150 dropped by the
  // memory queue, 50 lost at the stop.
  EXPECT_EQ(reports[0].drop_report().dropped_summaries(), 200u);
  EXPECT_EQ(reports[0].drop_report().dropped_events(), 0u);
  EXPECT_EQ(reports[0].drop_report().first_dropped_seq(), first_lost);
  EXPECT_EQ(reports[0].drop_report().last_dropped_seq(), first_lost + 199);
}

}  // namespace
}  // namespace pathwatch::agent
