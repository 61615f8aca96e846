// What one probe attempt produced. Probe engines create these; window statistics, the path
// state machine and the active-path detector consume them. Plain data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "shared/time/time_types.hpp"

namespace pathwatch::agent {

// Index of a (target, path, probe kind[, port]) flow in the agent's flow table.
using FlowId = std::uint32_t;

// The outcome class of an attempt. For TCP these map 1:1 to pathwatch.v1.TcpOutcome; for ICMP
// echo, kOk is an echo reply, kUnreachable an ICMP destination unreachable, kTimeExceeded an
// ICMP time exceeded (TTL expired in transit: with a deliberately small TTL, this is how the
// answering router is learnt).
enum class Outcome : std::uint8_t {
  kOk,
  kRefused,       // TCP RST: the host answered, the service did not
  kTimeout,       // nothing within the timeout
  kUnreachable,   // ICMP destination unreachable (code in icmp), EHOSTUNREACH, ENETUNREACH
  kTimeExceeded,  // ICMP time exceeded (router in icmp)
  kError,         // anything else; errno in error_number
};

const char* to_string(Outcome outcome);

struct IcmpEvidence {
  std::string router;  // source address of the ICMP error, text form
  std::uint8_t type = 0;
  std::uint8_t code = 0;
};

struct ProbeResult {
  FlowId flow = 0;
  std::uint64_t seq = 0;        // per-flow probe sequence number, from 1
  shared::UtcNanos sent_utc{};  // reporting only
  shared::MonoNanos sent_mono{};
  Outcome outcome = Outcome::kTimeout;
  // Round trip (reply, RST or ICMP error), from a kernel receive timestamp where available
  // and the monotonic send time. Empty for kTimeout and local errors.
  std::optional<shared::Nanos> rtt;
  std::optional<IcmpEvidence> icmp;
  int error_number = 0;
  // A second answer to a probe that was already answered: counted, never a second sample.
  bool duplicate = false;
  // An answer that arrived after the probe had been declared timed out.
  bool late = false;
};

}  // namespace pathwatch::agent
