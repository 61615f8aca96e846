// Decides what a parsed ICMP message means for one engine: an answer to one of its probes
// (echo reply, or an error quoting its echo request), or input to ignore and count. Pure, so
// other pingers' replies, forged tokens and errors about unknown flows are unit-tested.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <optional>

#include "agent/probe/icmp_packet.hpp"
#include "agent/probe/probe_tracker.hpp"

namespace pathwatch::agent {

// Who this engine is on the wire.
struct IcmpIdentity {
  IcmpFamily family = IcmpFamily::kV4;
  std::uint16_t ident = 0;  // ICMP identifier (ping sockets: the kernel's, from getsockname)
  std::uint64_t token = 0;  // random per engine, carried in every probe stamp
};

enum class IgnoreReason : std::uint8_t {
  kNone,            // not ignored: `answer` is set
  kNotForUs,        // echo requests, unrelated ICMP types: not counted
  kForeignReply,    // another process's echo reply (other identifier or token)
  kMalformed,       // truncated or corrupted
  kUnmatchedError,  // an ICMP error quoting something that is not one of our live probes
};

struct IcmpMatch {
  IgnoreReason ignored = IgnoreReason::kNone;
  ProbeKey key;
  ProbeAnswer answer;  // received_mono is left for the caller (it owns the clocks)
};

// `from`: the sender (echo replies: the target; errors: the router that sent the error).
// `tracker` resolves errors whose quote was too short to carry the stamp.
IcmpMatch match_icmp(const IcmpIdentity& self, const ParsedIcmp& parsed,
                     const boost::asio::ip::address& from, const ProbeTracker& tracker);

// Counts of ignored input, kept by the engine.
struct IgnoreTally {
  std::uint64_t foreign_replies = 0;
  std::uint64_t malformed = 0;
  std::uint64_t unmatched_errors = 0;
  void count(IgnoreReason reason);
};

// The engine's whole receive decision for one message: match it, let the tracker finish (or
// flag duplicate / late) the probe it answers, and count whatever is ignored, including
// answers with a valid token for probes the tracker does not know (forgotten or never sent).
std::optional<ProbeResult> accept_icmp(const IcmpIdentity& self, const ParsedIcmp& parsed,
                                       const boost::asio::ip::address& from,
                                       shared::MonoNanos arrival, ProbeTracker& tracker,
                                       IgnoreTally& tally);

}  // namespace pathwatch::agent
