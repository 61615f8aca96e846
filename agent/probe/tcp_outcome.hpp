// Classifies how a TCP connect attempt ended, from the connect errno and the ICMP error the
// kernel queued for the socket (IP_RECVERR), if any. Pure: unit-tested without sockets.
#pragma once

#include <optional>

#include "agent/probe/probe_tracker.hpp"

namespace pathwatch::agent {

// `icmp`: the ICMP error from the socket's error queue (router address, type, code).
// `ipv6`: which family's ICMP type numbers `icmp` uses.
// Rules: 0 -> ok. An ICMP destination unreachable -> unreachable with its code, whatever errno
// the kernel derived from it (a port unreachable becomes ECONNREFUSED, yet no host sent an
// RST: a router or firewall did). ICMP time exceeded -> time-exceeded. ECONNREFUSED without
// ICMP -> refused (an RST). EHOSTUNREACH / ENETUNREACH without ICMP -> unreachable (a local
// route or neighbour failure). Anything else -> error with the errno.
ProbeAnswer classify_connect(int error_number, const std::optional<IcmpEvidence>& icmp, bool ipv6);

// The handshake RTT from TCP_INFO right after connect: the kernel's first RTT sample is the
// SYN -> SYN-ACK exchange, timed in the kernel (tcpi_rtt, microseconds), so it holds no event
// loop latency. Not usable when the SYN was retransmitted (Karn: no sample, or one that
// leaves out the lost SYN): then nullopt, and the caller measures send -> completion.
std::optional<shared::Nanos> kernel_handshake_rtt(std::uint32_t tcpi_rtt_us,
                                                  std::uint32_t tcpi_total_retrans);

}  // namespace pathwatch::agent
