// Hand-built ICMP packets for the probe tests: replies, errors quoting (all or 8 bytes of) a
// request, IPv4/IPv6 headers around them. Test-only helpers.
#pragma once

#include <cstdint>
#include <vector>

#include "agent/probe/icmp_packet.hpp"

namespace pathwatch::agent::testing {

using Bytes = std::vector<std::uint8_t>;

// Turns an echo request into the reply a target would send (type changed, checksum redone).
Bytes to_echo_reply(IcmpFamily family, Bytes request);
// An IPv4 header (20 bytes, protocol `proto`) in front of `payload`.
Bytes ipv4_wrap(const Bytes& payload, std::uint8_t proto = 1);
// An IPv6 header (40 bytes, next header `next`) in front of `payload`.
Bytes ipv6_wrap(const Bytes& payload, std::uint8_t next = 58);
// An ICMP error of `type`/`code` quoting `original` (an IP packet), cut to `quote_bytes`
// bytes of the original when smaller. IPv4 gets its checksum.
Bytes icmp_error(IcmpFamily family, std::uint8_t type, std::uint8_t code, const Bytes& original,
                 std::size_t quote_bytes = SIZE_MAX);
void set_checksum_v4(Bytes& icmp);

}  // namespace pathwatch::agent::testing
