// The mechanics every probe engine shares: outstanding probes, their deadlines (one queue per
// engine, so one timer serves thousands of probes), and the memory of finished probes that
// lets a second answer be flagged duplicate and an answer after the deadline be flagged late.
// Pure: times come in as arguments.
#pragma once

#include <cstdint>
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

class ProbeTracker {
 public:
  // How long a finished probe is remembered, as a multiple of its timeout (at least
  // kMinRetention): answers later than that are not ours any more, whatever they say.
  static constexpr int kRetentionTimeouts = 4;
  static constexpr shared::Nanos kMinRetention{std::chrono::seconds{10}};

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
  bool is_known(ProbeKey key) const { return probes_.contains(key); }

  // Whether `key` has been declared finished (answered or timed out), e.g. to ignore the
  // completion of an operation the engine cancelled itself.
  bool is_outstanding(ProbeKey key) const;

  // Declares every probe whose deadline is <= now timed out (appending their results, oldest
  // deadline first) and forgets finished probes past retention.
  void expire(shared::MonoNanos now, std::vector<ProbeResult>& timed_out);

  // The earliest instant expire() has work to do, if any.
  std::optional<shared::MonoNanos> next_deadline() const;

  std::size_t outstanding() const { return outstanding_count_; }
  std::size_t remembered() const { return probes_.size(); }

 private:
  struct Probe {
    shared::UtcNanos sent_utc;
    shared::MonoNanos sent_mono;
    shared::MonoNanos deadline;
    shared::MonoNanos forget_at;
    std::optional<std::uint16_t> wire_seq;
    bool finished = false;
    bool timed_out = false;
    std::uint32_t answers = 0;
  };
  struct Due {
    shared::MonoNanos at;
    ProbeKey key;
    bool forget;  // false: deadline, true: end of retention
    bool operator>(const Due& o) const { return at > o.at; }
  };

  ProbeResult base_result(ProbeKey key, const Probe& p) const;

  std::unordered_map<ProbeKey, Probe, ProbeKeyHash> probes_;
  std::unordered_map<std::uint16_t, ProbeKey> by_wire_seq_;
  std::priority_queue<Due, std::vector<Due>, std::greater<Due>> due_;
  std::size_t outstanding_count_ = 0;
};

}  // namespace pathwatch::agent
