// ICMP echo packets as bytes: building echo requests that carry a probe stamp, and parsing
// what ICMP sockets hand back (echo replies and errors quoting our requests). Pure functions
// over byte spans: no sockets, so every malformed or forged case is unit-testable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "agent/probe/probe_result.hpp"

namespace pathwatch::agent {

enum class IcmpFamily : std::uint8_t { kV4, kV6 };

// Carried in every echo request's payload and echoed back by the target: the per-engine
// random token tells our probes from everyone else's (raw sockets see every reply on the
// host), flow and seq name the probe without any lookup by the 16-bit ICMP sequence.
struct ProbeStamp {
  std::uint64_t token = 0;
  FlowId flow = 0;
  std::uint64_t seq = 0;
  friend bool operator==(const ProbeStamp&, const ProbeStamp&) = default;
};

inline constexpr std::size_t kIcmpHeaderBytes = 8;
inline constexpr std::size_t kProbeStampBytes = 20;  // token 8 + flow 4 + seq 8, big-endian

// ICMP types the engines care about, per family.
struct IcmpTypes {
  std::uint8_t echo_request;
  std::uint8_t echo_reply;
  std::uint8_t dest_unreachable;
  std::uint8_t time_exceeded;
};
const IcmpTypes& icmp_types(IcmpFamily family);

// An echo request: 8-byte header, the stamp, then zero padding up to `payload_bytes` data bytes
// (never fewer than kProbeStampBytes). IPv4 gets its checksum here; ICMPv6 checksums cover a
// pseudo-header and are filled in by the kernel (raw ICMPv6 and ping sockets both do).
std::vector<std::uint8_t> build_echo_request(IcmpFamily family, std::uint16_t ident,
                                             std::uint16_t wire_seq, const ProbeStamp& stamp,
                                             std::uint32_t payload_bytes);

// RFC 1071 Internet checksum over `bytes` (0 when the data already carries a valid checksum).
std::uint16_t internet_checksum(std::span<const std::uint8_t> bytes);

// What one ICMP message said, before matching it against outstanding probes.
struct ParsedIcmp {
  enum class Kind : std::uint8_t {
    kEchoReply,    // echo/stamp are the reply's
    kError,        // type/code the error's; echo/stamp from the quoted echo request
    kEchoRequest,  // someone's echo request (ours, as quoted by an error, or a peer's ping)
    kOther,        // well-formed but nothing for us (other types, errors quoting non-echo)
    kMalformed,    // truncated, bad checksum, impossible lengths
  };
  Kind kind = Kind::kMalformed;
  std::uint8_t type = 0;
  std::uint8_t code = 0;
  std::uint16_t ident = 0;
  std::uint16_t wire_seq = 0;
  // Empty when the payload (or the error's quote) was too short to carry it: RFC 792 routers
  // quote only 8 bytes past the IP header, RFC 1812 / Linux routers quote much more.
  std::optional<ProbeStamp> stamp;
};

// An ICMP message from its ICMP header on (what ping sockets and raw ICMPv6 sockets return).
// `verify_checksum` for IPv4 only (ICMPv6 needs the pseudo-header).
ParsedIcmp parse_icmp_message(IcmpFamily family, std::span<const std::uint8_t> icmp,
                              bool verify_checksum);

// A whole IPv4 packet, as raw IPv4 sockets return it (IP header first).
ParsedIcmp parse_ipv4_packet(std::span<const std::uint8_t> packet);

// An echo request from its ICMP header on: the quote of an error (the data MSG_ERRQUEUE
// returns on ping sockets). kEchoRequest, kOther when it is something else, or kMalformed.
ParsedIcmp parse_quoted_echo(IcmpFamily family, std::span<const std::uint8_t> icmp);

// An ICMP error taken from MSG_ERRQUEUE (ping sockets with IP_RECVERR / IPV6_RECVERR): the
// kernel parsed the error (sock_extended_err's ee_type, ee_code) and returns the quoted echo
// request from its ICMP header on. kError, or kOther / kMalformed as parse_quoted_echo says.
ParsedIcmp parse_queued_error(IcmpFamily family, std::uint8_t type, std::uint8_t code,
                              std::span<const std::uint8_t> quoted_icmp);

}  // namespace pathwatch::agent
