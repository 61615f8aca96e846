// Sequencing, outbox, send order, acks, resends, Hello and Heartbeat (see the header).
#include "agent/publish/publisher.hpp"

#include <algorithm>
#include <vector>

#include "agent/publish/hello_split.hpp"
#include "shared/logging/printable.hpp"

namespace pathwatch::agent {

namespace pb = pathwatch::v1;

namespace {
// A peer's protocol errors can come with every frame: one log line per kind per minute.
constexpr shared::Nanos kProtocolErrorLogInterval = std::chrono::minutes{1};
// Seq ranges per DropReport: a report must fit the collector's max_message_bytes (64 KiB).
constexpr std::size_t kMaxDropRanges = 1000;
}  // namespace

Publisher::Publisher(EnvelopeFactory& envelopes, Outbox& outbox, Transport& transport,
                     const shared::Clock& clock, HelloBody hello, PublisherOptions options,
                     ReserveSeq reserve)
    : envelopes_(envelopes),
      outbox_(outbox),
      transport_(transport),
      clock_(clock),
      hello_(std::move(hello)),
      options_(options),
      reserve_(std::move(reserve)),
      log_(shared::component_logger("agent.publish")) {
  last_published_ = last_progress_ = clock_.mono_now();
}

void Publisher::start() {
  transport_.start({[this] { on_connected(); }, [this] { on_disconnected(); },
                    [this](std::string_view f) { on_frame(f); }});
}

void Publisher::stop() {
  transport_.stop();
}

std::uint64_t Publisher::publish(MessageClass message_class, const FillBody& fill) {
  if (reserve_) reserve_(envelopes_.next_seq());
  pb::Envelope env = envelopes_.make();
  fill(env);
  OutboxEntry entry;
  entry.seq = env.seq();
  entry.created_unix_nanos = env.created_unix_nanos();
  entry.message_class = message_class;
  entry.frame = env.SerializeAsString();
  if (entry.frame.size() > options_.max_envelope_bytes) {
    // The collector will refuse it (and the ack pass it by): never silently.
    ++counters_.oversized;
    const shared::MonoNanos now = clock_.mono_now();
    if (!oversize_logged_ || now - last_oversize_log_ >= kProtocolErrorLogInterval) {
      log_->error(
          "seq {} is {} bytes, above the collector's per-envelope limit of {} bytes: it "
          "will be refused ({} such envelopes so far)",
          entry.seq, entry.frame.size(), options_.max_envelope_bytes, counters_.oversized);
      oversize_logged_ = true;
      last_oversize_log_ = now;
    }
  }
  outbox_.push(std::move(entry));
  ++counters_.published;
  last_published_ = clock_.mono_now();
  report_drops();
  pump();
  return env.seq();
}

void Publisher::report_drops() {
  if (reporting_drops_) return;  // the DropReport's own push is judged by the caller
  const std::uint64_t pending = outbox_.drops_pending();
  if (pending > episode_drops_) {
    // This push dropped something: the outbox is full and the episode goes on.
    if (episode_drops_ == 0) {
      log_->warn(
          "outbox full: dropping the oldest messages (summaries first) until there is "
          "room; one DropReport follows when the overflow ends");
    }
    episode_drops_ = pending;
    return;
  }
  if (pending > 0) end_drop_episode();
}

void Publisher::report_pending_drops() {
  if (outbox_.drops_pending() > 0) end_drop_episode();
}

void Publisher::end_drop_episode() {
  const DropTally d = outbox_.take_drops();
  // The outbox may hold the tally back (the disk spool while its disk fails: the report
  // would be lost with the memory queue): the episode is reported later.
  episode_drops_ = outbox_.drops_pending();
  if (d.empty()) return;
  log_->warn("outbox overflow: dropped {} summaries and {} events (seq {}..{})", d.summaries,
             d.events, d.first_seq, d.last_seq);
  reporting_drops_ = true;
  publish_drop_report(d);
  reporting_drops_ = false;
  ++counters_.drop_reports;
  // The report itself may have pushed one more out: that opens the next episode.
  episode_drops_ = outbox_.drops_pending();
}

std::uint64_t Publisher::publish_drop_report(const DropTally& d) {
  // At most kMaxDropRanges ranges per report (~24 bytes each at worst, well within
  // max_message_bytes); the rest go in further reports. Each report's first..last is the span
  // of its own ranges (what a collector older than the ranges gives up); the counts go in the
  // first report only, so the reports add up to the episode.
  std::size_t next = 0;
  std::uint64_t seq = 0;
  do {
    const std::size_t end = std::min(d.ranges.size(), next + kMaxDropRanges);
    const bool first_part = next == 0;
    const bool whole = end == d.ranges.size() && first_part;
    seq = publish(MessageClass::kControl, [&](pb::Envelope& env) {
      auto& r = *env.mutable_drop_report();
      r.set_dropped_summaries(first_part ? d.summaries : 0);
      r.set_dropped_events(first_part ? d.events : 0);
      r.set_first_dropped_seq(whole ? d.first_seq : d.ranges[next].first);
      r.set_last_dropped_seq(whole ? d.last_seq : d.ranges[end - 1].second);
      r.set_first_dropped_unix_nanos(d.first_unix_nanos);
      r.set_last_dropped_unix_nanos(d.last_unix_nanos);
      for (std::size_t i = next; i < end; ++i) {
        auto* range = r.add_dropped_ranges();
        range->set_first(d.ranges[i].first);
        range->set_last(d.ranges[i].second);
      }
    });
    next = end;
  } while (next < d.ranges.size());
  return seq;
}

std::pair<std::uint64_t, std::uint64_t> Publisher::publish_hello() {
  pb::Hello full;
  hello_(full);
  // Everything below the outbox's oldest entry was acknowledged or dropped (docs/protocol.md).
  const OutboxEntry* oldest = outbox_.next_after(0);
  full.set_lowest_kept_seq(oldest != nullptr ? oldest->seq : envelopes_.next_seq());
  const std::size_t budget = options_.max_envelope_bytes > kEnvelopeOverheadBytes
                                 ? options_.max_envelope_bytes - kEnvelopeOverheadBytes
                                 : 1;
  const std::vector<pb::Hello> parts = split_hello(full, budget);
  if (parts.size() > 1) {
    log_->info("Hello with {} targets sent in {} parts (each within {} bytes)", full.targets_size(),
               parts.size(), options_.max_envelope_bytes);
  }
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  for (const pb::Hello& part : parts) {
    last = publish(MessageClass::kControl, [&](pb::Envelope& env) { *env.mutable_hello() = part; });
    if (first == 0) first = last;
  }
  return {first, last};
}

void Publisher::on_connected() {
  // Hello first on this connection, then everything not yet acknowledged in seq order. The
  // Hello (each of its parts) is numbered and kept like any message (so its ack is tracked),
  // sent directly ahead of the older ones, and skipped when the rewound cursor reaches it.
  connected_ = false;  // keeps publish() from sending older messages before it
  const auto [first, last] = publish_hello();
  connected_ = true;
  already_sent_first_ = already_sent_last_ = 0;
  for (std::uint64_t seq = first; seq <= last; ++seq) {
    const OutboxEntry* e = outbox_.next_after(seq - 1);
    if (e == nullptr || e->seq != seq || transport_.try_send(e->frame) != SendStatus::kSent) {
      break;
    }
    ++counters_.sent;  // not in highest_sent_: what precedes it is not a resend for that
    if (already_sent_first_ == 0) already_sent_first_ = seq;
    already_sent_last_ = seq;
  }
  rewind();
  pump();
}

void Publisher::on_disconnected() {
  // Another endpoint may still be connected; libzmq reconnects by itself. What was in
  // flight is resent on the next connect or by the resend timer.
  connected_ = false;
}

void Publisher::rewind() {
  cursor_ = acked_through_;
  last_progress_ = clock_.mono_now();
  ++counters_.rewinds;
}

void Publisher::on_frame(std::string_view frame) {
  pb::CollectorMessage msg;
  if (!msg.ParseFromArray(frame.data(), static_cast<int>(frame.size()))) {
    ++counters_.bad_frames;
    return;
  }
  if (msg.has_ack()) {
    ++counters_.acks;
    const std::uint64_t through = msg.ack().through_seq();
    const std::uint64_t highest_assigned = envelopes_.next_seq() - 1;
    if (through > highest_assigned) {
      // The collector claims to hold seqs this agent never made (it kept an earlier agent's
      // seqs under this id, or it is broken): believing it would delete unsent messages and
      // let everything made next be taken for duplicates. Keep the spool; the Hello's
      // first_seq lets a current collector move its watermark instead.
      ++counters_.acks_beyond_sent;
      const shared::MonoNanos now = clock_.mono_now();
      if (!ack_beyond_logged_ || now - last_ack_beyond_log_ >= kProtocolErrorLogInterval) {
        log_->error(
            "protocol error: the collector acknowledged through seq {} but this agent has only "
            "assigned seqs up to {}: ignored ({} such acks so far)",
            through, highest_assigned, counters_.acks_beyond_sent);
        ack_beyond_logged_ = true;
        last_ack_beyond_log_ = now;
      }
      return;
    }
    if (through > acked_through_) {
      acked_through_ = through;
      outbox_.ack(through);
      last_progress_ = clock_.mono_now();
    }
    cursor_ = std::max(cursor_, acked_through_);
    pump();
  }
  if (msg.has_reject()) on_reject(msg.reject());
}

void Publisher::on_reject(const pb::Reject& reject) {
  // The collector refused these seqs and will never store them (docs/protocol.md "Reject").
  // An own envelope that can never be stored is given up there, so a later Ack passes it and
  // the outbox lets it go; nothing else is done here. Each reason is logged once per run: it
  // names a defect in this agent or its config that resending cannot fix.
  const std::uint64_t first = reject.first_seq();
  const std::uint64_t last = std::max(first, reject.last_seq());
  counters_.rejected += last - first + 1;
  const std::string reason = shared::printable(reject.reason(), 64);
  if (reject_reasons_logged_.size() < 32 && reject_reasons_logged_.insert(reason).second) {
    log_->error(
        "the collector refused seq {}..{} ({}); it will not store them. Further refusals for "
        "this reason are counted, not logged",
        first, last, reason);
  }
}

void Publisher::sent_seq(std::uint64_t seq) {
  if (seq <= highest_sent_) {
    ++counters_.resent;
  } else {
    highest_sent_ = seq;
  }
  ++counters_.sent;
  cursor_ = seq;
}

bool Publisher::send_run(const OutboxEntry& first, bool hold_partial) {
  const std::size_t max_messages = std::max<std::size_t>(1, options_.batch_max_messages);
  if (max_messages == 1 || BatchEncoder::cost(first.frame.size()) > options_.batch_max_bytes) {
    if (transport_.try_send(first.frame) != SendStatus::kSent) return false;
    sent_seq(first.seq);
    return true;
  }
  // Enough in flight and not a batch's worth published beyond the cursor: wait (for more, for
  // an ack or a tick) before reading anything, since reading a run (the disk spool: one pread
  // per entry) only to hold it back would be repeated on every publish.
  const bool busy = cursor_ > acked_through_ && cursor_ - acked_through_ >= max_messages;
  const std::uint64_t highest = envelopes_.next_seq() - 1;
  if (hold_partial && busy && (highest < first.seq || highest - first.seq + 1 < max_messages)) {
    return false;
  }
  // next_after() may reuse its entry (the disk spool reads into one buffer): copy as we go.
  batch_.clear();
  batch_.add(first.seq, first.frame);
  std::uint64_t last = first.seq;
  bool bounded = false;  // stopped by a limit or the Hello, not by running out of messages
  while (batch_.envelopes() < max_messages) {
    const OutboxEntry* e = outbox_.next_after(last);
    if (e == nullptr) break;
    if (already_sent(e->seq) ||
        batch_.body_bytes() + BatchEncoder::cost(e->frame.size()) > options_.batch_max_bytes) {
      bounded = true;
      break;
    }
    batch_.add(e->seq, e->frame);
    last = e->seq;
  }
  const std::size_t count = batch_.envelopes();
  if (count < max_messages && !bounded && hold_partial && busy) {
    return false;  // enough in flight: this batch fills up or goes with the next ack or tick
  }
  // A single message goes out in its plain form (`first` may have been overwritten by
  // next_after(); the batch holds its copy).
  const SendStatus status =
      transport_.try_send(count == 1 ? batch_.first_envelope() : std::string_view(batch_.frame()));
  if (status != SendStatus::kSent) return false;
  if (count > 1) ++counters_.batches;
  for (const std::uint64_t seq : batch_.seqs()) sent_seq(seq);
  return true;
}

void Publisher::pump(bool hold_partial) {
  if (!connected_) return;
  // Bounded per call; what is left goes on the next ack or tick.
  for (int i = 0; i < 10000; ++i) {
    const OutboxEntry* e = outbox_.next_after(cursor_);
    if (e == nullptr) return;
    if (already_sent(e->seq)) {
      cursor_ = e->seq;
      continue;
    }
    if (!send_run(*e, hold_partial)) return;
  }
}

void Publisher::tick(shared::MonoNanos now) {
  if (now - last_published_ >= options_.heartbeat_after) {
    publish(MessageClass::kControl, [&](pb::Envelope& env) {
      auto& hb = *env.mutable_heartbeat();
      hb.set_at_unix_nanos(shared::to_unix_nanos(clock_.utc_now()));
      hb.set_spool_messages(outbox_.messages());
      hb.set_spool_bytes(outbox_.bytes());
    });
  }
  if (connected_ && cursor_ > acked_through_ && now - last_progress_ >= options_.resend_after) {
    log_->info("no acknowledgement beyond seq {} for {} s: resending {} messages", acked_through_,
               std::chrono::duration_cast<std::chrono::seconds>(now - last_progress_).count(),
               outbox_.messages());
    already_sent_first_ = already_sent_last_ = 0;  // resend everything, the Hello included
    rewind();
  }
  pump(false);  // a partial batch held back goes now
}

}  // namespace pathwatch::agent
