// rtnetlink datagram parsing (linux/rtnetlink.h layouts), read with memcpy so unaligned or
// truncated input is never undefined behaviour.
#include "agent/route/netlink_messages.hpp"

#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <cerrno>
#include <cstring>

namespace pathwatch::agent {

namespace {

template <typename T>
T read_as(const std::uint8_t* p) {
  T value;
  std::memcpy(&value, p, sizeof(T));
  return value;
}

std::string address_text(int family, const std::uint8_t* p, std::size_t len) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family == AF_INET && len == 4) {
    if (inet_ntop(AF_INET, p, buf, sizeof(buf))) return buf;
  } else if (family == AF_INET6 && len == 16) {
    if (inet_ntop(AF_INET6, p, buf, sizeof(buf))) return buf;
  }
  return {};
}

RouteReply parse_route_message(const std::uint8_t* msg, std::size_t len) {
  RouteReply reply;
  if (len < NLMSG_LENGTH(sizeof(rtmsg))) {
    reply.kind = RouteReply::Kind::kError;
    reply.error_number = EBADMSG;
    return reply;
  }
  const auto rtm = read_as<rtmsg>(msg + NLMSG_HDRLEN);
  switch (rtm.rtm_type) {
    case RTN_UNICAST:
    case RTN_LOCAL:
      reply.kind = RouteReply::Kind::kRoute;
      break;
    case RTN_UNREACHABLE:
      reply.kind = RouteReply::Kind::kNoRoute;
      reply.error_number = EHOSTUNREACH;
      return reply;
    case RTN_PROHIBIT:
      reply.kind = RouteReply::Kind::kNoRoute;
      reply.error_number = EACCES;
      return reply;
    case RTN_BLACKHOLE:
    case RTN_THROW:
      reply.kind = RouteReply::Kind::kNoRoute;
      reply.error_number = EINVAL;
      return reply;
    default:
      reply.kind = RouteReply::Kind::kNoRoute;
      reply.error_number = ENETUNREACH;
      return reply;
  }
  std::size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(rtmsg));
  while (off + sizeof(rtattr) <= len) {
    const auto rta = read_as<rtattr>(msg + off);
    if (rta.rta_len < sizeof(rtattr) || off + rta.rta_len > len) break;
    const std::uint8_t* payload = msg + off + RTA_LENGTH(0);
    const std::size_t plen = rta.rta_len - RTA_LENGTH(0);
    if (rta.rta_type == RTA_OIF && plen >= sizeof(std::uint32_t)) {
      reply.oif = static_cast<int>(read_as<std::uint32_t>(payload));
    } else if (rta.rta_type == RTA_GATEWAY) {
      reply.gateway = address_text(rtm.rtm_family, payload, plen);
    } else if (rta.rta_type == RTA_VIA && plen >= sizeof(rtvia)) {
      // IPv6 route with an IPv4 next hop (RFC 5549 style).
      const auto via = read_as<rtvia>(payload);
      reply.gateway = address_text(via.rtvia_family, payload + sizeof(rtvia), plen - sizeof(rtvia));
    }
    off += RTA_ALIGN(rta.rta_len);
  }
  if (reply.oif == 0) {
    reply.kind = RouteReply::Kind::kError;
    reply.error_number = EBADMSG;
  }
  return reply;
}

}  // namespace

NotificationBatch classify_notifications(const std::uint8_t* data, std::size_t size) {
  NotificationBatch batch;
  std::size_t off = 0;
  while (off < size) {
    if (size - off < sizeof(nlmsghdr)) {
      batch.malformed = true;
      break;
    }
    const auto hdr = read_as<nlmsghdr>(data + off);
    if (hdr.nlmsg_len < sizeof(nlmsghdr) || hdr.nlmsg_len > size - off) {
      batch.malformed = true;
      break;
    }
    ++batch.messages;
    switch (hdr.nlmsg_type) {
      case RTM_NEWLINK:
      case RTM_DELLINK:
        batch.link = true;
        break;
      case RTM_NEWROUTE:
      case RTM_DELROUTE:
        batch.route = true;
        break;
      case RTM_NEWADDR:
      case RTM_DELADDR:
        batch.address = true;
        break;
      default:
        ++batch.ignored;
        break;
    }
    off += NLMSG_ALIGN(hdr.nlmsg_len);
  }
  return batch;
}

std::optional<RouteReply> parse_route_reply(const std::uint8_t* data, std::size_t size,
                                            std::uint32_t seq) {
  std::size_t off = 0;
  while (off + sizeof(nlmsghdr) <= size) {
    const auto hdr = read_as<nlmsghdr>(data + off);
    if (hdr.nlmsg_len < sizeof(nlmsghdr) || hdr.nlmsg_len > size - off) break;
    if (hdr.nlmsg_seq == seq) {
      if (hdr.nlmsg_type == NLMSG_ERROR) {
        if (hdr.nlmsg_len < NLMSG_LENGTH(sizeof(int))) break;
        const int error = read_as<int>(data + off + NLMSG_HDRLEN);
        if (error == 0) {  // a bare ACK answers nothing
          off += NLMSG_ALIGN(hdr.nlmsg_len);
          continue;
        }
        RouteReply reply;
        reply.error_number = -error;
        reply.kind = is_no_route_errno(reply.error_number) ? RouteReply::Kind::kNoRoute
                                                           : RouteReply::Kind::kError;
        return reply;
      }
      if (hdr.nlmsg_type == RTM_NEWROUTE) return parse_route_message(data + off, hdr.nlmsg_len);
    }
    off += NLMSG_ALIGN(hdr.nlmsg_len);
  }
  return std::nullopt;
}

bool is_no_route_errno(int error_number) {
  switch (error_number) {
    case ENETUNREACH:   // no route at all
    case EHOSTUNREACH:  // unreachable route
    case EACCES:        // prohibit route
    case EINVAL:        // blackhole route
      return true;
    default:
      return false;
  }
}

}  // namespace pathwatch::agent
