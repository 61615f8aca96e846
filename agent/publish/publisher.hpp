// Everything the agent sends goes through here: it numbers each message (EnvelopeFactory),
// keeps it in the Outbox until the collector acknowledges it, sends in seq order as the
// transport allows, says Hello first on every connection, resends what is unacknowledged
// after a reconnect or when acks stop coming, and sends a Heartbeat when nothing else went
// out for a while. Never blocks: a missing collector only makes the outbox grow (bounded).
// Time-driven work happens in tick(now), which the runtime calls about once a second.
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "agent/publish/batch_encoder.hpp"
#include "agent/publish/envelope_factory.hpp"
#include "agent/publish/outbox.hpp"
#include "agent/publish/transport.hpp"
#include "shared/logging/logging.hpp"
#include "shared/time/clock.hpp"

namespace pathwatch::agent {

struct PublisherOptions {
  // A Heartbeat goes out when nothing was published for this long.
  shared::Nanos heartbeat_after{std::chrono::seconds{10}};
  // Unacknowledged messages sent this long ago with no ack progress since: resend from the
  // first unacknowledged one (a collector restarted and lost what it had not committed).
  shared::Nanos resend_after{std::chrono::seconds{15}};
  // Consecutive messages go out together as one Batch frame (docs/protocol.md) of at most this
  // many messages and bytes, so CURVE and libzmq pay their per-message cost once per batch. A
  // message goes out alone at once while fewer than batch_max_messages are unacknowledged; beyond
  // that, a partial batch waits until it fills, an ack frees room, or tick(). 1: never batch (a
  // collector older than the Batch frame rejects batches).
  std::size_t batch_max_messages = 64;
  std::size_t batch_max_bytes = 32 * 1024;
  // The collector's per-envelope limit (collector.limits max_message_bytes, 64 KiB by
  // default): a Hello is split into parts that fit (agent/publish/hello_split.hpp), and any
  // other envelope above it is logged, since the collector will refuse it.
  std::size_t max_envelope_bytes = 64 * 1024;
};

class Publisher {
 public:
  using FillBody = std::function<void(pathwatch::v1::Envelope&)>;
  using HelloBody = std::function<void(pathwatch::v1::Hello&)>;
  // Called before each seq is used (SeqStore::reserve).
  using ReserveSeq = std::function<void(std::uint64_t)>;

  struct Counters {
    std::uint64_t published = 0;
    std::uint64_t sent = 0;
    std::uint64_t resent = 0;  // sends of a seq sent before
    std::uint64_t acks = 0;
    std::uint64_t bad_frames = 0;  // collector frames that did not parse
    std::uint64_t rewinds = 0;
    std::uint64_t batches = 0;  // Batch frames sent (their messages count in `sent`)
    // Acks through a seq above the highest this agent assigned: protocol errors, ignored.
    std::uint64_t acks_beyond_sent = 0;
    std::uint64_t oversized = 0;     // envelopes published above max_envelope_bytes
    std::uint64_t drop_reports = 0;  // one per drop episode
    std::uint64_t rejected = 0;      // seqs the collector said it refused (Reject messages)
  };

  Publisher(EnvelopeFactory& envelopes, Outbox& outbox, Transport& transport,
            const shared::Clock& clock, HelloBody hello, PublisherOptions options = {},
            ReserveSeq reserve = {});

  void start();  // starts the transport
  void stop();

  // Numbers, stores and (if possible) sends one message. Returns its seq.
  std::uint64_t publish(MessageClass message_class, const FillBody& fill);
  // A Hello now (config reload): one envelope, or its parts. Returns the first and last seq.
  std::pair<std::uint64_t, std::uint64_t> publish_hello();
  // A DropReport for `drops`. The publisher sends one by itself per drop episode of the
  // outbox: the drops are counted while every push drops something (a full outbox), and
  // reported by the first push that drops nothing, so a long overflow costs one report, not
  // one per message. Drops still unreported at a stop stay with the outbox (the disk spool
  // keeps them for the next run).
  std::uint64_t publish_drop_report(const DropTally& drops);
  // Reports what the outbox holds as dropped now, if anything (the spool's losses of an
  // earlier run, at start).
  void report_pending_drops();
  void tick(shared::MonoNanos now);

  bool connected() const { return connected_; }
  std::uint64_t acked_through() const { return acked_through_; }
  std::uint64_t unacknowledged() const { return outbox_.messages(); }
  const Counters& counters() const { return counters_; }

 private:
  void on_connected();
  void on_disconnected();
  void on_frame(std::string_view frame);
  void on_reject(const pathwatch::v1::Reject& reject);
  // Sends what the transport takes. hold_partial: keep a partial batch back while a full
  // batch's worth is unacknowledged (more messages or an ack are coming to fill or free it).
  void pump(bool hold_partial = true);
  // Sends the run of entries starting at `first` as one frame; false: the transport is full.
  bool send_run(const OutboxEntry& first, bool hold_partial);
  void sent_seq(std::uint64_t seq);
  void rewind();
  void report_drops();
  void end_drop_episode();

  EnvelopeFactory& envelopes_;
  Outbox& outbox_;
  Transport& transport_;
  const shared::Clock& clock_;
  HelloBody hello_;
  PublisherOptions options_;
  ReserveSeq reserve_;
  bool connected_ = false;
  std::uint64_t acked_through_ = 0;
  std::uint64_t cursor_ = 0;        // highest seq sent on this connection (in order)
  std::uint64_t highest_sent_ = 0;  // ever, to count resends
  // The Hello (all its parts) sent ahead of a rewind: skipped when the cursor reaches it.
  std::uint64_t already_sent_first_ = 0;
  std::uint64_t already_sent_last_ = 0;
  bool already_sent(std::uint64_t seq) const {
    return seq >= already_sent_first_ && seq <= already_sent_last_ && already_sent_first_ != 0;
  }
  shared::MonoNanos last_published_{};
  shared::MonoNanos last_progress_{};  // last ack progress, or last rewind
  bool reporting_drops_ = false;
  bool ack_beyond_logged_ = false;
  shared::MonoNanos last_ack_beyond_log_{};
  bool oversize_logged_ = false;
  shared::MonoNanos last_oversize_log_{};
  std::uint64_t episode_drops_ = 0;  // outbox_.drops_pending() after the last push
  Counters counters_;
  std::set<std::string, std::less<>> reject_reasons_logged_;  // each reason's first Reject
  BatchEncoder batch_;
  shared::LoggerPtr log_;
};

}  // namespace pathwatch::agent
