// Ingest pipeline: decode -> authorize -> dedup (ledger) -> batch; flush = one transaction,
// then the ledger learns what is durable and the acks follow.
#include "collector/ingest/ingest_pipeline.hpp"

#include <algorithm>
#include <map>
#include <string_view>

namespace pathwatch::collector {

namespace {
// One log line per reject reason per this much receive time; the counters have the rest.
constexpr shared::Nanos kRejectLogInterval = std::chrono::seconds{10};

// The data time a message covers: a window its whole span, anything else its creation.
std::pair<shared::UtcNanos, shared::UtcNanos> observed(const StoredMessage& m) {
  if (const auto* w = std::get_if<StoredWindow>(&m.body)) {
    return {std::min(w->start, m.created), std::max(w->end, m.created)};
  }
  return {m.created, m.created};
}
// Consecutive seqs refused for the same reason become one range (one Reject on the wire).
void note_reject(std::vector<RejectedSeqs>& rejects, const HandleResult& r) {
  if (!rejects.empty()) {
    RejectedSeqs& last = rejects.back();
    if (last.reason == r.reason && last.agent_id == r.agent_id && last.last_seq + 1 == r.seq) {
      last.last_seq = r.seq;
      last.gave_up = last.gave_up && r.gave_up;
      return;
    }
  }
  rejects.push_back(RejectedSeqs{r.agent_id, r.seq, r.seq, r.reason, r.gave_up});
}
// The gaps minus [first, last]: what is left on either side of it.
std::vector<StoredGap> trim_gaps(std::vector<StoredGap> gaps, std::uint64_t first,
                                 std::uint64_t last) {
  std::vector<StoredGap> out;
  for (auto& g : gaps) {
    if (last < g.first_seq || first > g.last_seq) {
      out.push_back(std::move(g));
      continue;
    }
    if (g.first_seq < first) {
      StoredGap below = g;
      below.last_seq = first - 1;
      out.push_back(std::move(below));
    }
    if (last < g.last_seq) {
      g.first_seq = last + 1;
      out.push_back(std::move(g));
    }
  }
  return out;
}
}  // namespace

IngestPipeline::IngestPipeline(IngestOptions options, IngestCounters& counters,
                               const AgentAuthorizer* authorizer)
    : options_(options),
      counters_(counters),
      authorizer_(authorizer),
      sessions_(options.silence),
      log_(shared::component_logger("collector.ingest")) {}

void IngestPipeline::load(Store& store) {
  for (const auto& a : store.agents()) ledger_.load(a.agent_id, a.through_seq, a.last_seq);
  for (const auto& s : store.latest_sessions()) sessions_.load(s);
}

HandleResult IngestPipeline::reject(HandleResult r, RejectReason reason, shared::UtcNanos now,
                                    bool attributed) {
  r.outcome = HandleResult::Outcome::kRejected;
  r.reason = reason;
  if (count_reject(reason, now)) {
    log_->warn(
        "rejected a message ({}) claiming agent '{}' seq {}; {} rejected for this reason so far",
        to_string(reason), shared::printable(r.agent_id), r.seq,
        counters_.rejected[static_cast<std::size_t>(reason)].load());
  }
  // A message that decoded far enough to name its agent and seq, but will never be stored
  // whatever is resent: let the watermark pass it, or the agent would resend it forever. Only
  // for a message the link may speak for (attributed): a claim of another agent's id never
  // touches that agent's ledger (issue 16: a second agent's key could otherwise have the
  // collector acknowledge, and the victim discard, data it never received).
  const bool never_storable =
      reason == RejectReason::kBadTimestamp || reason == RejectReason::kBadWindow ||
      reason == RejectReason::kMissingBody || reason == RejectReason::kOversized;
  r.gave_up = never_storable && attributed && r.seq > 0 &&
              (ledger_.through(r.agent_id) > 0 || ledger_.highest(r.agent_id) > 0);
  if (r.gave_up) {
    ledger_.give_up(r.agent_id, r.seq, r.seq, now);
    ack_agents_.push_back(r.agent_id);
  }
  return r;
}

bool IngestPipeline::count_reject(RejectReason reason, shared::UtcNanos now) {
  const auto i = static_cast<std::size_t>(reason);
  counters_.rejected[i].fetch_add(1, std::memory_order_relaxed);
  if (last_reject_log_[i] != shared::UtcNanos{} && now - last_reject_log_[i] < kRejectLogInterval) {
    return false;
  }
  last_reject_log_[i] = now;
  return true;
}

void IngestPipeline::check_seq_reuse(const StoredHello& hello, HandleResult& r,
                                     shared::UtcNanos now) {
  if (hello.incarnation == 0) return;  // an agent older than the field
  auto [it, fresh] = incarnations_.try_emplace(hello.agent_id, hello.incarnation);
  // Unknown since this process started (a collector restart): a resent Hello of the same run
  // would look the same, so nothing is said.
  if (fresh || it->second == hello.incarnation) return;
  it->second = hello.incarnation;
  const std::uint64_t through = ledger_.through(hello.agent_id);
  if (hello.first_seq == 0 || hello.first_seq > through) return;
  // A restart numbering at or below what is stored: an agent without a spool whose clock
  // stepped back (its clock floor is below the last run's seqs). Every message it sends until
  // its seqs pass the watermark is discarded as a duplicate; say so loudly, to both sides.
  if (count_reject(RejectReason::kSeqReused, now)) {
    log_->error(
        "agent '{}' restarted (incarnation {:x}) numbering from seq {}, at or below the {} "
        "already stored: its messages up to there are discarded as duplicates (its clock "
        "stepped back, and it has no spool). Give it a spool or fix its clock",
        shared::printable(hello.agent_id), hello.incarnation, hello.first_seq, through);
  }
  r.notice =
      RejectedSeqs{hello.agent_id, hello.first_seq, through, RejectReason::kSeqReused, false};
}

HandleResult IngestPipeline::handle(std::span<const std::byte> bytes, shared::UtcNanos received,
                                    const PeerIdentity& peer) {
  counters_.received.fetch_add(1, std::memory_order_relaxed);
  DecodeResult d = decode_envelope(bytes, received, options_.limits);
  HandleResult r;
  r.agent_id = d.agent_id;
  r.seq = d.seq;
  // Authorize first: whatever else is wrong with an envelope, a link that may not speak for
  // the agent and site it claims gets "unauthorized", and nothing is attributed to that agent.
  const bool attributed =
      !authorizer_ || (!d.agent_id.empty() && authorizer_->allowed(peer, d.agent_id, d.site));
  if (!d.ok()) {
    const auto reason = std::get<RejectReason>(d.value);
    const bool claims_agent = reason != RejectReason::kMalformed &&
                              reason != RejectReason::kWrongSchema &&
                              reason != RejectReason::kMissingAgent && !d.agent_id.empty();
    if (claims_agent && !attributed) {
      return reject(std::move(r), RejectReason::kUnauthorized, received, false);
    }
    return reject(std::move(r), reason, received, attributed);
  }
  StoredMessage& m = std::get<StoredMessage>(d.value);
  if (!attributed) return reject(std::move(r), RejectReason::kUnauthorized, received, false);
  if (const auto* hello = std::get_if<StoredHello>(&m.body)) check_seq_reuse(*hello, r, received);
  switch (ledger_.classify(m.agent_id, m.seq)) {
    case SeqLedger::Seen::kDuplicate:
      counters_.duplicates.fetch_add(1, std::memory_order_relaxed);
      ack_agents_.push_back(m.agent_id);  // its ack was probably lost: repeat it
      r.outcome = HandleResult::Outcome::kDuplicate;
      return r;
    case SeqLedger::Seen::kInFlight:
      counters_.duplicates.fetch_add(1, std::memory_order_relaxed);
      r.outcome = HandleResult::Outcome::kDuplicate;
      return r;
    case SeqLedger::Seen::kNew:
      break;
  }
  // What this message says will never come: given up once it is committed (finish()), not now.
  const std::size_t own_give_ups = give_ups_.size();
  auto give_up = [&](std::uint64_t first, std::uint64_t last) {
    if (first > 0 && last >= first) give_ups_.push_back(SeqGiveUp{m.agent_id, first, last});
  };
  if (const auto* hello = std::get_if<StoredHello>(&m.body)) {
    // The agent's run starts at first_seq: what it has not sent below that (apart from what
    // its spool still holds, up to carried_through) will never come. Without this a restart
    // without a spool waits gap_timeout for seqs that never existed.
    if (hello->first_seq > hello->carried_through + 1 && hello->first_seq <= m.seq) {
      give_up(hello->carried_through + 1, hello->first_seq - 1);
    }
    // Below what the agent still holds nothing more will come either (acknowledged, or
    // dropped and reported): a new agent's first run, a spool whose oldest was dropped.
    if (hello->lowest_kept_seq > 1 && hello->lowest_kept_seq <= m.seq) {
      give_up(1, hello->lowest_kept_seq - 1);
    }
  }
  if (const auto* drop = std::get_if<StoredDropReport>(&m.body)) {
    // The agent says these will never come: they must not hold the watermark back. Exactly the
    // seqs it dropped when it names them; an older agent's span (first..last) otherwise.
    if (!drop->dropped_ranges.empty()) {
      for (const auto& [first, last] : drop->dropped_ranges) {
        if (last < m.seq) give_up(first, last);
      }
    } else if (drop->first_dropped_seq > 0 && drop->last_dropped_seq < m.seq) {
      give_up(drop->first_dropped_seq, drop->last_dropped_seq);
    }
  }
  if (auto gap = ledger_.begin(m.agent_id, m.site, m.seq, received)) {
    // A Hello's own give-ups are no gap (seqs a restart never used, or that were acked before
    // it): without trimming, every restart recorded ~1e9..1e15 "missing" seqs.
    std::vector<StoredGap> pieces{std::move(*gap)};
    if (std::holds_alternative<StoredHello>(m.body)) {
      for (std::size_t i = own_give_ups; i < give_ups_.size(); ++i) {
        pieces = trim_gaps(std::move(pieces), give_ups_[i].first, give_ups_[i].last);
      }
    }
    for (auto& piece : pieces) {
      counters_.gaps.fetch_add(1, std::memory_order_relaxed);
      batch_.gaps.push_back(std::move(piece));
    }
  }
  counters_.accepted.fetch_add(1, std::memory_order_relaxed);
  r.outcome = HandleResult::Outcome::kAccepted;
  batch_.messages.push_back(std::move(m));
  return r;
}

FrameResult IngestPipeline::handle_frame(std::span<const std::byte> frame,
                                         shared::UtcNanos received, const PeerIdentity& peer,
                                         const EnvelopeAdmission& admit) {
  FrameResult out;
  auto one = [&](std::span<const std::byte> bytes) {
    ++out.envelopes;
    if (admit && !admit(bytes.size())) {
      ++out.throttled;
      return;
    }
    HandleResult r = handle(bytes, received, peer);
    if (r.notice) out.rejects.push_back(std::move(*r.notice));
    if (r.outcome == HandleResult::Outcome::kRejected) {
      ++out.rejected;
      if (r.seq > 0 && !r.agent_id.empty()) note_reject(out.rejects, r);
      return;
    }
    ++(r.outcome == HandleResult::Outcome::kAccepted ? out.accepted : out.duplicates);
    if (r.agent_id == out.agent_id) return;
    if (!out.agent_id.empty() && std::find(out.other_agents.begin(), out.other_agents.end(),
                                           out.agent_id) == out.other_agents.end()) {
      out.other_agents.push_back(std::move(out.agent_id));
    }
    out.agent_id = std::move(r.agent_id);
  };
  split_batch_frame(frame, options_.limits, split_);
  switch (split_.kind) {
    case BatchSplit::Kind::kSingle:
      one(frame);
      break;
    case BatchSplit::Kind::kBatch:
      out.batch = true;
      counters_.batches.fetch_add(1, std::memory_order_relaxed);
      for (const auto& e : split_.envelopes) one(e);
      break;
    case BatchSplit::Kind::kRejected:
      // Counted as one received message rejected: nothing in it was read.
      out.batch = true;
      out.rejected = 1;
      counters_.received.fetch_add(1, std::memory_order_relaxed);
      (void)reject(HandleResult{}, split_.reason, received, false);
      break;
  }
  return out;
}

IngestPipeline::PreparedBatch IngestPipeline::prepare() {
  PreparedBatch p;
  // Per-agent facts and sessions of this batch. The index's keys view the batch's own
  // agent_id strings (alive until the batch moves below): no string copy per message.
  agent_index_.clear();
  std::vector<AgentUpdate> updates;
  std::vector<const std::string*> site_of;  // the agent's latest site in this batch
  SessionChanges changes;
  for (const auto& m : batch_.messages) {
    auto [it, fresh] = agent_index_.try_emplace(std::string_view(m.agent_id), updates.size());
    if (fresh) {
      AgentUpdate& u = updates.emplace_back();
      u.agent_id = m.agent_id;
      u.first_seen = m.created;
      u.last_seen = m.created;
      u.last_received = m.received;
      site_of.push_back(&m.site);
    }
    AgentUpdate& u = updates[it->second];
    site_of[it->second] = &m.site;
    u.first_seen = std::min(u.first_seen, m.created);
    u.last_seen = std::max(u.last_seen, m.created);
    u.last_received = std::max(u.last_received, m.received);
    u.last_seq = std::max(u.last_seq, m.seq);
    const auto [from, to] = observed(m);
    sessions_.observe(m.agent_id, m.site, from, to, changes);
  }
  compact(changes);
  for (std::size_t i = 0; i < updates.size(); ++i) updates[i].site = *site_of[i];
  // In agent_id order, as before (the store and the acks do not depend on it; tests may).
  std::sort(updates.begin(), updates.end(),
            [](const AgentUpdate& a, const AgentUpdate& b) { return a.agent_id < b.agent_id; });
  for (auto& u : updates) {
    u.through_seq = ledger_.through_if_committed(u.agent_id, give_ups_);
    p.agents.push_back(u.agent_id);
    batch_.agents.push_back(std::move(u));
  }
  batch_.sessions = changes.upserts();
  batch_.sessions_removed = changes.removed();
  p.needs_commit = !batch_.messages.empty() || !batch_.gaps.empty();
  p.batch = std::move(batch_);
  p.give_ups = std::move(give_ups_);
  batch_ = CommitBatch{};
  give_ups_.clear();
  // The last committed batch's message storage, cleared: no regrowth (reallocating and moving
  // every StoredMessage) and no fresh pages to fault in per batch.
  batch_.messages = std::move(spare_messages_);
  batch_.messages.clear();
  return p;
}

FlushResult IngestPipeline::finish(PreparedBatch& p, const CommitResult* c, shared::UtcNanos now) {
  FlushResult result;
  if (c != nullptr) {
    if (!c->ok) {
      counters_.commit_failures.fetch_add(1, std::memory_order_relaxed);
      log_->error(
          "commit of {} messages failed: {}; they stay unacknowledged and the agents "
          "will resend them",
          p.batch.messages.size(), c->error);
      for (const auto& m : p.batch.messages) ledger_.aborted(m.agent_id, m.seq);
      // Their give-ups are dropped with them: the resent message says them again.
      result.ok = false;
      result.error = c->error;
      return result;
    }
    counters_.commits.fetch_add(1, std::memory_order_relaxed);
    counters_.stored.fetch_add(c->stored_count, std::memory_order_relaxed);
    counters_.duplicates.fetch_add(c->duplicate_count, std::memory_order_relaxed);
    result.stored = c->stored_count;
    result.duplicates = c->duplicate_count;
    // A store-side duplicate is durable too (another collector, or before a restart).
    for (const auto& m : p.batch.messages) ledger_.committed(m.agent_id, m.seq, now);
    for (const auto& g : p.give_ups) ledger_.give_up(g.agent_id, g.first, g.last, now);
  }
  if (p.batch.messages.capacity() > spare_messages_.capacity()) {
    p.batch.messages.clear();
    spare_messages_ = std::move(p.batch.messages);
  }
  for (auto& id : p.agents) ack_agents_.push_back(std::move(id));
  std::sort(ack_agents_.begin(), ack_agents_.end());
  ack_agents_.erase(std::unique(ack_agents_.begin(), ack_agents_.end()), ack_agents_.end());
  for (const auto& id : ack_agents_) {
    const auto through = ledger_.through(id);
    if (through > 0) result.acks.push_back(Ack{id, through});
  }
  ack_agents_.clear();
  return result;
}

FlushResult IngestPipeline::flush(Store& store, shared::UtcNanos now) {
  if (in_flight_) {
    // A pipelined batch is committing: it must land first (its watermark comes before ours).
    if (auto earlier = collect(*in_flight_committer_, now, true); earlier && !earlier->ok) {
      return *earlier;
    }
  }
  PreparedBatch p = prepare();
  if (!p.needs_commit) return finish(p, nullptr, now);
  const CommitResult c = store.commit(p.batch);
  return finish(p, &c, now);
}

bool IngestPipeline::submit(CommitThread& committer, shared::UtcNanos now) {
  if (in_flight_) return false;
  PreparedBatch p = prepare();
  if (!p.needs_commit) {
    // Nothing to write (acks owed for duplicates or given-up gaps): no transaction needed, but
    // the acks still wait for collect() so the caller has one place that sends them.
    done_without_commit_ = finish(p, nullptr, now);
    return true;
  }
  in_flight_ = std::move(p);
  in_flight_committer_ = &committer;
  committer.start(in_flight_->batch);
  return true;
}

std::optional<FlushResult> IngestPipeline::collect(CommitThread& committer, shared::UtcNanos now,
                                                   bool wait) {
  if (done_without_commit_) {
    auto r = std::move(done_without_commit_);
    done_without_commit_.reset();
    return r;
  }
  if (!in_flight_) return std::nullopt;
  std::optional<CommitResult> c = committer.result(wait);
  if (!c) return std::nullopt;
  PreparedBatch p = std::move(*in_flight_);
  in_flight_.reset();
  in_flight_committer_ = nullptr;
  // On failure, later seqs handle() accepted meanwhile stay pending and commit with the next
  // batch; the ledger holds the ack below the failed batch's first seq until it is resent.
  return finish(p, &*c, now);
}

void IngestPipeline::expire_gaps(shared::UtcNanos now) {
  for (auto& g : ledger_.expire(now, options_.gap_timeout)) {
    counters_.gaps_given_up.fetch_add(1, std::memory_order_relaxed);
    log_->warn("agent '{}': gave up waiting for seq {}..{} after {}s; acking past them", g.agent_id,
               g.first_seq, g.last_seq,
               std::chrono::duration_cast<std::chrono::seconds>(options_.gap_timeout).count());
    ack_agents_.push_back(g.agent_id);
  }
}

}  // namespace pathwatch::collector
