// Authorize first (issue 16): whatever is wrong with an envelope, a link that may not speak for
// the agent it claims gets "unauthorized" and nothing is attributed to that agent, so a second
// agent's key cannot make the collector acknowledge (and the victim discard) unreceived data.
// An agent's own envelope that can never be stored is given up and told back as a Reject.
#include <gtest/gtest.h>

#include <map>

#include "collector/ingest/ingest_pipeline.hpp"
#include "collector/store/memory_store.hpp"
#include "pathwatch/v1/messages.pb.h"
#include "tests/unit/collector/ingest/test_envelopes.hpp"

namespace pathwatch::collector {
namespace {

namespace pb = pathwatch::v1;
using testing::kT0;
using testing::span_of;
const shared::UtcNanos kNow = shared::from_unix_nanos(kT0 + 60'000'000'000);

// key -> (agent, site), as the CURVE key registry binds them.
class TableAuthorizer final : public AgentAuthorizer {
 public:
  bool allowed(const PeerIdentity& peer, const std::string& agent_id,
               const std::string& site) const override {
    const auto it = bindings_.find(peer.curve_public_key);
    return it != bindings_.end() && it->second.first == agent_id && it->second.second == site;
  }
  std::map<std::string, std::pair<std::string, std::string>> bindings_{
      {"victim-key", {"victim", "honcho"}}, {"attacker-key", {"attacker", "honcho"}}};
};

const PeerIdentity kVictim{"victim-key"};
const PeerIdentity kAttacker{"attacker-key"};

// Each of the ways an envelope claiming `agent` seq `seq` can fail validation after decoding
// its identity: the rejects that used to give up a seq in the claimed agent's ledger.
std::vector<std::string> poisoned(const std::string& agent, std::uint64_t seq) {
  std::vector<std::string> out;
  auto stale = testing::window_envelope(agent, seq);
  stale.set_created_unix_nanos(0);
  out.push_back(stale.SerializeAsString());
  auto backwards = testing::window_envelope(agent, seq + 1);
  backwards.mutable_window()->set_end_unix_nanos(backwards.window().start_unix_nanos() - 1);
  out.push_back(backwards.SerializeAsString());
  auto empty = testing::window_envelope(agent, seq + 2);
  empty.clear_body();
  out.push_back(empty.SerializeAsString());
  auto huge = testing::window_envelope(agent, seq + 3);
  huge.mutable_window()->mutable_flow()->set_target(std::string(70 * 1024, 't'));
  out.push_back(huge.SerializeAsString());
  return out;
}

class RejectAttributionTest : public ::testing::Test {
 protected:
  FrameResult frame(const std::string& bytes, const PeerIdentity& peer) {
    return pipeline_.handle_frame(span_of(bytes), kNow, peer);
  }
  FrameResult frame(const pb::Envelope& e, const PeerIdentity& peer) {
    return frame(e.SerializeAsString(), peer);
  }
  std::uint64_t rejected(RejectReason r) {
    return counters_.rejected[static_cast<std::size_t>(r)].load();
  }

  TableAuthorizer authorizer_;
  IngestCounters counters_;
  IngestPipeline pipeline_{IngestOptions{}, counters_, &authorizer_};
  MemoryStore store_;
};

TEST_F(RejectAttributionTest, AnotherAgentsKeyCannotGiveUpTheVictimsSeqs) {
  for (std::uint64_t s = 1; s <= 3; ++s) frame(testing::window_envelope("victim", s), kVictim);
  ASSERT_EQ(pipeline_.flush(store_, kNow).acks, (std::vector<Ack>{{"victim", 3}}));

  // The attacker claims the victim's next seqs 4..1003 with every never-storable defect.
  for (std::uint64_t s = 4; s < 1004; s += 4) {
    for (const auto& bytes : poisoned("victim", s)) {
      const FrameResult r = frame(bytes, kAttacker);
      ASSERT_EQ(r.rejected, 1u);
      ASSERT_EQ(r.rejects.size(), 1u);
      // Told to the sender, as unauthorized, and given up nowhere.
      EXPECT_EQ(r.rejects[0].reason, RejectReason::kUnauthorized);
      EXPECT_FALSE(r.rejects[0].gave_up);
    }
  }
  EXPECT_EQ(rejected(RejectReason::kUnauthorized), 1000u);
  EXPECT_EQ(counters_.rejected_total(), 1000u);
  // Before the fix: an ack through 1003 for the victim, which it would take and discard its
  // spool. Now nothing is owed to anyone.
  EXPECT_EQ(pipeline_.flush(store_, kNow).acks, std::vector<Ack>{});
  EXPECT_EQ(pipeline_.ledger().through("victim"), 3u);

  // The victim's real 4..6 are stored and acknowledged as if nothing had happened.
  for (std::uint64_t s = 4; s <= 6; ++s) {
    EXPECT_EQ(frame(testing::window_envelope("victim", s), kVictim).accepted, 1u);
  }
  const auto flushed = pipeline_.flush(store_, kNow);
  EXPECT_EQ(flushed.stored, 3u);
  EXPECT_EQ(flushed.acks, (std::vector<Ack>{{"victim", 6}}));
  EXPECT_EQ(store_.windows(RowFilter{}).size(), 6u);
}

TEST_F(RejectAttributionTest, AClaimOfAnotherIdentityIsUnauthorizedEvenWhenWellFormed) {
  auto other_site = testing::window_envelope("victim", 1);
  other_site.set_site("branch");  // the victim's id, the wrong site
  const FrameResult r = frame(other_site, kVictim);
  ASSERT_EQ(r.rejects.size(), 1u);
  EXPECT_EQ(r.rejects[0].reason, RejectReason::kUnauthorized);
  // Garbage and missing ids name nobody: their own reasons, no seq to tell.
  EXPECT_TRUE(frame(std::string("\xff\xff\xff\xff garbage"), kAttacker).rejects.empty());
  EXPECT_EQ(rejected(RejectReason::kMalformed), 1u);
  EXPECT_TRUE(frame(testing::window_envelope("", 7), kAttacker).rejects.empty());
  EXPECT_EQ(rejected(RejectReason::kMissingAgent), 1u);
}

TEST_F(RejectAttributionTest, AnAgentsOwnNeverStorableEnvelopesAreGivenUpAndToldBack) {
  frame(testing::window_envelope("victim", 1), kVictim);
  ASSERT_EQ(pipeline_.flush(store_, kNow).acks, (std::vector<Ack>{{"victim", 1}}));
  // Seqs 2..5: bad timestamp, bad window, no body, oversized (each its own reason).
  const auto bad = poisoned("victim", 2);
  std::vector<RejectReason> reasons;
  for (const auto& bytes : bad) {
    const FrameResult r = frame(bytes, kVictim);
    ASSERT_EQ(r.rejects.size(), 1u);
    EXPECT_TRUE(r.rejects[0].gave_up);
    EXPECT_EQ(r.rejects[0].agent_id, "victim");
    reasons.push_back(r.rejects[0].reason);
  }
  EXPECT_EQ(reasons,
            (std::vector<RejectReason>{RejectReason::kBadTimestamp, RejectReason::kBadWindow,
                                       RejectReason::kMissingBody, RejectReason::kOversized}));
  // Seq 6 is fine: the watermark passes the four refused ones instead of waiting for a gap
  // timeout (with cumulative acks the agent would otherwise resend 2..6 for 10 minutes).
  frame(testing::window_envelope("victim", 6), kVictim);
  EXPECT_EQ(pipeline_.flush(store_, kNow).acks, (std::vector<Ack>{{"victim", 6}}));
  EXPECT_EQ(store_.windows(RowFilter{}).size(), 2u);
}

TEST_F(RejectAttributionTest, ABatchsRefusedRunsBecomeOneRejectPerRunAndReason) {
  frame(testing::window_envelope("victim", 1), kVictim);
  pb::Envelope batch;
  batch.set_schema_version(1);
  for (std::uint64_t s = 2; s <= 9; ++s) {
    auto e = testing::window_envelope("victim", s);
    if (s <= 4 || s == 7) e.set_created_unix_nanos(0);  // 2..4 and 7 stale; 5, 6, 8, 9 fine
    batch.mutable_batch()->add_envelopes(e.SerializeAsString());
  }
  const FrameResult r = frame(batch, kVictim);
  EXPECT_EQ(r.accepted, 4u);
  EXPECT_EQ(r.rejected, 4u);
  EXPECT_EQ(r.rejects,
            (std::vector<RejectedSeqs>{{"victim", 2, 4, RejectReason::kBadTimestamp, true},
                                       {"victim", 7, 7, RejectReason::kBadTimestamp, true}}));
  EXPECT_EQ(pipeline_.flush(store_, kNow).acks, (std::vector<Ack>{{"victim", 9}}));
}

TEST_F(RejectAttributionTest, AnOversizedEnvelopesIdentityIsReadWithoutParsingIt) {
  auto huge = testing::window_envelope("victim", 42);
  huge.mutable_window()->mutable_flow()->set_target(std::string(100 * 1024, 'x'));
  const std::string bytes = huge.SerializeAsString();
  const DecodeResult d = decode_envelope(span_of(bytes), kNow, DecodeLimits{});
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(std::get<RejectReason>(d.value), RejectReason::kOversized);
  EXPECT_EQ(d.agent_id, "victim");
  EXPECT_EQ(d.site, "honcho");
  EXPECT_EQ(d.seq, 42u);
  // An id longer than the limit is kept one byte too long, so it can never equal a real one.
  auto long_id = testing::window_envelope(std::string(300, 'v'), 1);
  long_id.mutable_window()->mutable_flow()->set_target(std::string(100 * 1024, 'x'));
  const std::string long_bytes = long_id.SerializeAsString();
  EXPECT_EQ(decode_envelope(span_of(long_bytes), kNow, DecodeLimits{}).agent_id.size(),
            kMaxIdLength + 1);
}

}  // namespace
}  // namespace pathwatch::collector
