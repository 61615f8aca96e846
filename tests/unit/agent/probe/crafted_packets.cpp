// Hand-built ICMP packets for the probe tests.
#include "tests/unit/agent/probe/crafted_packets.hpp"

#include <algorithm>

namespace pathwatch::agent::testing {

void set_checksum_v4(Bytes& icmp) {
  icmp[2] = icmp[3] = 0;
  const std::uint16_t c = internet_checksum(icmp);
  icmp[2] = static_cast<std::uint8_t>(c >> 8);
  icmp[3] = static_cast<std::uint8_t>(c);
}

Bytes to_echo_reply(IcmpFamily family, Bytes request) {
  request[0] = icmp_types(family).echo_reply;
  if (family == IcmpFamily::kV4) set_checksum_v4(request);
  return request;
}

Bytes ipv4_wrap(const Bytes& payload, std::uint8_t proto) {
  Bytes p(20, 0);
  p[0] = 0x45;
  const std::size_t total = 20 + payload.size();
  p[2] = static_cast<std::uint8_t>(total >> 8);
  p[3] = static_cast<std::uint8_t>(total);
  p[8] = 64;
  p[9] = proto;
  p[12] = 198, p[13] = 18, p[14] = 1, p[15] = 10;  // 198.18.1.10 -> 198.18.30.10
  p[16] = 198, p[17] = 18, p[18] = 30, p[19] = 10;
  p.insert(p.end(), payload.begin(), payload.end());
  return p;
}

Bytes ipv6_wrap(const Bytes& payload, std::uint8_t next) {
  Bytes p(40, 0);
  p[0] = 0x60;
  p[4] = static_cast<std::uint8_t>(payload.size() >> 8);
  p[5] = static_cast<std::uint8_t>(payload.size());
  p[6] = next;
  p[7] = 64;
  p.insert(p.end(), payload.begin(), payload.end());
  return p;
}

Bytes icmp_error(IcmpFamily family, std::uint8_t type, std::uint8_t code, const Bytes& original,
                 std::size_t quote_bytes) {
  Bytes e(8, 0);
  e[0] = type;
  e[1] = code;
  const std::size_t n = std::min(quote_bytes, original.size());
  e.insert(e.end(), original.begin(), original.begin() + static_cast<std::ptrdiff_t>(n));
  if (family == IcmpFamily::kV4) set_checksum_v4(e);
  return e;
}

}  // namespace pathwatch::agent::testing
