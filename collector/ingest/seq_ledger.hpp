// Per-agent sequence bookkeeping for exactly-once storage and acks: which seqs are committed,
// which are in the batch being committed, where the gaps are, and the ack watermark
// (through_seq: every seq <= it is stored, was reported dropped, or was given up on).
// Pure and single-threaded; times are passed in.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "collector/ingest/seq_range_set.hpp"
#include "collector/store/records.hpp"

namespace pathwatch::collector {

// Seqs a message says will never come (a Hello's seqs below its run, a DropReport's ranges).
// The pipeline applies them with give_up() only once that message is committed: if the commit
// fails, the agent resends the message and says it again, while seqs given up at once would let
// the ack pass live messages that were never stored.
struct SeqGiveUp {
  std::string agent_id;
  std::uint64_t first = 0;
  std::uint64_t last = 0;
};

class SeqLedger {
 public:
  enum class Seen { kNew, kDuplicate, kInFlight };

  // Start-up: what the store already holds for an agent.
  void load(const std::string& agent_id, std::uint64_t through_seq, std::uint64_t last_seq);

  Seen classify(const std::string& agent_id, std::uint64_t seq) const;
  // The message joins the batch being committed. For an agent never seen before the base is
  // seq - 1 (its spool's oldest message comes first). Returns the gap this seq reveals, if any.
  std::optional<StoredGap> begin(const std::string& agent_id, const std::string& site,
                                 std::uint64_t seq, shared::UtcNanos now);
  // The batch's outcome for one seq (a store-side duplicate counts as committed).
  void committed(const std::string& agent_id, std::uint64_t seq, shared::UtcNanos now);
  void aborted(const std::string& agent_id, std::uint64_t seq);
  // Seqs that will never be stored and must not hold the watermark back: a DropReport's range,
  // or a message rejected after decoding (the agent must not resend it forever).
  void give_up(const std::string& agent_id, std::uint64_t first, std::uint64_t last,
               shared::UtcNanos now);

  std::uint64_t through(const std::string& agent_id) const;
  // The watermark once everything now in flight commits (written in the same transaction).
  // `give_ups`: those the same transaction makes durable (any agent's; others are skipped).
  std::uint64_t through_if_committed(const std::string& agent_id,
                                     std::span<const SeqGiveUp> give_ups = {}) const;
  std::uint64_t highest(const std::string& agent_id) const;
  // Gaps open longer than timeout are given up on so the agent's spool can move on. Returns
  // the ranges skipped.
  std::vector<StoredGap> expire(shared::UtcNanos now, shared::Nanos timeout);
  // Open gaps (missing seqs between the watermark and the highest seq seen) of one agent.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> open_gaps(const std::string& agent_id) const;

 private:
  struct Agent {
    std::string site;
    std::uint64_t through = 0;
    std::uint64_t highest = 0;
    std::map<std::uint64_t, std::uint64_t> done;  // first -> last, disjoint, above through
    SeqRangeSet in_flight;                        // runs: in-order seqs cost no allocation
    std::optional<shared::UtcNanos> stuck_since;  // when a gap first held the watermark
  };
  static void add_done(Agent& a, std::uint64_t first, std::uint64_t last);
  static void advance(Agent& a, shared::UtcNanos now);

  std::unordered_map<std::string, Agent> agents_;
};

}  // namespace pathwatch::collector
