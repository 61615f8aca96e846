// The mechanics every probe engine shares: outstanding probes, their deadlines (one queue per
// engine, so one timer serves thousands of probes), and the memory of finished probes that
// lets a second answer be flagged duplicate and an answer after the deadline be flagged late.
// Pure: times come in as arguments.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <queue>
#include <unordered_map>
#include <vector>

#include "agent/probe/probe_result.hpp"
#include "shared/time/time_types.hpp"

namespace pathwatch::agent {

struct ProbeKey {
  FlowId flow = 0;
  std::uint64_t seq = 0;
  friend bool operator==(const ProbeKey&, const ProbeKey&) = default;
};

struct ProbeKeyHash {
  std::size_t operator()(const ProbeKey& k) const noexcept {
    return std::hash<std::uint64_t>{}(k.seq * 0x9e3779b97f4a7c15ull ^ k.flow);
  }
};

// What an answer says about a probe, before the tracker adds the probe's own facts.
struct ProbeAnswer {
  Outcome outcome = Outcome::kOk;
  // Monotonic instant the answer arrived (kernel receive time mapped to CLOCK_MONOTONIC, see
  // receive_time.hpp); rtt = received_mono - sent_mono. Empty: no round trip (local errors).
  std::optional<shared::MonoNanos> received_mono;
  // A round trip the kernel measured itself (TCP_INFO's handshake RTT): used instead of
  // received_mono when present.
  std::optional<shared::Nanos> kernel_rtt;
  std::optional<IcmpEvidence> icmp;
  int error_number = 0;
};

// Memory (bench/agent_vs_fping: 2,000 probes/s): probes live in one small ring per flow
// (40 bytes each, in seq order, found by binary search) instead of one hash node per probe
// plus two queue entries; only deadlines of probes in flight and one "forget" entry per flow
// are queued. Remembering 10 s, that is ~1.7 MB instead of ~3.8 MB; at 4 s, ~0.7 MB.
class ProbeTracker {
 public:
  // How long a finished probe is remembered, as a multiple of its timeout (at least
  // kMinRetention): answers later than that are not ours any more, whatever they say, and
  // are ignored (counted as foreign). 4 x timeout: an answer 3 timeouts after the deadline
  // is still flagged late. (It was max(4 x timeout, 10 s): at the default 1 s timeout that
  // kept 2.5 times as many probes for answers that, that late, no real path delivers;
  // bench/agent_vs_fping.)
  static constexpr int kRetentionTimeouts = 4;
  static constexpr shared::Nanos kMinRetention{std::chrono::seconds{2}};

  // Registers a probe just sent. `wire_seq` (ICMP only) lets an error whose quote is too short
  // to carry the probe stamp still be matched. False (and nothing changes) when (flow, seq)
  // is outstanding or recently finished: the caller sent the same probe twice.
  bool start(ProbeKey key, shared::UtcNanos sent_utc, shared::MonoNanos sent_mono,
             shared::Nanos timeout, std::optional<std::uint16_t> wire_seq = std::nullopt);

  // An answer for `key`. The final result the first time; a result flagged duplicate (second
  // answer) and/or late (after the deadline) after that; nullopt when the key is unknown
  // (never sent, or forgotten long ago).
  std::optional<ProbeResult> answer(ProbeKey key, const ProbeAnswer& answer);

  // The probe last sent with this ICMP sequence, while it is remembered.
  std::optional<ProbeKey> find_wire_seq(std::uint16_t wire_seq) const;

  // Whether `key` is outstanding or still remembered after finishing.
  bool is_known(ProbeKey key) const { return find(key) != nullptr; }

  // Whether `key` has been declared finished (answered or timed out), e.g. to ignore the
  // completion of an operation the engine cancelled itself.
  bool is_outstanding(ProbeKey key) const;

  // Declares every probe whose deadline is <= now timed out (appending their results, oldest
  // deadline first) and forgets finished probes past retention.
  void expire(shared::MonoNanos now, std::vector<ProbeResult>& timed_out);

  // The earliest instant expire() has work to do, if any.
  std::optional<shared::MonoNanos> next_deadline() const;

  std::size_t outstanding() const { return outstanding_count_; }
  std::size_t remembered() const { return remembered_count_; }

 private:
  enum Flag : std::uint8_t {
    kFinished = 1,  // answered or timed out: the final result has been given
    kTimedOut = 2,
    kAnswered = 4,  // at least one answer: the next one is a duplicate
    kHasWireSeq = 8,
  };
  struct Probe {
    std::uint64_t seq = 0;
    shared::UtcNanos sent_utc{};
    shared::MonoNanos sent_mono{};
    shared::Nanos timeout{0};  // deadline and end of retention are derived from it
    std::uint16_t wire_seq = 0;
    std::uint8_t flags = 0;

    shared::MonoNanos deadline() const { return sent_mono + timeout; }
    shared::MonoNanos forget_at() const;
  };
  // One flow's remembered probes, oldest (lowest seq) first, in a ring that grows as needed.
  struct FlowProbes {
    std::vector<Probe> ring;
    std::uint32_t head = 0;
    std::uint32_t count = 0;
    // The end of retention the forget queue holds for this flow (its earliest), if any.
    std::optional<shared::MonoNanos> queued_forget;

    Probe& at(std::uint32_t i);
    const Probe& at(std::uint32_t i) const;
    // Index of `seq` (0 = oldest), or count when absent.
    std::uint32_t index_of(std::uint64_t seq) const;
    void insert(const Probe& p);
    // Drops probes past retention at `now`; returns how many were still unfinished.
    std::size_t forget(shared::MonoNanos now, std::size_t& forgotten);
    std::optional<shared::MonoNanos> earliest_forget() const;
  };
  struct Deadline {
    shared::MonoNanos at;
    FlowId flow;
    std::uint64_t seq;
    bool operator>(const Deadline& o) const { return at > o.at; }
  };
  struct ForgetDue {
    shared::MonoNanos at;
    FlowId flow;
    bool operator>(const ForgetDue& o) const { return at > o.at; }
  };
  // ICMP sequences in start order: find_wire_seq() looks up the newest probe sent with one.
  struct WireUse {
    std::uint64_t seq;
    FlowId flow;
    std::uint16_t wire_seq;
    bool in_step;  // wire_seq == previous entry's + 1 (mod 2^16)
  };

  Probe* find(ProbeKey key);
  const Probe* find(ProbeKey key) const;
  ProbeResult base_result(ProbeKey key, const Probe& p) const;
  void queue_forget(FlowId flow, FlowProbes& f);

  std::unordered_map<FlowId, FlowProbes> flows_;
  std::priority_queue<Deadline, std::vector<Deadline>, std::greater<Deadline>> deadlines_;
  std::priority_queue<ForgetDue, std::vector<ForgetDue>, std::greater<ForgetDue>> forgets_;
  std::deque<WireUse> wire_uses_;
  std::size_t wire_out_of_step_ = 0;  // entries of wire_uses_ with in_step == false
  std::size_t outstanding_count_ = 0;
  std::size_t remembered_count_ = 0;
};

}  // namespace pathwatch::agent
