// The collector's ingest logic without sockets: decode and validate each agent message, drop
// duplicates, track sequences and sessions, batch accepted messages, commit a batch to the
// store in one transaction and say which acks may go out. Single-threaded (the commit itself may
// run on a CommitThread while the next batch is decoded); times passed in.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "collector/ingest/batch_frame.hpp"
#include "collector/ingest/commit_thread.hpp"
#include "collector/ingest/envelope_decoder.hpp"
#include "collector/ingest/ingest_counters.hpp"
#include "collector/ingest/seq_ledger.hpp"
#include "collector/ingest/session_tracker.hpp"
#include "collector/store/store.hpp"
#include "shared/logging/logging.hpp"
#include "shared/logging/printable.hpp"

namespace pathwatch::collector {

struct IngestOptions {
  DecodeLimits limits;
  shared::Nanos silence{std::chrono::seconds{60}};      // longer without data: a new session
  shared::Nanos gap_timeout{std::chrono::minutes{10}};  // then a gap stops holding acks back
  std::size_t batch_messages = 5000;                    // commit at this many, or at the deadline
  shared::Nanos batch_delay{std::chrono::milliseconds{20}};
};

// Who is on the other end of the socket. With CURVE the ZAP handler sets the key the link
// authenticated with; plaintext (lab) leaves it empty.
struct PeerIdentity {
  std::string curve_public_key;  // Z85, empty when unauthenticated
};

// Decides whether a peer may speak for an agent/site. The default allows everything (plaintext
// lab mode); the CURVE work replaces it with a key -> (agent_id, site) table.
class AgentAuthorizer {
 public:
  virtual ~AgentAuthorizer() = default;
  virtual bool allowed(const PeerIdentity& peer, const std::string& agent_id,
                       const std::string& site) const = 0;
};

// A run of one sender's envelopes refused for one reason: what a Reject tells the agent.
// agent_id is what the envelopes claimed (not necessarily the sender's own id).
struct RejectedSeqs {
  std::string agent_id;
  std::uint64_t first_seq = 0;
  std::uint64_t last_seq = 0;
  RejectReason reason = RejectReason::kMalformed;
  bool gave_up = false;  // every seq of the run: an Ack will pass it
  bool operator==(const RejectedSeqs&) const = default;
};

struct HandleResult {
  enum class Outcome { kAccepted, kDuplicate, kRejected };
  Outcome outcome = Outcome::kRejected;
  RejectReason reason = RejectReason::kMalformed;  // kRejected only
  std::string agent_id;                            // "" when the message had none
  std::uint64_t seq = 0;
  bool gave_up = false;  // kRejected: the seq no longer holds the agent's ack watermark
  // Whatever the outcome: seqs to tell the sender about with a Reject (a Hello reusing seqs).
  std::optional<RejectedSeqs> notice;
};

// What one ZeroMQ frame (a single envelope or a batch of them) came to.
struct FrameResult {
  bool batch = false;
  std::size_t envelopes = 0;  // in the frame (1 for a single frame, 0 for a rejected batch)
  std::size_t accepted = 0;
  std::size_t duplicates = 0;
  std::size_t rejected = 0;   // envelopes rejected, or 1 for a batch rejected as a whole
  std::size_t throttled = 0;  // envelopes the admission callback refused (dropped unread)
  std::string agent_id;       // of the last envelope not rejected: where its acks go ("" if none)
  // Other agents whose envelopes were not rejected in this frame (only a plaintext batch can
  // mix agents: with CURVE each is checked against the link's key). Empty in the common case.
  std::vector<std::string> other_agents;
  // Refused envelopes that named a seq, as ranges, in arrival order: the caller tells the
  // sender (the connection the frame came on), whoever they claimed to be.
  std::vector<RejectedSeqs> rejects;
};

// Asked once per envelope (with its size) before it is decoded, inside a batch too: false
// drops that envelope unread and unacknowledged (flood limits; the agent resends it).
using EnvelopeAdmission = std::function<bool(std::size_t bytes)>;

struct Ack {
  std::string agent_id;
  std::uint64_t through_seq = 0;
  bool operator==(const Ack&) const = default;
};

struct FlushResult {
  bool ok = true;  // false: the commit failed, nothing stored, nothing acked
  std::string error;
  std::size_t stored = 0;
  std::size_t duplicates = 0;  // found by the store's unique (agent, seq)
  std::vector<Ack> acks;       // one per agent that sent something since the last flush
};

class IngestPipeline {
 public:
  IngestPipeline(IngestOptions options, IngestCounters& counters,
                 const AgentAuthorizer* authorizer = nullptr);

  // Start-up: the store's agents (watermarks) and latest sessions.
  void load(Store& store);

  HandleResult handle(std::span<const std::byte> bytes, shared::UtcNanos received,
                      const PeerIdentity& peer = {});
  // One frame off the socket: a batch is split and each envelope admitted, then handled
  // exactly as handle() handles a single one (validated, deduplicated, sequence-tracked).
  FrameResult handle_frame(std::span<const std::byte> frame, shared::UtcNanos received,
                           const PeerIdentity& peer = {}, const EnvelopeAdmission& admit = {});
  std::size_t pending() const { return batch_.messages.size(); }
  bool has_pending_acks() const { return !ack_agents_.empty() || pending() > 0; }
  bool batch_full() const { return pending() >= options_.batch_messages; }
  const IngestOptions& options() const { return options_; }

  // Commits everything pending in one transaction, then reports the acks. Never throws.
  FlushResult flush(Store& store, shared::UtcNanos now);

  // Pipelined flush: the same transaction, run on `committer`'s thread while handle() goes on
  // decoding the next batch. At most one batch is in flight, so the watermark written with a
  // batch never assumes an earlier batch that could still fail. submit() returns false (and does
  // nothing) while a batch is in flight; collect() returns the flush result once it committed
  // (wait = true blocks until then). Acks still go out only after the commit.
  bool submit(CommitThread& committer, shared::UtcNanos now);
  std::optional<FlushResult> collect(CommitThread& committer, shared::UtcNanos now, bool wait);
  bool in_flight() const { return in_flight_.has_value(); }
  // Gives up on gaps older than the gap timeout; their agents get an ack at the next flush.
  void expire_gaps(shared::UtcNanos now);

  const SeqLedger& ledger() const { return ledger_; }
  IngestCounters& counters() { return counters_; }

 private:
  // `attributed`: the envelope's link may speak for the agent it names, so a seq that can never
  // be stored may be given up in that agent's ledger.
  HandleResult reject(HandleResult r, RejectReason reason, shared::UtcNanos now, bool attributed);
  // A Hello from a new incarnation whose first_seq is at or below the watermark: its run reuses
  // seqs the collector already has, and every one would be discarded as a duplicate.
  void check_seq_reuse(const StoredHello& hello, HandleResult& r, shared::UtcNanos now);
  // Counts under `reason` and logs at most once per kRejectLogInterval; true: log now.
  bool count_reject(RejectReason reason, shared::UtcNanos now);

  // A batch taken out of handle()'s hands: its transaction and the agents it acks.
  struct PreparedBatch {
    CommitBatch batch;
    std::vector<std::string> agents;
    std::vector<SeqGiveUp> give_ups;  // applied once the batch committed
    bool needs_commit = false;
  };
  PreparedBatch prepare();
  FlushResult finish(PreparedBatch& prepared, const CommitResult* commit, shared::UtcNanos now);

  IngestOptions options_;
  IngestCounters& counters_;
  const AgentAuthorizer* authorizer_;
  SeqLedger ledger_;
  SessionTracker sessions_;
  CommitBatch batch_;
  std::vector<SeqGiveUp> give_ups_;  // what batch_'s messages give up, once they commit
  BatchSplit split_;                 // reused by handle_frame()
  std::unordered_map<std::string_view, std::size_t> agent_index_;  // prepare()'s scratch
  // A finished batch's message vector, kept for the next batch (capacity of the largest batch
  // so far: at most what the caller let pending() reach).
  std::vector<StoredMessage> spare_messages_;
  std::optional<PreparedBatch> in_flight_;  // submitted to a CommitThread, not yet collected
  CommitThread* in_flight_committer_ = nullptr;
  std::optional<FlushResult> done_without_commit_;  // submit() had nothing to write
  std::vector<std::string> ack_agents_;             // agents owed an ack regardless of new data
  // The incarnation of each agent's last Hello since this process started (check_seq_reuse).
  std::unordered_map<std::string, std::uint64_t> incarnations_;
  shared::LoggerPtr log_;
  std::array<shared::UtcNanos, kRejectReasonCount> last_reject_log_{};
};

}  // namespace pathwatch::collector
