// The ICMP engine's receive decisions on crafted input: other pingers' replies, forged and
// truncated packets, errors about unknown flows, duplicates and late replies are ignored or
// flagged and counted, and never change the result of a probe.
#include "agent/probe/icmp_match.hpp"

#include <gtest/gtest.h>

#include "tests/unit/agent/probe/crafted_packets.hpp"

namespace pathwatch::agent {
namespace {

using namespace std::chrono_literals;
using testing::Bytes;

constexpr std::uint64_t kToken = 0xfeedfacecafebeefull;
constexpr std::uint16_t kIdent = 0x5757;
const auto kTarget = boost::asio::ip::make_address("198.18.30.10");
const auto kRouter = boost::asio::ip::make_address("198.18.101.1");
const shared::MonoNanos kT0{shared::Nanos{1'000'000'000}};

// One engine's receive side, as IcmpEngine runs it, without the socket.
class IcmpMatchTest : public ::testing::Test {
 protected:
  IcmpIdentity self_{IcmpFamily::kV4, kIdent, kToken};
  ProbeTracker tracker_;
  IgnoreTally tally_;

  // Sends probe (flow, seq) with ICMP sequence `wire` at kT0 with a 1 s timeout; returns the
  // request bytes as they went out.
  Bytes send(FlowId flow, std::uint64_t seq, std::uint16_t wire) {
    EXPECT_TRUE(tracker_.start({flow, seq}, shared::UtcNanos{}, kT0, 1s, wire));
    return build_echo_request(IcmpFamily::kV4, kIdent, wire, {kToken, flow, seq}, 56);
  }
  std::optional<ProbeResult> receive_raw(const Bytes& icmp, const boost::asio::ip::address& from,
                                         shared::MonoNanos at) {
    return accept_icmp(self_, parse_ipv4_packet(testing::ipv4_wrap(icmp)), from, at, tracker_,
                       tally_);
  }
};

TEST_F(IcmpMatchTest, OwnReplyGivesOkWithRtt) {
  const Bytes req = send(3, 1, 100);
  auto r = receive_raw(testing::to_echo_reply(IcmpFamily::kV4, req), kTarget, kT0 + 1500us);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->flow, 3u);
  EXPECT_EQ(r->seq, 1u);
  EXPECT_EQ(r->outcome, Outcome::kOk);
  EXPECT_EQ(r->rtt, shared::Nanos{1'500'000});  // arrival - send = 1.5 ms
  EXPECT_FALSE(r->duplicate);
  EXPECT_FALSE(r->late);
  EXPECT_EQ(tracker_.outstanding(), 0u);
}

TEST_F(IcmpMatchTest, OtherProcessReplyIsForeign) {
  send(3, 1, 100);
  // Another pinger on the host (identifier 0x1111, its own payload) is seen by raw sockets.
  Bytes other = build_echo_request(IcmpFamily::kV4, 0x1111, 100, {1, 3, 1}, 56);
  EXPECT_FALSE(receive_raw(testing::to_echo_reply(IcmpFamily::kV4, other), kTarget, kT0 + 1ms));
  EXPECT_EQ(tally_.foreign_replies, 1u);
  EXPECT_EQ(tracker_.outstanding(), 1u);  // our probe is still waiting for its own reply
}

TEST_F(IcmpMatchTest, ForgedTokenIsForeignEvenWithOurIdentifier) {
  send(3, 1, 100);
  // Same identifier and sequence, same flow/seq, wrong token: e.g. a second agent that drew
  // the same identifier, or a forger guessing.
  Bytes forged = build_echo_request(IcmpFamily::kV4, kIdent, 100, {kToken ^ 1, 3, 1}, 56);
  EXPECT_FALSE(receive_raw(testing::to_echo_reply(IcmpFamily::kV4, forged), kTarget, kT0 + 1ms));
  EXPECT_EQ(tally_.foreign_replies, 1u);
  EXPECT_EQ(tracker_.outstanding(), 1u);
}

TEST_F(IcmpMatchTest, ValidTokenForUnknownProbeIsCountedNotUsed) {
  send(3, 1, 100);
  Bytes unknown = build_echo_request(IcmpFamily::kV4, kIdent, 101, {kToken, 3, 999}, 56);
  EXPECT_FALSE(receive_raw(testing::to_echo_reply(IcmpFamily::kV4, unknown), kTarget, kT0 + 1ms));
  EXPECT_EQ(tally_.foreign_replies, 1u);
  EXPECT_EQ(tracker_.outstanding(), 1u);
}

TEST_F(IcmpMatchTest, TruncatedAndCorruptedAreMalformed) {
  const Bytes reply = testing::to_echo_reply(IcmpFamily::kV4, send(3, 1, 100));
  Bytes corrupt = reply;
  corrupt[20] ^= 0x01;  // flips a bit of the seq field: checksum no longer matches
  EXPECT_FALSE(receive_raw(corrupt, kTarget, kT0 + 1ms));
  EXPECT_FALSE(
      accept_icmp(self_, parse_ipv4_packet(Bytes(10, 0x45)), kTarget, kT0, tracker_, tally_));
  EXPECT_FALSE(receive_raw(Bytes(reply.begin(), reply.begin() + 6), kTarget, kT0 + 1ms));
  EXPECT_EQ(tally_.malformed, 3u);
  EXPECT_EQ(tracker_.outstanding(), 1u);
}

TEST_F(IcmpMatchTest, DuplicateReplyIsFlagged) {
  const Bytes reply = testing::to_echo_reply(IcmpFamily::kV4, send(3, 1, 100));
  auto first = receive_raw(reply, kTarget, kT0 + 2ms);
  auto second = receive_raw(reply, kTarget, kT0 + 3ms);
  ASSERT_TRUE(first && second);
  EXPECT_FALSE(first->duplicate);
  EXPECT_TRUE(second->duplicate);
  EXPECT_EQ(first->rtt, shared::Nanos{2'000'000});  // the sample is the first reply's 2 ms
}

TEST_F(IcmpMatchTest, LateReplyIsFlagged) {
  const Bytes reply = testing::to_echo_reply(IcmpFamily::kV4, send(3, 1, 100));
  std::vector<ProbeResult> timed_out;
  tracker_.expire(kT0 + 1s, timed_out);  // deadline = send + 1 s timeout
  ASSERT_EQ(timed_out.size(), 1u);
  EXPECT_EQ(timed_out[0].outcome, Outcome::kTimeout);
  auto late = receive_raw(reply, kTarget, kT0 + 1200ms);
  ASSERT_TRUE(late);
  EXPECT_TRUE(late->late);
  EXPECT_FALSE(late->duplicate);
  EXPECT_EQ(late->outcome, Outcome::kOk);
}

TEST_F(IcmpMatchTest, TimeExceededNamesTheRouter) {
  const Bytes req = send(3, 1, 100);
  const Bytes err = testing::icmp_error(IcmpFamily::kV4, 11, 0, testing::ipv4_wrap(req));
  auto r = receive_raw(err, kRouter, kT0 + 700us);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, Outcome::kTimeExceeded);
  ASSERT_TRUE(r->icmp);
  EXPECT_EQ(r->icmp->router, "198.18.101.1");
  EXPECT_EQ(r->icmp->type, 11);
  EXPECT_EQ(r->icmp->code, 0);
  EXPECT_EQ(r->rtt, shared::Nanos{700'000});
}

TEST_F(IcmpMatchTest, ShortQuoteMatchedByIcmpSequence) {
  send(3, 1, 100);
  const Bytes req = send(4, 1, 101);
  // RFC 792 quote: IP header + 8 bytes, no stamp: sequence 101 names flow 4's probe.
  const Bytes err = testing::icmp_error(IcmpFamily::kV4, 3, 1, testing::ipv4_wrap(req), 28);
  auto r = receive_raw(err, kRouter, kT0 + 1ms);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->flow, 4u);
  EXPECT_EQ(r->outcome, Outcome::kUnreachable);
  EXPECT_EQ(r->icmp->code, 1);  // host unreachable
}

TEST_F(IcmpMatchTest, ErrorsAboutUnknownFlowsAreUnmatched) {
  send(3, 1, 100);
  // (a) quoting another process's echo request (other identifier);
  const Bytes other = build_echo_request(IcmpFamily::kV4, 0x1111, 100, {1, 3, 1}, 56);
  EXPECT_FALSE(receive_raw(testing::icmp_error(IcmpFamily::kV4, 3, 1, testing::ipv4_wrap(other)),
                           kRouter, kT0 + 1ms));
  // (b) our identifier and token but a flow we never probed;
  const Bytes unknown = build_echo_request(IcmpFamily::kV4, kIdent, 555, {kToken, 99, 1}, 56);
  EXPECT_FALSE(receive_raw(testing::icmp_error(IcmpFamily::kV4, 3, 1, testing::ipv4_wrap(unknown)),
                           kRouter, kT0 + 1ms));
  // (c) a short quote with a sequence we never used;
  EXPECT_FALSE(
      receive_raw(testing::icmp_error(IcmpFamily::kV4, 3, 1, testing::ipv4_wrap(unknown), 28),
                  kRouter, kT0 + 1ms));
  // (d) a forged token in a full quote of our identifier and sequence.
  const Bytes forged = build_echo_request(IcmpFamily::kV4, kIdent, 100, {kToken + 1, 3, 1}, 56);
  EXPECT_FALSE(receive_raw(testing::icmp_error(IcmpFamily::kV4, 3, 1, testing::ipv4_wrap(forged)),
                           kRouter, kT0 + 1ms));
  EXPECT_EQ(tally_.unmatched_errors, 4u);
  EXPECT_EQ(tracker_.outstanding(), 1u);
}

TEST_F(IcmpMatchTest, EchoRequestsAndOtherTypesAreNotCounted) {
  send(3, 1, 100);
  // Someone pinging us, and an ICMP redirect (type 5): well-formed, not ours, not counted.
  Bytes ping = build_echo_request(IcmpFamily::kV4, 0x2222, 1, {1, 2, 3}, 56);
  EXPECT_FALSE(receive_raw(ping, kTarget, kT0));
  Bytes redirect(16, 0);
  redirect[0] = 5;
  testing::set_checksum_v4(redirect);
  EXPECT_FALSE(receive_raw(redirect, kRouter, kT0));
  EXPECT_EQ(tally_.foreign_replies + tally_.malformed + tally_.unmatched_errors, 0u);
}

TEST(IcmpMatchV6, QueuedUnreachableCarriesCode) {
  IcmpIdentity self{IcmpFamily::kV6, 9, kToken};
  ProbeTracker tracker;
  IgnoreTally tally;
  ASSERT_TRUE(tracker.start({1, 5}, shared::UtcNanos{}, kT0, 1s, 200));
  const Bytes req = build_echo_request(IcmpFamily::kV6, 9, 200, {kToken, 1, 5}, 56);
  // ICMPv6 destination unreachable (1), code 1 "administratively prohibited" (RFC 4443).
  auto r =
      accept_icmp(self, parse_queued_error(IcmpFamily::kV6, 1, 1, req),
                  boost::asio::ip::make_address("fd00:5057:101::1"), kT0 + 1ms, tracker, tally);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, Outcome::kUnreachable);
  EXPECT_EQ(r->icmp->router, "fd00:5057:101::1");
  EXPECT_EQ(r->icmp->code, 1);
}

}  // namespace
}  // namespace pathwatch::agent
