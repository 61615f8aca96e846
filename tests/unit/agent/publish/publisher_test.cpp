// The publisher over a fake transport and the in-memory outbox: sequence numbers, Hello
// first, resend after reconnect, acks, heartbeats, overflow reporting.
#include "agent/publish/publisher.hpp"

#include <gtest/gtest.h>

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

TEST(PublisherTest, OverflowIsReportedWithADropReport) {
  shared::ManualClock clock;
  EnvelopeFactory envelopes("a", "s", clock);
  MemoryOutbox outbox(1 << 20, 4);
  testing::FakeTransport transport;
  Publisher p(envelopes, outbox, transport, clock, [](pb::Hello&) {});
  p.start();
  for (int i = 0; i < 5; ++i) {
    p.publish(MessageClass::kSummary, [](pb::Envelope& e) { e.mutable_window(); });
  }
  // Seq 5 pushed seq 1 out; the DropReport for it is seq 6 (and pushed seq 2 out, which is
  // tallied for the next report). Outbox: 3, 4, 5, 6.
  transport.connect();
  bool saw_report = false;
  for (std::size_t i = 0; i < transport.sent.size(); ++i) {
    const auto e = transport.sent_envelope(i);
    if (e.has_drop_report() && e.seq() == 6) {
      saw_report = true;
      EXPECT_EQ(e.drop_report().dropped_summaries(), 1u);
      EXPECT_EQ(e.drop_report().first_dropped_seq(), 1u);
      EXPECT_EQ(e.drop_report().last_dropped_seq(), 1u);
    }
  }
  EXPECT_TRUE(saw_report);
}

}  // namespace
}  // namespace pathwatch::agent
