// Batch frames (several envelopes in one ZeroMQ message): the splitter recognises them and
// refuses broken or oversized ones whole, and the pipeline treats each envelope inside exactly
// as a message of its own: validated, limited, admitted, deduplicated, sequence-tracked, acked.
#include "collector/ingest/batch_frame.hpp"

#include <gtest/gtest.h>

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

pb::Envelope window_env(const std::string& agent, std::uint64_t seq) {
  return testing::window_envelope(agent, seq);
}

std::string window_bytes(const std::string& agent, std::uint64_t seq) {
  return window_env(agent, seq).SerializeAsString();
}

std::string batch_of(const std::vector<std::string>& envelopes) {
  pb::Envelope frame;
  frame.set_schema_version(1);
  for (const auto& e : envelopes) frame.mutable_batch()->add_envelopes(e);
  return frame.SerializeAsString();
}

std::string string_of(std::span<const std::byte> s) {
  return {reinterpret_cast<const char*>(s.data()), s.size()};
}

BatchSplit split(const std::string& frame, const DecodeLimits& limits = {}) {
  BatchSplit out;
  split_batch_frame(span_of(frame), limits, out);
  return out;
}

TEST(BatchFrameTest, ASingleEnvelopeOrGarbageIsNotABatch) {
  EXPECT_EQ(split(window_bytes("a1", 1)).kind, BatchSplit::Kind::kSingle);
  EXPECT_EQ(split("\xff\xff\xff\xff garbage").kind, BatchSplit::Kind::kSingle);
  EXPECT_EQ(split("").kind, BatchSplit::Kind::kSingle);
}

TEST(BatchFrameTest, SplitsIntoTheEnvelopesInOrderWithoutChangingThem) {
  const std::vector<std::string> in{window_bytes("a1", 1), window_bytes("a1", 2),
                                    window_bytes("a1", 3)};
  const std::string frame = batch_of(in);  // the spans point into it
  const BatchSplit s = split(frame);
  ASSERT_EQ(s.kind, BatchSplit::Kind::kBatch);
  ASSERT_EQ(s.envelopes.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(string_of(s.envelopes[i]), in[i]);
}

TEST(BatchFrameTest, ABatchWithoutSchemaVersionIsAccepted) {
  pb::Envelope frame;
  frame.mutable_batch()->add_envelopes(window_bytes("a1", 1));
  EXPECT_EQ(split(frame.SerializeAsString()).kind, BatchSplit::Kind::kBatch);
}

TEST(BatchFrameTest, BrokenBatchFramesAreRejectedWhole) {
  const std::string good = batch_of({window_bytes("a1", 1), window_bytes("a1", 2)});
  // Truncated: the batch field's length runs past the end.
  auto s = split(good.substr(0, good.size() - 5));
  EXPECT_EQ(s.kind, BatchSplit::Kind::kRejected);
  EXPECT_EQ(s.reason, RejectReason::kMalformed);
  // An identity or seq next to the batch: a batch is only a batch.
  pb::Envelope mixed;
  mixed.ParseFromString(good);
  mixed.set_agent_id("a1");
  s = split(mixed.SerializeAsString());
  EXPECT_EQ(s.kind, BatchSplit::Kind::kRejected);
  EXPECT_EQ(s.reason, RejectReason::kMalformed);
  // Two batch fields (protobuf would merge them; we refuse).
  s = split(good + good.substr(2));
  EXPECT_EQ(s.kind, BatchSplit::Kind::kRejected);
  // Empty batch.
  pb::Envelope empty;
  empty.set_schema_version(1);
  empty.mutable_batch();
  s = split(empty.SerializeAsString());
  EXPECT_EQ(s.kind, BatchSplit::Kind::kRejected);
  EXPECT_EQ(s.reason, RejectReason::kMalformed);
  // Wrong schema version.
  pb::Envelope v2;
  v2.ParseFromString(good);
  v2.set_schema_version(2);
  s = split(v2.SerializeAsString());
  EXPECT_EQ(s.kind, BatchSplit::Kind::kRejected);
  EXPECT_EQ(s.reason, RejectReason::kWrongSchema);
  // An element that is not `envelopes` (field 2, varint 7) inside the batch.
  std::string odd = "\x08\x01\x8a\x01\x02\x10\x07";
  s = split(odd);
  EXPECT_EQ(s.kind, BatchSplit::Kind::kRejected);
  EXPECT_EQ(s.reason, RejectReason::kMalformed);
}

TEST(BatchFrameTest, TooManyEnvelopesOrBytesRejectTheWholeFrame) {
  DecodeLimits limits;
  limits.max_batch_envelopes = 4;
  std::vector<std::string> five;
  for (std::uint64_t i = 1; i <= 5; ++i) five.push_back(window_bytes("a1", i));
  auto s = split(batch_of(five), limits);
  EXPECT_EQ(s.kind, BatchSplit::Kind::kRejected);
  EXPECT_EQ(s.reason, RejectReason::kOversized);
  EXPECT_TRUE(s.envelopes.empty());
  five.pop_back();
  EXPECT_EQ(split(batch_of(five), limits).kind, BatchSplit::Kind::kBatch);  // 4 = the limit

  limits = DecodeLimits{};
  const std::string frame = batch_of(five);
  limits.max_batch_bytes = frame.size() - 1;
  s = split(frame, limits);
  EXPECT_EQ(s.kind, BatchSplit::Kind::kRejected);
  EXPECT_EQ(s.reason, RejectReason::kOversized);
  limits.max_batch_bytes = frame.size();
  EXPECT_EQ(split(frame, limits).kind, BatchSplit::Kind::kBatch);
}

class BatchPipelineTest : public ::testing::Test {
 protected:
  FrameResult feed(const std::string& frame, const EnvelopeAdmission& admit = {}) {
    return pipeline_.handle_frame(span_of(frame), kNow, {}, admit);
  }
  std::uint64_t rejected(RejectReason r) {
    return counters_.rejected[static_cast<std::size_t>(r)].load();
  }
  FlushResult flush() { return pipeline_.flush(store_, kNow); }

  IngestCounters counters_;
  IngestPipeline pipeline_{IngestOptions{}, counters_};
  MemoryStore store_;
};

TEST_F(BatchPipelineTest, EachEnvelopeOfABatchIsStoredOnceAndAckedCumulatively) {
  std::vector<std::string> five;
  for (std::uint64_t i = 1; i <= 5; ++i) five.push_back(window_bytes("a1", i));
  const FrameResult r = feed(batch_of(five));
  EXPECT_TRUE(r.batch);
  EXPECT_EQ(r.envelopes, 5u);
  EXPECT_EQ(r.accepted, 5u);
  EXPECT_EQ(r.agent_id, "a1");
  EXPECT_EQ(counters_.received.load(), 5u);  // per envelope, as if sent one by one
  EXPECT_EQ(counters_.batches.load(), 1u);
  const FlushResult f = flush();
  EXPECT_EQ(f.stored, 5u);
  ASSERT_EQ(f.acks.size(), 1u);
  EXPECT_EQ(f.acks[0], (Ack{"a1", 5}));

  // The same batch again (its ack was lost): five duplicates, nothing stored, ack repeated.
  const FrameResult again = feed(batch_of(five));
  EXPECT_EQ(again.duplicates, 5u);
  const FlushResult f2 = flush();
  EXPECT_EQ(f2.stored, 0u);
  ASSERT_EQ(f2.acks.size(), 1u);
  EXPECT_EQ(f2.acks[0], (Ack{"a1", 5}));
  EXPECT_EQ(store_.agents().at(0).through_seq, 5u);
}

TEST_F(BatchPipelineTest, SingleAndBatchedFramesMixOnOneSequence) {
  feed(window_bytes("a1", 1));
  feed(batch_of({window_bytes("a1", 2), window_bytes("a1", 3)}));
  feed(window_bytes("a1", 4));
  const FlushResult f = flush();
  EXPECT_EQ(f.stored, 4u);
  ASSERT_EQ(f.acks.size(), 1u);
  EXPECT_EQ(f.acks[0], (Ack{"a1", 4}));
  EXPECT_EQ(counters_.gaps.load(), 0u);
}

TEST_F(BatchPipelineTest, PerEnvelopeLimitsApplyInsideABatch) {
  // seq 1, 2 good; an envelope over max_message_bytes (64 KiB); a batch nested in the batch;
  // garbage; seq 4 good. The frame itself is within max_batch_bytes (256 KiB).
  pb::Envelope big = window_env("a1", 3);
  big.mutable_window()->mutable_flow()->set_target(std::string(64 * 1024, 't'));
  const std::string nested = batch_of({window_bytes("a1", 9)});
  const FrameResult r =
      feed(batch_of({window_bytes("a1", 1), window_bytes("a1", 2), big.SerializeAsString(), nested,
                     "\xff\xff garbage", window_bytes("a1", 4)}));
  EXPECT_EQ(r.envelopes, 6u);
  EXPECT_EQ(r.accepted, 3u);
  EXPECT_EQ(r.rejected, 3u);
  EXPECT_EQ(rejected(RejectReason::kOversized), 1u);
  EXPECT_EQ(rejected(RejectReason::kMissingAgent), 1u);  // the nested batch has no identity
  EXPECT_EQ(rejected(RejectReason::kMalformed), 1u);     // the garbage
  const FlushResult f = flush();
  EXPECT_EQ(f.stored, 3u);
  // Seq 3 (oversized) is never parsed, but its identity is read: it can never be stored, so it
  // is given up and told back, and the ack passes it instead of waiting for a gap timeout.
  ASSERT_EQ(r.rejects.size(), 1u);
  EXPECT_EQ(r.rejects[0], (RejectedSeqs{"a1", 3, 3, RejectReason::kOversized, true}));
  ASSERT_EQ(f.acks.size(), 1u);
  EXPECT_EQ(f.acks[0], (Ack{"a1", 4}));
}

TEST_F(BatchPipelineTest, AnEnvelopeWithIdentityAndABatchBodyIsMalformed) {
  // Decoded as a message (inside a batch, or as a frame with fields a batch frame never has).
  pb::Envelope e = window_env("a1", 1);
  e.mutable_batch()->add_envelopes(window_bytes("a1", 2));
  const FrameResult r = feed(batch_of({e.SerializeAsString()}));
  EXPECT_EQ(r.rejected, 1u);
  const FrameResult alone = feed(e.SerializeAsString());
  EXPECT_EQ(alone.rejected, 1u);
  EXPECT_EQ(rejected(RejectReason::kMalformed), 2u);
  EXPECT_EQ(flush().stored, 0u);
}

TEST_F(BatchPipelineTest, AdmissionIsAskedPerEnvelopeAndRefusedOnesAreDroppedUnread) {
  std::vector<std::string> five;
  for (std::uint64_t i = 1; i <= 5; ++i) five.push_back(window_bytes("a1", i));
  int budget = 3;  // a flood limit that admits three envelopes
  std::vector<std::size_t> sizes;
  const FrameResult r = feed(batch_of(five), [&](std::size_t bytes) {
    sizes.push_back(bytes);
    return budget-- > 0;
  });
  ASSERT_EQ(sizes.size(), 5u);  // asked once per envelope, with that envelope's size
  for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ(sizes[i], five[i].size());
  EXPECT_EQ(r.accepted, 3u);
  EXPECT_EQ(r.throttled, 2u);
  EXPECT_EQ(counters_.received.load(), 3u);  // throttled ones never reach the decoder
  const FlushResult f = flush();
  EXPECT_EQ(f.stored, 3u);
  EXPECT_EQ(f.acks.at(0), (Ack{"a1", 3}));
}

TEST_F(BatchPipelineTest, ARejectedBatchIsOneCountedRejectAndTheAgentGoesOn) {
  DecodeLimits limits;
  limits.max_batch_envelopes = 2;
  IngestOptions o;
  o.limits = limits;
  IngestPipeline pipeline{o, counters_};
  const std::string three =
      batch_of({window_bytes("a1", 1), window_bytes("a1", 2), window_bytes("a1", 3)});
  const FrameResult r = pipeline.handle_frame(span_of(three), kNow);
  EXPECT_EQ(r.rejected, 1u);
  EXPECT_EQ(r.accepted, 0u);
  EXPECT_EQ(rejected(RejectReason::kOversized), 1u);
  EXPECT_EQ(counters_.received.load(), 1u);
  // The agent resends in smaller batches and is stored.
  pipeline.handle_frame(span_of(batch_of({window_bytes("a1", 1), window_bytes("a1", 2)})), kNow);
  pipeline.handle_frame(span_of(window_bytes("a1", 3)), kNow);
  const FlushResult f = pipeline.flush(store_, kNow);
  EXPECT_EQ(f.stored, 3u);
  EXPECT_EQ(f.acks.at(0), (Ack{"a1", 3}));
}

TEST_F(BatchPipelineTest, APlaintextBatchMixingAgentsNamesEveryAgentForItsAcks) {
  const FrameResult r = feed(batch_of({window_bytes("a1", 1), window_bytes("a2", 1),
                                       window_bytes("a1", 2), window_bytes("a3", 1)}));
  EXPECT_EQ(r.accepted, 4u);
  EXPECT_EQ(r.agent_id, "a3");
  EXPECT_EQ(r.other_agents, (std::vector<std::string>{"a1", "a2"}));
  const FlushResult f = flush();
  EXPECT_EQ(f.acks, (std::vector<Ack>{{"a1", 2}, {"a2", 1}, {"a3", 1}}));
}

class OnlyAgent final : public AgentAuthorizer {
 public:
  bool allowed(const PeerIdentity&, const std::string& agent_id,
               const std::string&) const override {
    return agent_id == "a1";
  }
};

TEST_F(BatchPipelineTest, AnotherAgentsEnvelopeInsideABatchIsRefusedAlone) {
  OnlyAgent only_a1;
  IngestPipeline pipeline{IngestOptions{}, counters_, &only_a1};
  const std::string frame =
      batch_of({window_bytes("a1", 1), window_bytes("intruder", 1), window_bytes("a1", 2)});
  const FrameResult r = pipeline.handle_frame(span_of(frame), kNow, {});
  EXPECT_EQ(r.accepted, 2u);
  EXPECT_EQ(r.rejected, 1u);
  EXPECT_EQ(rejected(RejectReason::kUnauthorized), 1u);
  const FlushResult f = pipeline.flush(store_, kNow);
  EXPECT_EQ(f.stored, 2u);
  ASSERT_EQ(f.acks.size(), 1u);
  EXPECT_EQ(f.acks[0], (Ack{"a1", 2}));
}

}  // namespace
}  // namespace pathwatch::collector
