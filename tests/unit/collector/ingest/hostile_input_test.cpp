// Hostile input through the ingest pipeline with an in-memory store: garbage, truncated and
// oversized frames, valid protobuf of the wrong message type and replayed old sequences are each
// rejected or dropped and counted, while a good agent interleaved with them is stored and acked.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "collector/ingest/ingest_pipeline.hpp"
#include "collector/store/memory_store.hpp"
#include "pathwatch/v1/messages.pb.h"
#include "tests/unit/collector/ingest/test_envelopes.hpp"

namespace pathwatch::collector {
namespace {

namespace pb = pathwatch::v1;

using testing::kT0;
using testing::span_of;
const shared::UtcNanos kNow = shared::from_unix_nanos(kT0 + 3'600'000'000'000);

std::string window_bytes(const std::string& agent, std::uint64_t seq) {
  return testing::window_envelope(agent, seq).SerializeAsString();
}

class HostileInputTest : public ::testing::Test {
 protected:
  HandleResult feed(const std::string& b) { return pipeline_.handle(span_of(b), kNow); }
  std::uint64_t rejected(RejectReason r) {
    return counters_.rejected[static_cast<std::size_t>(r)].load();
  }
  IngestCounters counters_;
  IngestPipeline pipeline_{IngestOptions{}, counters_};
  MemoryStore store_;
};

TEST_F(HostileInputTest, CollectorMessageSentAsEnvelopeIsRejected) {
  // A CollectorMessage (schema 1, Ack through 5) parses as an Envelope: its field 10 lands on
  // `hello` with an unknown inner field. It names no agent, so: kMissingAgent.
  pb::CollectorMessage reply;
  reply.set_schema_version(1);
  reply.mutable_ack()->set_through_seq(5);
  const HandleResult r = feed(reply.SerializeAsString());
  EXPECT_EQ(r.outcome, HandleResult::Outcome::kRejected);
  EXPECT_EQ(r.reason, RejectReason::kMissingAgent);
}

TEST_F(HostileInputTest, OversizedAndTruncatedFramesAreRejected) {
  // One byte over the default 64 KiB limit: kOversized before any parsing.
  EXPECT_EQ(feed(std::string(64 * 1024 + 1, '\x0a')).reason, RejectReason::kOversized);
  // A valid envelope cut in half: the length-delimited body runs past the end.
  const std::string good = window_bytes("a1", 1);
  EXPECT_EQ(feed(good.substr(0, good.size() / 2)).reason, RejectReason::kMalformed);
  EXPECT_EQ(rejected(RejectReason::kOversized), 1u);
  EXPECT_EQ(rejected(RejectReason::kMalformed), 1u);
}

TEST_F(HostileInputTest, GarbageReplaysAndTheWrongTypeNeverBlockAGoodAgent) {
  // The good agent commits seq 1..10 first, so its replays below are known duplicates.
  for (std::uint64_t s = 1; s <= 10; ++s) {
    ASSERT_EQ(feed(window_bytes("replayer", s)).outcome, HandleResult::Outcome::kAccepted);
  }
  ASSERT_TRUE(pipeline_.flush(store_, kNow).ok);

  std::mt19937 rng(5057);  // fixed seed: the same garbage every run
  std::uniform_int_distribution<int> byte(0, 255), len(0, 300);
  pb::CollectorMessage wrong_type;
  wrong_type.set_schema_version(1);
  wrong_type.mutable_heartbeat();
  const std::string wrong = wrong_type.SerializeAsString();

  int garbage_accepted = 0;
  // 200 rounds: 50 garbage frames, the wrong type, 10 replays, then one good message.
  for (std::uint64_t round = 1; round <= 200; ++round) {
    for (int i = 0; i < 50; ++i) {
      std::string g(static_cast<std::size_t>(len(rng)), '\0');
      for (auto& c : g) c = static_cast<char>(byte(rng));
      if (feed(g).outcome == HandleResult::Outcome::kAccepted) ++garbage_accepted;
    }
    EXPECT_EQ(feed(wrong).outcome, HandleResult::Outcome::kRejected);
    for (std::uint64_t s = 1; s <= 10; ++s) {
      EXPECT_EQ(feed(window_bytes("replayer", s)).outcome, HandleResult::Outcome::kDuplicate);
    }
    ASSERT_EQ(feed(window_bytes("good", round)).outcome, HandleResult::Outcome::kAccepted);
    if (round % 20 == 0) {
      const FlushResult f = pipeline_.flush(store_, kNow);
      ASSERT_TRUE(f.ok);
      // The good agent is acked through everything it sent; the replayer's ack is repeated.
      EXPECT_EQ(f.acks, (std::vector<Ack>{{"good", round}, {"replayer", 10}}));
    }
  }
  // Random bytes that happen to decode into a complete valid envelope are astronomically
  // unlikely (schema 1, agent, site, seq, a sane timestamp): expected 0.
  EXPECT_EQ(garbage_accepted, 0);
  EXPECT_EQ(store_.agents().size(), 2u);  // "good" and "replayer": garbage created no agent
  // Replays: 200 rounds x 10 = 2,000, none stored; "good" stored 200 + replayer's first 10.
  EXPECT_EQ(counters_.duplicates.load(), 2000u);
  EXPECT_EQ(counters_.stored.load(), 210u);
  // Garbage 200 x 50 + 200 wrong-type frames, all rejected.
  EXPECT_EQ(counters_.rejected_total(), 200u * 50 + 200);
}

}  // namespace
}  // namespace pathwatch::collector
