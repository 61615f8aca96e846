// Matching ICMP input to this engine's probes: identifier AND per-engine token must agree.
#include "agent/probe/icmp_match.hpp"

namespace pathwatch::agent {

IcmpMatch match_icmp(const IcmpIdentity& self, const ParsedIcmp& parsed,
                     const boost::asio::ip::address& from, const ProbeTracker& tracker) {
  IcmpMatch m;
  switch (parsed.kind) {
    case ParsedIcmp::Kind::kMalformed:
      m.ignored = IgnoreReason::kMalformed;
      return m;
    case ParsedIcmp::Kind::kEchoRequest:
    case ParsedIcmp::Kind::kOther:
      m.ignored = IgnoreReason::kNotForUs;
      return m;
    case ParsedIcmp::Kind::kEchoReply: {
      if (parsed.ident != self.ident || !parsed.stamp || parsed.stamp->token != self.token) {
        m.ignored = IgnoreReason::kForeignReply;
        return m;
      }
      m.key = ProbeKey{parsed.stamp->flow, parsed.stamp->seq};
      m.answer.outcome = Outcome::kOk;
      return m;
    }
    case ParsedIcmp::Kind::kError:
      break;
  }
  if (parsed.ident != self.ident) {
    m.ignored = IgnoreReason::kUnmatchedError;
    return m;
  }
  if (parsed.stamp) {
    if (parsed.stamp->token != self.token) {
      m.ignored = IgnoreReason::kUnmatchedError;
      return m;
    }
    m.key = ProbeKey{parsed.stamp->flow, parsed.stamp->seq};
  } else {
    // An RFC 792 router quoted only the 8-byte ICMP header: identifier and 16-bit sequence
    // are all we have, so it must name a probe we still remember.
    std::optional<ProbeKey> key = tracker.find_wire_seq(parsed.wire_seq);
    if (!key) {
      m.ignored = IgnoreReason::kUnmatchedError;
      return m;
    }
    m.key = *key;
  }
  const IcmpTypes& t = icmp_types(self.family);
  if (parsed.type == t.time_exceeded) {
    m.answer.outcome = Outcome::kTimeExceeded;
  } else if (parsed.type == t.dest_unreachable) {
    m.answer.outcome = Outcome::kUnreachable;
  } else {
    m.answer.outcome = Outcome::kError;  // e.g. ICMPv6 packet too big, parameter problem
  }
  m.answer.icmp = IcmpEvidence{from.to_string(), parsed.type, parsed.code};
  return m;
}

std::optional<ProbeResult> accept_icmp(const IcmpIdentity& self, const ParsedIcmp& parsed,
                                       const boost::asio::ip::address& from,
                                       shared::MonoNanos arrival, ProbeTracker& tracker,
                                       IgnoreTally& tally) {
  IcmpMatch m = match_icmp(self, parsed, from, tracker);
  if (m.ignored != IgnoreReason::kNone) {
    tally.count(m.ignored);
    return std::nullopt;
  }
  m.answer.received_mono = arrival;
  std::optional<ProbeResult> r = tracker.answer(m.key, m.answer);
  if (!r) {
    tally.count(parsed.kind == ParsedIcmp::Kind::kEchoReply ? IgnoreReason::kForeignReply
                                                            : IgnoreReason::kUnmatchedError);
  }
  return r;
}

void IgnoreTally::count(IgnoreReason reason) {
  switch (reason) {
    case IgnoreReason::kForeignReply:
      ++foreign_replies;
      break;
    case IgnoreReason::kMalformed:
      ++malformed;
      break;
    case IgnoreReason::kUnmatchedError:
      ++unmatched_errors;
      break;
    case IgnoreReason::kNone:
    case IgnoreReason::kNotForUs:
      break;
  }
}

}  // namespace pathwatch::agent
