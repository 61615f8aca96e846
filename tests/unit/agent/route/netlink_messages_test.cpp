// Tests of agent/route/netlink_messages from crafted rtnetlink bytes (layouts of
// linux/netlink.h and linux/rtnetlink.h): notification batches and route-get replies.
#include "agent/route/netlink_messages.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace pathwatch::agent {
namespace {

// Builds a datagram of netlink messages.
class Datagram {
 public:
  // Starts a message: header + fixed part of `fixed_len` bytes (zeroed).
  Datagram& message(std::uint16_t type, std::uint32_t seq, const void* fixed,
                    std::size_t fixed_len) {
    start_ = bytes_.size();
    nlmsghdr hdr{};
    hdr.nlmsg_type = type;
    hdr.nlmsg_seq = seq;
    append(&hdr, sizeof(hdr));
    append(fixed, fixed_len);
    pad();
    set_len();
    return *this;
  }
  Datagram& attr(std::uint16_t type, const void* data, std::size_t len) {
    rtattr rta{};
    rta.rta_type = type;
    rta.rta_len = static_cast<unsigned short>(RTA_LENGTH(len));
    append(&rta, sizeof(rta));
    append(data, len);
    pad();
    set_len();
    return *this;
  }
  const std::uint8_t* data() const { return bytes_.data(); }
  std::size_t size() const { return bytes_.size(); }
  std::vector<std::uint8_t>& bytes() { return bytes_; }

 private:
  void append(const void* p, std::size_t n) {
    const auto* b = static_cast<const std::uint8_t*>(p);
    bytes_.insert(bytes_.end(), b, b + n);
  }
  void pad() { bytes_.resize(NLMSG_ALIGN(bytes_.size()), 0); }
  void set_len() {
    const std::uint32_t len = static_cast<std::uint32_t>(bytes_.size() - start_);
    std::memcpy(bytes_.data() + start_, &len, sizeof(len));
  }
  std::vector<std::uint8_t> bytes_;
  std::size_t start_ = 0;
};

rtmsg route_msg(std::uint8_t family, std::uint8_t type) {
  rtmsg rtm{};
  rtm.rtm_family = family;
  rtm.rtm_dst_len = family == AF_INET ? 32 : 128;
  rtm.rtm_type = type;
  return rtm;
}

TEST(NetlinkMessages, ClassifiesABatch) {
  const ifinfomsg ifi{};
  const rtmsg rtm = route_msg(AF_INET, RTN_UNICAST);
  const ifaddrmsg ifa{};
  const ndmsg nd{};
  Datagram d;
  d.message(RTM_NEWLINK, 0, &ifi, sizeof(ifi))
      .message(RTM_DELROUTE, 0, &rtm, sizeof(rtm))
      .message(RTM_NEWNEIGH, 0, &nd, sizeof(nd))
      .message(RTM_DELADDR, 0, &ifa, sizeof(ifa));
  const auto b = classify_notifications(d.data(), d.size());
  EXPECT_TRUE(b.link);
  EXPECT_TRUE(b.route);
  EXPECT_TRUE(b.address);
  EXPECT_EQ(b.messages, 4u);
  EXPECT_EQ(b.ignored, 1u);  // the neighbour message
  EXPECT_FALSE(b.malformed);
}

TEST(NetlinkMessages, TruncatedBatchKeepsWhatWasWhole) {
  const ifinfomsg ifi{};
  const rtmsg rtm = route_msg(AF_INET6, RTN_UNICAST);
  Datagram d;
  d.message(RTM_NEWLINK, 0, &ifi, sizeof(ifi)).message(RTM_NEWROUTE, 0, &rtm, sizeof(rtm));
  // Cut the second message in half: its length field now points past the end.
  const std::size_t cut = d.size() - 8;
  const auto b = classify_notifications(d.data(), cut);
  EXPECT_TRUE(b.link);
  EXPECT_FALSE(b.route);
  EXPECT_EQ(b.messages, 1u);
  EXPECT_TRUE(b.malformed);
  // Fewer bytes than a header, and a header claiming a length below its own size.
  EXPECT_TRUE(classify_notifications(d.data(), 5).malformed);
  std::vector<std::uint8_t> bad(d.bytes());
  const std::uint32_t tiny = 4;
  std::memcpy(bad.data(), &tiny, sizeof(tiny));
  const auto b2 = classify_notifications(bad.data(), bad.size());
  EXPECT_TRUE(b2.malformed);
  EXPECT_EQ(b2.messages, 0u);
}

TEST(NetlinkMessages, RouteReplyIpv4ViaGateway) {
  const rtmsg rtm = route_msg(AF_INET, RTN_UNICAST);
  const std::uint32_t oif = 7, table = RT_TABLE_MAIN;
  in_addr gw{};
  inet_pton(AF_INET, "198.18.101.1", &gw);
  Datagram d;
  d.message(RTM_NEWROUTE, 42, &rtm, sizeof(rtm))
      .attr(RTA_TABLE, &table, sizeof(table))
      .attr(RTA_OIF, &oif, sizeof(oif))
      .attr(RTA_GATEWAY, &gw, sizeof(gw));
  const auto r = parse_route_reply(d.data(), d.size(), 42);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, RouteReply::Kind::kRoute);
  EXPECT_EQ(r->oif, 7);
  EXPECT_EQ(r->gateway, "198.18.101.1");
  // Another request's answer is not ours.
  EXPECT_FALSE(parse_route_reply(d.data(), d.size(), 43));
}

TEST(NetlinkMessages, RouteReplyIpv6OnLinkAndViaIpv4) {
  const rtmsg rtm = route_msg(AF_INET6, RTN_UNICAST);
  const std::uint32_t oif = 3;
  Datagram onlink;
  onlink.message(RTM_NEWROUTE, 1, &rtm, sizeof(rtm)).attr(RTA_OIF, &oif, sizeof(oif));
  auto r = parse_route_reply(onlink.data(), onlink.size(), 1);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, RouteReply::Kind::kRoute);
  EXPECT_EQ(r->gateway, "");

  in6_addr gw6{};
  inet_pton(AF_INET6, "fd00:5057:102::1", &gw6);
  Datagram v6;
  v6.message(RTM_NEWROUTE, 2, &rtm, sizeof(rtm))
      .attr(RTA_GATEWAY, &gw6, sizeof(gw6))
      .attr(RTA_OIF, &oif, sizeof(oif));
  r = parse_route_reply(v6.data(), v6.size(), 2);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->gateway, "fd00:5057:102::1");

  // RTA_VIA: struct rtvia {family; addr} with an IPv4 next hop.
  std::uint8_t via[sizeof(rtvia) + 4] = {};
  const unsigned short fam = AF_INET;
  std::memcpy(via, &fam, sizeof(fam));
  inet_pton(AF_INET, "198.18.102.1", via + sizeof(rtvia));
  Datagram v4via;
  v4via.message(RTM_NEWROUTE, 3, &rtm, sizeof(rtm))
      .attr(RTA_VIA, via, sizeof(via))
      .attr(RTA_OIF, &oif, sizeof(oif));
  r = parse_route_reply(v4via.data(), v4via.size(), 3);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->gateway, "198.18.102.1");
}

TEST(NetlinkMessages, ErrorsMeanNoRouteOrFailure) {
  auto error_reply = [](int error, std::uint32_t seq) {
    nlmsgerr err{};
    err.error = error;
    Datagram d;
    d.message(NLMSG_ERROR, seq, &err, sizeof(err));
    return d;
  };
  auto d = error_reply(-ENETUNREACH, 5);
  auto r = parse_route_reply(d.data(), d.size(), 5);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, RouteReply::Kind::kNoRoute);
  EXPECT_EQ(r->error_number, ENETUNREACH);

  d = error_reply(-ENOMEM, 6);
  r = parse_route_reply(d.data(), d.size(), 6);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, RouteReply::Kind::kError);
  EXPECT_EQ(r->error_number, ENOMEM);

  // A bare ACK (error 0) answers nothing.
  d = error_reply(0, 7);
  EXPECT_FALSE(parse_route_reply(d.data(), d.size(), 7));
}

TEST(NetlinkMessages, UnreachableRouteTypeIsNoRoute) {
  const rtmsg rtm = route_msg(AF_INET, RTN_UNREACHABLE);
  Datagram d;
  d.message(RTM_NEWROUTE, 9, &rtm, sizeof(rtm));
  const auto r = parse_route_reply(d.data(), d.size(), 9);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, RouteReply::Kind::kNoRoute);
}

TEST(NetlinkMessages, RouteWithoutOutputInterfaceIsAnError) {
  const rtmsg rtm = route_msg(AF_INET, RTN_UNICAST);
  const std::uint32_t oif = 3;
  Datagram d;
  d.message(RTM_NEWROUTE, 9, &rtm, sizeof(rtm));
  auto r = parse_route_reply(d.data(), d.size(), 9);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, RouteReply::Kind::kError);
  // An attribute whose length runs past the message is not read.
  Datagram broken;
  broken.message(RTM_NEWROUTE, 9, &rtm, sizeof(rtm)).attr(RTA_OIF, &oif, sizeof(oif));
  const unsigned short huge = 200;
  std::memcpy(broken.bytes().data() + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(rtmsg)), &huge,
              sizeof(huge));
  r = parse_route_reply(broken.data(), broken.size(), 9);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, RouteReply::Kind::kError);
}

}  // namespace
}  // namespace pathwatch::agent
