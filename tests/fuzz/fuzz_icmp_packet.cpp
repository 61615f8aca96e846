// libFuzzer target: the agent's ICMP parsers over any bytes (raw sockets hand them whatever
// arrives on the host). The first byte picks the parser and family; the rest is the packet.
#include <cstddef>
#include <cstdint>
#include <span>

#include "agent/probe/icmp_packet.hpp"

using pathwatch::agent::IcmpFamily;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t selector = data[0];
  const std::span<const std::uint8_t> packet(data + 1, size - 1);
  const IcmpFamily family = (selector & 1) ? IcmpFamily::kV6 : IcmpFamily::kV4;
  switch ((selector >> 1) % 4) {
    case 0:
      (void)pathwatch::agent::parse_icmp_message(family, packet, (selector & 8) != 0);
      break;
    case 1:
      (void)pathwatch::agent::parse_ipv4_packet(packet);
      break;
    case 2:
      (void)pathwatch::agent::parse_quoted_echo(family, packet);
      break;
    default:
      if (packet.size() >= 2) {
        (void)pathwatch::agent::parse_queued_error(family, packet[0], packet[1], packet.subspan(2));
      }
      break;
  }
  (void)pathwatch::agent::internet_checksum(packet);
  return 0;
}
