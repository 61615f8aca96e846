// ICMP echo packet building and parsing (RFC 792, RFC 4443). Every read is bounds-checked:
// these bytes come from the network and from other processes.
#include "agent/probe/icmp_packet.hpp"

#include <algorithm>

namespace pathwatch::agent {
namespace {

constexpr IcmpTypes kV4Types{8, 0, 3, 11};
constexpr IcmpTypes kV6Types{128, 129, 1, 3};
constexpr std::uint8_t kProtoIcmp = 1;
constexpr std::uint8_t kProtoIcmpV6 = 58;
constexpr std::size_t kIpv6HeaderBytes = 40;

std::uint16_t read16(std::span<const std::uint8_t> b, std::size_t at) {
  return static_cast<std::uint16_t>((b[at] << 8) | b[at + 1]);
}

std::uint64_t read_be(std::span<const std::uint8_t> b, std::size_t at, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v = (v << 8) | b[at + i];
  return v;
}

void write_be(std::vector<std::uint8_t>& b, std::size_t at, std::uint64_t v, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) b[at + n - 1 - i] = static_cast<std::uint8_t>(v >> (8 * i));
}

// The stamp at the start of an echo payload, if there is room for it.
std::optional<ProbeStamp> read_stamp(std::span<const std::uint8_t> payload) {
  if (payload.size() < kProbeStampBytes) return std::nullopt;
  return ProbeStamp{read_be(payload, 0, 8), static_cast<FlowId>(read_be(payload, 8, 4)),
                    read_be(payload, 12, 8)};
}

// The original datagram quoted by an error: its IP header, then (for us) an echo request.
ParsedIcmp parse_quoted_datagram(IcmpFamily family, std::span<const std::uint8_t> quote) {
  ParsedIcmp out;
  std::size_t header = 0;
  if (family == IcmpFamily::kV4) {
    if (quote.size() < 20 || (quote[0] >> 4) != 4) return out;
    header = static_cast<std::size_t>(quote[0] & 0x0f) * 4;
    if (header < 20 || quote.size() < header) return out;
    if (quote[9] != kProtoIcmp) {
      out.kind = ParsedIcmp::Kind::kOther;
      return out;
    }
  } else {
    if (quote.size() < kIpv6HeaderBytes || (quote[0] >> 4) != 6) return out;
    header = kIpv6HeaderBytes;
    // Our probes carry no extension headers, so anything else is not ours.
    if (quote[6] != kProtoIcmpV6) {
      out.kind = ParsedIcmp::Kind::kOther;
      return out;
    }
  }
  return parse_quoted_echo(family, quote.subspan(header));
}

}  // namespace

const IcmpTypes& icmp_types(IcmpFamily family) {
  return family == IcmpFamily::kV4 ? kV4Types : kV6Types;
}

std::uint16_t internet_checksum(std::span<const std::uint8_t> bytes) {
  std::uint32_t sum = 0;
  std::size_t i = 0;
  for (; i + 1 < bytes.size(); i += 2)
    sum += static_cast<std::uint32_t>((bytes[i] << 8) | bytes[i + 1]);
  if (i < bytes.size()) sum += static_cast<std::uint32_t>(bytes[i] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum & 0xffff);
}

std::vector<std::uint8_t> build_echo_request(IcmpFamily family, std::uint16_t ident,
                                             std::uint16_t wire_seq, const ProbeStamp& stamp,
                                             std::uint32_t payload_bytes) {
  const std::size_t data = std::max<std::size_t>(payload_bytes, kProbeStampBytes);
  std::vector<std::uint8_t> b(kIcmpHeaderBytes + data, 0);
  b[0] = icmp_types(family).echo_request;
  b[1] = 0;
  write_be(b, 4, ident, 2);
  write_be(b, 6, wire_seq, 2);
  write_be(b, 8, stamp.token, 8);
  write_be(b, 16, stamp.flow, 4);
  write_be(b, 20, stamp.seq, 8);
  if (family == IcmpFamily::kV4) write_be(b, 2, internet_checksum(b), 2);
  return b;
}

ParsedIcmp parse_icmp_message(IcmpFamily family, std::span<const std::uint8_t> icmp,
                              bool verify_checksum) {
  ParsedIcmp out;
  if (icmp.size() < kIcmpHeaderBytes) return out;
  if (verify_checksum && family == IcmpFamily::kV4 && internet_checksum(icmp) != 0) return out;
  const IcmpTypes& t = icmp_types(family);
  out.type = icmp[0];
  out.code = icmp[1];
  if (out.type == t.echo_reply) {
    out.kind = ParsedIcmp::Kind::kEchoReply;
    out.ident = read16(icmp, 4);
    out.wire_seq = read16(icmp, 6);
    out.stamp = read_stamp(icmp.subspan(kIcmpHeaderBytes));
    return out;
  }
  if (out.type == t.dest_unreachable || out.type == t.time_exceeded) {
    // Bytes 4..7 are unused (or MTU / pointer); the quoted datagram starts at 8.
    ParsedIcmp quoted = parse_quoted_datagram(family, icmp.subspan(kIcmpHeaderBytes));
    if (quoted.kind == ParsedIcmp::Kind::kMalformed) {
      out.kind = ParsedIcmp::Kind::kMalformed;
      return out;
    }
    if (quoted.kind != ParsedIcmp::Kind::kEchoRequest) {
      out.kind = ParsedIcmp::Kind::kOther;
      return out;
    }
    out.kind = ParsedIcmp::Kind::kError;
    out.ident = quoted.ident;
    out.wire_seq = quoted.wire_seq;
    out.stamp = quoted.stamp;
    return out;
  }
  out.kind = out.type == t.echo_request ? ParsedIcmp::Kind::kEchoRequest : ParsedIcmp::Kind::kOther;
  return out;
}

ParsedIcmp parse_ipv4_packet(std::span<const std::uint8_t> packet) {
  ParsedIcmp out;
  if (packet.size() < 20 || (packet[0] >> 4) != 4) return out;
  const std::size_t header = static_cast<std::size_t>(packet[0] & 0x0f) * 4;
  const std::size_t total = read16(packet, 2);
  if (header < 20 || packet.size() < header) return out;
  if (packet[9] != kProtoIcmp) {
    out.kind = ParsedIcmp::Kind::kOther;
    return out;
  }
  // The IP total length bounds the ICMP message (trailing link padding is not part of it);
  // fewer bytes than it announces means a truncated packet.
  if (total < header || total > packet.size()) return out;
  const std::size_t end = total;
  return parse_icmp_message(IcmpFamily::kV4, packet.subspan(header, end - header), true);
}

ParsedIcmp parse_quoted_echo(IcmpFamily family, std::span<const std::uint8_t> icmp) {
  ParsedIcmp out;
  if (icmp.size() < kIcmpHeaderBytes) return out;
  out.type = icmp[0];
  out.code = icmp[1];
  if (out.type != icmp_types(family).echo_request || out.code != 0) {
    out.kind = ParsedIcmp::Kind::kOther;
    return out;
  }
  out.kind = ParsedIcmp::Kind::kEchoRequest;
  out.ident = read16(icmp, 4);
  out.wire_seq = read16(icmp, 6);
  out.stamp = read_stamp(icmp.subspan(kIcmpHeaderBytes));
  return out;
}

ParsedIcmp parse_queued_error(IcmpFamily family, std::uint8_t type, std::uint8_t code,
                              std::span<const std::uint8_t> quoted_icmp) {
  ParsedIcmp out = parse_quoted_echo(family, quoted_icmp);
  if (out.kind != ParsedIcmp::Kind::kEchoRequest) return out;
  out.kind = ParsedIcmp::Kind::kError;
  out.type = type;
  out.code = code;
  return out;
}

}  // namespace pathwatch::agent
