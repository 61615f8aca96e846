// Building and parsing ICMP echo packets: layout, checksums, and every malformed shape.
#include "agent/probe/icmp_packet.hpp"

#include <gtest/gtest.h>

#include <random>

#include "tests/unit/agent/probe/crafted_packets.hpp"

namespace pathwatch::agent {
namespace {

using testing::Bytes;

const ProbeStamp kStamp{0x0123456789abcdefull, 7, 42};

TEST(IcmpPacket, EchoRequestLayoutV4) {
  const Bytes b = build_echo_request(IcmpFamily::kV4, 0x1234, 0x0005, kStamp, 56);
  // 8 header bytes + 56 data bytes, as ping's default: 64.
  ASSERT_EQ(b.size(), 64u);
  EXPECT_EQ(b[0], 8);  // echo request (RFC 792)
  EXPECT_EQ(b[1], 0);
  EXPECT_EQ(b[4], 0x12);
  EXPECT_EQ(b[5], 0x34);
  EXPECT_EQ(b[6], 0x00);
  EXPECT_EQ(b[7], 0x05);
  EXPECT_EQ(b[8], 0x01);               // token, big-endian, first byte
  EXPECT_EQ(b[19], 7);                 // flow 7: last byte of the 4-byte flow field (16..19)
  EXPECT_EQ(b[27], 42);                // seq 42: last byte of the 8-byte seq field (20..27)
  EXPECT_EQ(b[63], 0);                 // padding is zeros: never application data
  EXPECT_EQ(internet_checksum(b), 0);  // a valid checksum sums to zero
}

TEST(IcmpPacket, PayloadNeverSmallerThanStamp) {
  // 8 header + 20 stamp bytes even when 0 payload bytes are asked for.
  EXPECT_EQ(build_echo_request(IcmpFamily::kV6, 1, 1, kStamp, 0).size(), 28u);
}

TEST(IcmpPacket, ChecksumRfc1071Example) {
  // RFC 1071 section 3 example: bytes 00 01 f2 03 f4 f5 f6 f7 sum to 0xddf2 (one's
  // complement), so the checksum is ~0xddf2 = 0x220d.
  const Bytes b{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(internet_checksum(b), 0x220d);
}

TEST(IcmpPacket, ParsesOwnReplyV4WithIpHeader) {
  const Bytes reply = testing::to_echo_reply(
      IcmpFamily::kV4, build_echo_request(IcmpFamily::kV4, 0x1234, 9, kStamp, 56));
  const ParsedIcmp p = parse_ipv4_packet(testing::ipv4_wrap(reply));
  ASSERT_EQ(p.kind, ParsedIcmp::Kind::kEchoReply);
  EXPECT_EQ(p.ident, 0x1234);
  EXPECT_EQ(p.wire_seq, 9);
  ASSERT_TRUE(p.stamp);
  EXPECT_EQ(*p.stamp, kStamp);
}

TEST(IcmpPacket, ParsesReplyV6WithoutIpHeader) {
  const Bytes reply = testing::to_echo_reply(
      IcmpFamily::kV6, build_echo_request(IcmpFamily::kV6, 0x4321, 3, kStamp, 56));
  const ParsedIcmp p = parse_icmp_message(IcmpFamily::kV6, reply, false);
  ASSERT_EQ(p.kind, ParsedIcmp::Kind::kEchoReply);
  EXPECT_EQ(p.type, 129);
  ASSERT_TRUE(p.stamp);
  EXPECT_EQ(*p.stamp, kStamp);
}

TEST(IcmpPacket, BadChecksumIsMalformed) {
  Bytes reply = testing::to_echo_reply(IcmpFamily::kV4,
                                       build_echo_request(IcmpFamily::kV4, 1, 1, kStamp, 56));
  reply[30] ^= 0xff;  // corrupt one payload byte after the checksum was computed
  EXPECT_EQ(parse_ipv4_packet(testing::ipv4_wrap(reply)).kind, ParsedIcmp::Kind::kMalformed);
}

TEST(IcmpPacket, TruncationsAreMalformedNeverCrash) {
  const Bytes full = testing::ipv4_wrap(testing::to_echo_reply(
      IcmpFamily::kV4, build_echo_request(IcmpFamily::kV4, 1, 1, kStamp, 56)));
  // Every strict prefix is shorter than the IP total length (84 = 20 + 8 + 56) it carries,
  // so all 84 of them are malformed, even those that cut only zero padding (which would
  // leave the ICMP checksum valid).
  ASSERT_EQ(full.size(), 84u);
  for (std::size_t n = 0; n < full.size(); ++n) {
    const ParsedIcmp p = parse_ipv4_packet(std::span(full.data(), n));
    EXPECT_EQ(p.kind, ParsedIcmp::Kind::kMalformed) << n;
  }
}

TEST(IcmpPacket, IhlPointingPastTheEndIsMalformed) {
  Bytes pkt = testing::ipv4_wrap(Bytes(8, 0));
  pkt[0] = 0x4f;  // IHL 15 -> 60-byte header, but only 28 bytes exist
  EXPECT_EQ(parse_ipv4_packet(pkt).kind, ParsedIcmp::Kind::kMalformed);
}

TEST(IcmpPacket, ReplyTooShortForStampHasNoStamp) {
  // A reply that echoes only 8 data bytes (some middleboxes trim) cannot be one of ours.
  Bytes req = build_echo_request(IcmpFamily::kV4, 1, 1, kStamp, 56);
  req.resize(16);
  const ParsedIcmp p =
      parse_icmp_message(IcmpFamily::kV4, testing::to_echo_reply(IcmpFamily::kV4, req), true);
  ASSERT_EQ(p.kind, ParsedIcmp::Kind::kEchoReply);
  EXPECT_FALSE(p.stamp);
}

TEST(IcmpPacket, TimeExceededQuotingWholeRequest) {
  const Bytes req = build_echo_request(IcmpFamily::kV4, 0x1234, 77, kStamp, 56);
  const Bytes err = testing::icmp_error(IcmpFamily::kV4, 11, 0, testing::ipv4_wrap(req));
  const ParsedIcmp p = parse_ipv4_packet(testing::ipv4_wrap(err));
  ASSERT_EQ(p.kind, ParsedIcmp::Kind::kError);
  EXPECT_EQ(p.type, 11);
  EXPECT_EQ(p.ident, 0x1234);
  EXPECT_EQ(p.wire_seq, 77);
  ASSERT_TRUE(p.stamp);
  EXPECT_EQ(*p.stamp, kStamp);
}

TEST(IcmpPacket, Rfc792QuoteOfEightBytesHasNoStamp) {
  const Bytes req = build_echo_request(IcmpFamily::kV4, 0x1234, 78, kStamp, 56);
  // IP header (20) + the first 8 bytes of the ICMP message: 28 quoted bytes (RFC 792).
  const Bytes err = testing::icmp_error(IcmpFamily::kV4, 3, 13, testing::ipv4_wrap(req), 28);
  const ParsedIcmp p = parse_ipv4_packet(testing::ipv4_wrap(err));
  ASSERT_EQ(p.kind, ParsedIcmp::Kind::kError);
  EXPECT_EQ(p.code, 13);
  EXPECT_EQ(p.wire_seq, 78);
  EXPECT_FALSE(p.stamp);
}

TEST(IcmpPacket, ErrorQuotingUdpIsNotForUs) {
  const Bytes udp = testing::ipv4_wrap(Bytes(16, 0), 17);
  const Bytes err = testing::icmp_error(IcmpFamily::kV4, 3, 3, udp);
  EXPECT_EQ(parse_ipv4_packet(testing::ipv4_wrap(err)).kind, ParsedIcmp::Kind::kOther);
}

TEST(IcmpPacket, ErrorV6QuotingRequest) {
  const Bytes req = build_echo_request(IcmpFamily::kV6, 0x0a0b, 5, kStamp, 56);
  const Bytes err = testing::icmp_error(IcmpFamily::kV6, 3, 0, testing::ipv6_wrap(req));
  const ParsedIcmp p = parse_icmp_message(IcmpFamily::kV6, err, false);
  ASSERT_EQ(p.kind, ParsedIcmp::Kind::kError);
  EXPECT_EQ(p.type, 3);  // ICMPv6 time exceeded (RFC 4443)
  ASSERT_TRUE(p.stamp);
  EXPECT_EQ(*p.stamp, kStamp);
}

TEST(IcmpPacket, ErrorV6QuotingExtensionHeaderIsNotForUs) {
  const Bytes req = build_echo_request(IcmpFamily::kV6, 1, 5, kStamp, 56);
  const Bytes err = testing::icmp_error(IcmpFamily::kV6, 1, 0, testing::ipv6_wrap(req, 0));
  EXPECT_EQ(parse_icmp_message(IcmpFamily::kV6, err, false).kind, ParsedIcmp::Kind::kOther);
}

TEST(IcmpPacket, QueuedErrorFromErrqueueData) {
  const Bytes req = build_echo_request(IcmpFamily::kV4, 0x1234, 6, kStamp, 56);
  const ParsedIcmp p = parse_queued_error(IcmpFamily::kV4, 3, 1, req);
  ASSERT_EQ(p.kind, ParsedIcmp::Kind::kError);
  EXPECT_EQ(p.type, 3);
  EXPECT_EQ(p.code, 1);
  EXPECT_EQ(p.ident, 0x1234);
  EXPECT_EQ(*p.stamp, kStamp);
  EXPECT_EQ(parse_queued_error(IcmpFamily::kV4, 3, 1, Bytes(4, 8)).kind,
            ParsedIcmp::Kind::kMalformed);
}

TEST(IcmpPacket, RandomBytesNeverCrash) {
  // Fixed seed: reproducible. 20000 random packets of 0..200 bytes through every parser.
  std::mt19937 rng(12345);
  for (int i = 0; i < 20000; ++i) {
    Bytes b(rng() % 200);
    for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    if (!b.empty() && i % 2 == 0) b[0] = 0x45;  // half of them look like IPv4
    (void)parse_ipv4_packet(b);
    (void)parse_icmp_message(IcmpFamily::kV4, b, true);
    (void)parse_icmp_message(IcmpFamily::kV6, b, false);
    (void)parse_queued_error(IcmpFamily::kV6, 1, 0, b);
  }
  SUCCEED();
}

}  // namespace
}  // namespace pathwatch::agent
