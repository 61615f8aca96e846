// The publisher over a fake transport and the in-memory outbox: sequence numbers, Hello
// first, resend after reconnect, acks, heartbeats, overflow reporting, batch frames.
#include "agent/publish/publisher.hpp"

#include <gtest/gtest.h>

#include <set>

#include "agent/publish/memory_outbox.hpp"
#include "tests/unit/agent/publish/fake_transport.hpp"

namespace pathwatch::agent {
namespace {

using namespace std::chrono_literals;
namespace pb = pathwatch::v1;

struct Rig {
  shared::ManualClock clock{shared::from_unix_nanos(1'700'000'000'000'000'000)};
  EnvelopeFactory envelopes{"honcho-lan-01", "honcho", clock};
  MemoryOutbox outbox{1 << 20, 1000};
  testing::FakeTransport transport;
  Publisher publisher;
  explicit Rig(PublisherOptions options = {})
      : publisher(
            envelopes, outbox, transport, clock, [](pb::Hello& h) { h.set_agent_version("test"); },
            options) {
    publisher.start();
  }

  std::uint64_t summary() {
    return publisher.publish(MessageClass::kSummary,
                             [](pb::Envelope& e) { e.mutable_window()->set_sent(10); });
  }
};

TEST(PublisherTest, EnvelopesCarryIdentityAndIncreasingSeqFromOne) {
  Rig r;
  EXPECT_EQ(r.summary(), 1u);
  EXPECT_EQ(r.summary(), 2u);
  r.transport.connect();
  // Hello (seq 3) first, then 1 and 2.
  ASSERT_EQ(r.transport.sent_seqs(), (std::vector<std::uint64_t>{3, 1, 2}));
  const auto hello = r.transport.sent_envelope(0);
  EXPECT_TRUE(hello.has_hello());
  EXPECT_EQ(hello.schema_version(), 1u);
  EXPECT_EQ(hello.agent_id(), "honcho-lan-01");
  EXPECT_EQ(hello.site(), "honcho");
  EXPECT_EQ(hello.created_unix_nanos(), 1'700'000'000'000'000'000);
  EXPECT_TRUE(r.transport.sent_envelope(1).has_window());
}

TEST(PublisherTest, NothingSentWhileDisconnectedAndNothingLost) {
  Rig r;
  for (int i = 0; i < 5; ++i) r.summary();
  EXPECT_TRUE(r.transport.sent.empty());
  EXPECT_EQ(r.publisher.unacknowledged(), 5u);
}

TEST(PublisherTest, AckForgetsAndReconnectResendsOnlyUnacknowledged) {
  Rig r;
  r.transport.connect();  // Hello = 1
  r.summary();            // 2
  r.summary();            // 3
  r.summary();            // 4
  ASSERT_EQ(r.transport.sent_seqs(), (std::vector<std::uint64_t>{1, 2, 3, 4}));
  r.transport.ack(2);
  EXPECT_EQ(r.publisher.acked_through(), 2u);
  EXPECT_EQ(r.publisher.unacknowledged(), 2u);  // 3, 4
  r.transport.disconnect();
  r.summary();  // 5, queued
  r.transport.sent.clear();
  r.transport.connect();  // Hello = 6, then 3, 4, 5
  EXPECT_EQ(r.transport.sent_seqs(), (std::vector<std::uint64_t>{6, 3, 4, 5}));
  EXPECT_EQ(r.publisher.counters().resent, 2u);  // 3 and 4 went out before
}

TEST(PublisherTest, StalledAcksTriggerResendAfterTimeout) {
  PublisherOptions options;
  options.heartbeat_after = std::chrono::hours{1};  // keep heartbeats out of this test
  Rig r(options);
  r.transport.connect();  // 1
  r.summary();            // 2
  r.transport.ack(1);
  r.transport.sent.clear();
  r.clock.advance(14s);
  r.publisher.tick(r.clock.mono_now());  // resend_after 15 s not reached; heartbeat not due
  EXPECT_TRUE(r.transport.sent.empty());
  r.clock.advance(1s);                   // 15 s after the last progress (the ack of 1)
  r.summary();                           // 3: sent normally
  r.publisher.tick(r.clock.mono_now());  // rewinds to the ack (1): 2 and 3 again
  EXPECT_EQ(r.transport.sent_seqs(), (std::vector<std::uint64_t>{3, 2, 3}));
}

TEST(PublisherTest, HeartbeatWhenIdle) {
  Rig r;
  r.transport.connect();  // Hello 1
  r.transport.ack(1);
  r.transport.sent.clear();
  r.clock.advance(9s);
  r.publisher.tick(r.clock.mono_now());
  EXPECT_TRUE(r.transport.sent.empty());
  r.clock.advance(1s);  // 10 s since the Hello: heartbeat_after
  r.publisher.tick(r.clock.mono_now());
  ASSERT_EQ(r.transport.sent.size(), 1u);
  const auto hb = r.transport.sent_envelope(0);
  ASSERT_TRUE(hb.has_heartbeat());
  EXPECT_EQ(hb.seq(), 2u);
  EXPECT_EQ(hb.heartbeat().spool_messages(), 0u);  // the Hello was acked; not counting itself
}

TEST(PublisherTest, GarbageFromCollectorIsCountedNotFatal) {
  Rig r;
  r.transport.connect();
  r.transport.frame(std::string("\xff\xff\xff", 3));
  EXPECT_EQ(r.publisher.counters().bad_frames, 1u);
}

// A collector that acknowledges seqs this agent never assigned (it remembers an earlier agent
// under this id whose seqs ran higher) must not make the agent forget what it has not sent.
TEST(PublisherTest, AnAckBeyondTheHighestAssignedSeqIsAProtocolErrorAndIgnored) {
  Rig r;
  r.transport.connect();  // Hello = 1
  r.summary();            // 2
  r.summary();            // 3: the highest seq assigned
  r.transport.ack(5000);  // beyond 3
  EXPECT_EQ(r.publisher.counters().acks_beyond_sent, 1u);
  EXPECT_EQ(r.publisher.acked_through(), 0u);
  EXPECT_EQ(r.publisher.unacknowledged(), 3u);  // 1, 2, 3 kept
  r.transport.ack(4);                           // still beyond: counted again, still ignored
  EXPECT_EQ(r.publisher.counters().acks_beyond_sent, 2u);
  EXPECT_EQ(r.publisher.unacknowledged(), 3u);
  r.transport.ack(3);  // exactly what was assigned: accepted
  EXPECT_EQ(r.publisher.acked_through(), 3u);
  EXPECT_EQ(r.publisher.unacknowledged(), 0u);
  // What is made next is still sent (not taken as already acknowledged).
  r.transport.sent.clear();
  EXPECT_EQ(r.summary(), 4u);
  EXPECT_EQ(r.transport.sent_seqs(), (std::vector<std::uint64_t>{4}));
}

TEST(PublisherTest, TheHelloSaysTheLowestSeqStillKept) {
  Rig r;
  r.summary();            // 1
  r.summary();            // 2
  r.transport.connect();  // Hello = 3: 1 is the oldest kept
  EXPECT_EQ(r.transport.sent_envelope(0).hello().lowest_kept_seq(), 1u);
  r.transport.ack(3);
  r.transport.disconnect();
  r.transport.sent.clear();
  r.transport.connect();  // Hello = 4, nothing older kept: its own seq
  EXPECT_EQ(r.transport.sent_envelope(0).seq(), 4u);
  EXPECT_EQ(r.transport.sent_envelope(0).hello().lowest_kept_seq(), 4u);
}

TEST(MemoryOutboxTest, OverflowDropsOldestSummaryFirstAndTallies) {
  MemoryOutbox box(1 << 20, 3);
  box.push({1, 100, MessageClass::kEvent, "e"});
  box.push({2, 200, MessageClass::kSummary, "s"});
  box.push({3, 300, MessageClass::kSummary, "s"});
  box.push({4, 400, MessageClass::kSummary, "s"});  // over 3: drops seq 2 (oldest summary)
  EXPECT_EQ(box.messages(), 3u);
  ASSERT_NE(box.next_after(0), nullptr);
  EXPECT_EQ(box.next_after(0)->seq, 1u);  // the event survived
  EXPECT_EQ(box.next_after(1)->seq, 3u);
  const auto d = box.take_drops();
  EXPECT_EQ(d.summaries, 1u);
  EXPECT_EQ(d.events, 0u);
  EXPECT_EQ(d.first_seq, 2u);
  EXPECT_EQ(d.last_seq, 2u);
  EXPECT_EQ(d.first_unix_nanos, 200);
  EXPECT_TRUE(box.take_drops().empty());
  box.ack(3);
  EXPECT_EQ(box.messages(), 1u);
  EXPECT_EQ(box.bytes(), 1u);
}

TEST(MemoryOutboxTest, TheTallyNamesExactlyTheSeqsDroppedNotTheEventsKeptBetween) {
  MemoryOutbox box(1 << 20, 3);
  box.push({1, 100, MessageClass::kSummary, "s"});
  box.push({2, 200, MessageClass::kEvent, "e"});
  box.push({3, 300, MessageClass::kSummary, "s"});
  box.push({4, 400, MessageClass::kSummary, "s"});  // drops 1
  box.push({5, 500, MessageClass::kSummary, "s"});  // drops 3: event 2 is kept between
  box.push({6, 600, MessageClass::kSummary, "s"});  // drops 4 (touches 3: one range)
  const auto d = box.take_drops();
  EXPECT_EQ(d.summaries, 3u);
  EXPECT_EQ(d.first_seq, 1u);  // the span still covers 2, for older collectors
  EXPECT_EQ(d.last_seq, 4u);
  EXPECT_EQ(d.ranges, (SeqRanges{{1, 1}, {3, 4}}));
}

TEST(DropTallyTest, MergeCoalescesRangesAndAnOldTallyStandsForItsSpan) {
  SeqRanges r;
  add_seq_range(r, 10, 12);
  add_seq_range(r, 1, 2);
  add_seq_range(r, 20, 20);
  add_seq_range(r, 3, 9);  // touches both neighbours: 1..12
  EXPECT_EQ(r, (SeqRanges{{1, 12}, {20, 20}}));
  add_seq_range(r, 11, 25);
  EXPECT_EQ(r, (SeqRanges{{1, 25}}));
  DropTally a;
  a.add(5, 50, MessageClass::kSummary);
  DropTally old;  // from a state file older than ranges: only its span is known
  old.summaries = 2;
  old.first_seq = 30;
  old.last_seq = 40;
  a.merge(old);
  EXPECT_EQ(a.ranges, (SeqRanges{{5, 5}, {30, 40}}));
  EXPECT_EQ(a.summaries, 3u);
}

TEST(PublisherTest, ADropReportCarriesItsRangesAtMostAThousandPerReport) {
  shared::ManualClock clock;
  EnvelopeFactory envelopes("a", "s", clock);
  MemoryOutbox outbox(1 << 20, 4);
  testing::FakeTransport transport;
  Publisher p(envelopes, outbox, transport, clock, [](pb::Hello&) {});
  p.start();
  transport.connect();
  DropTally d;
  for (std::uint64_t s = 2; s <= 2 * 2'500; s += 2) d.add(s, 7, MessageClass::kSummary);
  ASSERT_EQ(d.ranges.size(), 2'500u);
  p.publish_drop_report(d);
  std::vector<pb::Envelope> reports;
  for (const auto& e : transport.sent_envelopes()) {
    if (e.has_drop_report()) reports.push_back(e);
  }
  ASSERT_EQ(reports.size(), 3u);  // 1,000 + 1,000 + 500
  EXPECT_EQ(reports[0].drop_report().dropped_ranges_size(), 1'000);
  EXPECT_EQ(reports[2].drop_report().dropped_ranges_size(), 500);
  // The counts once, in the first; each report's span is its own ranges'.
  EXPECT_EQ(reports[0].drop_report().dropped_summaries(), 2'500u);
  EXPECT_EQ(reports[1].drop_report().dropped_summaries(), 0u);
  EXPECT_EQ(reports[1].drop_report().first_dropped_seq(), 2'002u);
  EXPECT_EQ(reports[1].drop_report().last_dropped_seq(), 4'000u);
  EXPECT_EQ(reports[1].drop_report().dropped_ranges(0).first(), 2'002u);
  EXPECT_EQ(reports[1].drop_report().dropped_ranges(0).last(), 2'002u);
  for (const auto& r : reports) EXPECT_LT(r.ByteSizeLong(), 64u * 1024);
}

TEST(PublisherTest, AnOverflowEpisodeIsReportedOnceWithTheTrueCounts) {
  shared::ManualClock clock;
  EnvelopeFactory envelopes("a", "s", clock);
  MemoryOutbox outbox(1 << 20, 4);
  testing::FakeTransport transport;
  Publisher p(envelopes, outbox, transport, clock, [](pb::Hello&) {});
  p.start();
  for (int i = 0; i < 10; ++i) {
    p.publish(MessageClass::kSummary, [](pb::Envelope& e) { e.mutable_window(); });
  }
  // Seqs 1..10 into room for 4: 5..10 each pushed the oldest out (1..6 dropped), and while
  // every push drops something the episode goes on: no DropReport yet (today's code sent one
  // per push, each evicting another summary).
  EXPECT_EQ(p.counters().drop_reports, 0u);
  EXPECT_EQ(outbox.drops_pending(), 6u);
  transport.connect();  // Hello = 11 pushes 7 out: 7 dropped; 8, 9, 10, 11 sent
  EXPECT_EQ(p.counters().drop_reports, 0u);
  transport.ack(11);                                                               // room again
  p.publish(MessageClass::kSummary, [](pb::Envelope& e) { e.mutable_window(); });  // 12: no drop
  // The first push that dropped nothing ends the episode: one DropReport (13) for 1..7.
  EXPECT_EQ(p.counters().drop_reports, 1u);
  std::vector<pb::Envelope> reports;
  for (const auto& e : transport.sent_envelopes()) {
    if (e.has_drop_report()) reports.push_back(e);
  }
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].seq(), 13u);
  EXPECT_EQ(reports[0].drop_report().dropped_summaries(), 7u);
  EXPECT_EQ(reports[0].drop_report().dropped_events(), 0u);
  EXPECT_EQ(reports[0].drop_report().first_dropped_seq(), 1u);
  EXPECT_EQ(reports[0].drop_report().last_dropped_seq(), 7u);
  ASSERT_EQ(reports[0].drop_report().dropped_ranges_size(), 1);
  EXPECT_EQ(reports[0].drop_report().dropped_ranges(0).first(), 1u);
  EXPECT_EQ(reports[0].drop_report().dropped_ranges(0).last(), 7u);
  // Every seq is accounted for: 13 assigned = 7 dropped + 6 sent (8..13).
  std::set<std::uint64_t> sent;
  for (auto seq : transport.sent_seqs()) sent.insert(seq);
  EXPECT_EQ(sent, (std::set<std::uint64_t>{8, 9, 10, 11, 12, 13}));
  EXPECT_EQ(outbox.drops_pending(), 0u);
}

TEST(PublisherTest, AReportThatOverflowsTheOutboxStartsTheNextEpisodeNotALoop) {
  shared::ManualClock clock;
  EnvelopeFactory envelopes("a", "s", clock);
  MemoryOutbox outbox(1 << 20, 2);
  testing::FakeTransport transport;
  Publisher p(envelopes, outbox, transport, clock, [](pb::Hello&) {});
  p.start();
  // 1000 summaries into room for 2, nobody acknowledging: 998 drops, still one episode.
  for (int i = 0; i < 1000; ++i) {
    p.publish(MessageClass::kSummary, [](pb::Envelope& e) { e.mutable_window(); });
  }
  EXPECT_EQ(p.counters().drop_reports, 0u);
  EXPECT_EQ(outbox.drops_pending(), 998u);
  EXPECT_EQ(p.counters().published, 1000u);  // no DropReport published per push
}

TEST(PublisherTest, ABacklogGoesOutInFullBatchesInSeqOrderEachSeqOnce) {
  Rig r;
  for (int i = 0; i < 200; ++i) r.summary();  // 1..200 while disconnected
  r.transport.connect();                      // Hello 201 alone, then the backlog
  // 200 = 64 + 64 + 64 + 8 (batch_max_messages 64); the Hello goes first on its own. With 192
  // unacknowledged the last 8 are a partial batch: they wait until an ack brings the
  // unacknowledged count under 64 (192 - 150 = 42).
  ASSERT_EQ(r.transport.sent.size(), 4u);
  r.transport.ack(150);
  ASSERT_EQ(r.transport.sent.size(), 5u);
  EXPECT_EQ(r.transport.batch_frames(), 4u);
  std::vector<std::uint64_t> expected{201};
  for (std::uint64_t s = 1; s <= 200; ++s) expected.push_back(s);
  EXPECT_EQ(r.transport.sent_seqs(), expected);
  EXPECT_EQ(r.publisher.counters().sent, 201u);  // per message, not per frame
  EXPECT_EQ(r.publisher.counters().batches, 4u);
  // Batch frames carry nothing but the envelopes (docs/protocol.md).
  pb::Envelope frame;
  ASSERT_TRUE(frame.ParseFromString(r.transport.sent[1]));
  EXPECT_EQ(frame.schema_version(), 1u);
  EXPECT_TRUE(frame.agent_id().empty());
  EXPECT_EQ(frame.seq(), 0u);
  EXPECT_EQ(frame.batch().envelopes_size(), 64);
}

TEST(PublisherTest, FewInFlightSendsAtOnceManyInFlightFillsABatchFirst) {
  PublisherOptions options;
  options.batch_max_messages = 4;
  options.heartbeat_after = std::chrono::hours{1};
  Rig r(options);
  r.transport.connect();                   // Hello 1: one in flight
  r.summary();                             // 2 (2 in flight)
  r.summary();                             // 3 (3 in flight)
  r.summary();                             // 4 (4 in flight)
  EXPECT_EQ(r.transport.sent.size(), 4u);  // fewer than 4 unacknowledged: each went at once
  r.summary();                             // 5: 4 in flight, so it waits for company
  r.summary();                             // 6
  EXPECT_EQ(r.transport.sent.size(), 4u);
  r.transport.ack(4);  // in flight drops to 0: 5 and 6 go now, as one batch
  ASSERT_EQ(r.transport.sent.size(), 5u);
  EXPECT_EQ(r.transport.batch_frames(), 1u);
  EXPECT_EQ(r.transport.sent_seqs(), (std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6}));
  // Held again behind 4 in flight (5, 6, 7, 8 would be sent singly until then)...
  for (int i = 0; i < 2; ++i) r.summary();  // 7, 8: 4 in flight (5..8)
  r.summary();                              // 9: held
  EXPECT_EQ(r.transport.sent_seqs().back(), 8u);
  r.publisher.tick(r.clock.mono_now());  // ...and a tick sends what waits without an ack
  EXPECT_EQ(r.transport.sent_seqs().back(), 9u);
}

TEST(PublisherTest, BatchesStayWithinTheByteLimitAndOneDisablesBatching) {
  PublisherOptions options;
  options.batch_max_bytes = 200;  // a summary is ~40 bytes: a few per batch
  Rig r(options);
  for (int i = 0; i < 50; ++i) r.summary();
  r.transport.connect();
  for (const auto& f : r.transport.sent) EXPECT_LE(f.size(), 200u + 8u);  // + the frame header
  EXPECT_EQ(r.transport.envelope_count(), 51u);
  EXPECT_GT(r.transport.batch_frames(), 5u);

  PublisherOptions single;
  single.batch_max_messages = 1;
  Rig s(single);
  for (int i = 0; i < 50; ++i) s.summary();
  s.transport.connect();
  EXPECT_EQ(s.transport.sent.size(), 51u);  // Hello + 50, each its own frame
  EXPECT_EQ(s.transport.batch_frames(), 0u);
}

TEST(PublisherTest, ARefusedBatchIsResentWholeLater) {
  Rig r;
  for (int i = 0; i < 10; ++i) r.summary();
  r.transport.accepting = false;
  r.transport.connect();  // Hello and the batch both refused (queue full)
  EXPECT_TRUE(r.transport.sent.empty());
  r.transport.accepting = true;
  r.publisher.tick(r.clock.mono_now());
  // The Hello (11) was not sent ahead, so it goes in seq order with the rest.
  std::vector<std::uint64_t> expected;
  for (std::uint64_t s = 1; s <= 11; ++s) expected.push_back(s);
  EXPECT_EQ(r.transport.sent_seqs(), expected);
}

}  // namespace
}  // namespace pathwatch::agent
