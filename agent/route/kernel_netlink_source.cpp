// rtnetlink I/O for the route watcher. Notifications only say "something changed"; the
// watcher then asks the kernel (route get, link dump), so a lost or coalesced notification
// costs nothing but an ENOBUFS resync.
#include "agent/route/kernel_netlink_source.hpp"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/cache.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "agent/route/netlink_messages.hpp"

namespace pathwatch::agent {

namespace {

constexpr std::size_t kBufferBytes = 64 * 1024;
constexpr int kReceiveBufferBytes = 4 * 1024 * 1024;
constexpr int kMaxDatagramsPerWake = 256;  // then yield to the loop, re-armed at once
constexpr int kMaxReplyDatagrams = 16;     // stale answers skipped before giving up
constexpr std::size_t kMaxLinks = 65536;
constexpr timeval kRequestTimeout{1, 0};
// IF_OPER_UNKNOWN / IF_OPER_UP of linux/if.h (RFC 2863 operStatus values, kernel ABI), which
// cannot be included beside net/if.h.
constexpr std::uint8_t kOperUnknown = 0;
constexpr std::uint8_t kOperUp = 6;

std::error_code last_errno() {
  return {errno, std::generic_category()};
}

}  // namespace

void KernelNetlinkSource::NlSockDeleter::operator()(nl_sock* sock) const {
  nl_socket_free(sock);
}

KernelNetlinkSource::KernelNetlinkSource(boost::asio::io_context& io)
    : io_(io),
      notify_(io),
      buffer_(kBufferBytes),
      log_(shared::component_logger("agent.netlink")) {}

KernelNetlinkSource::~KernelNetlinkSource() {
  stop();
}

std::error_code KernelNetlinkSource::open_request_socket(NlSockPtr& sock) {
  sock.reset(nl_socket_alloc());
  if (!sock) return std::make_error_code(std::errc::not_enough_memory);
  if (const int err = nl_connect(sock.get(), NETLINK_ROUTE); err < 0) {
    log_->error("nl_connect: {}", nl_geterror(err));
    sock.reset();
    return std::make_error_code(std::errc::connection_refused);
  }
  // A GET answered without an extra ACK; a reply that never comes cannot block the loop.
  nl_socket_disable_auto_ack(sock.get());
  const int fd = nl_socket_get_fd(sock.get());
  if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &kRequestTimeout, sizeof(kRequestTimeout)) != 0) {
    return last_errno();
  }
  return {};
}

std::error_code KernelNetlinkSource::start(NetlinkNoticeHandler handler) {
  if (notify_.is_open()) return {};
  if (auto ec = open_request_socket(route_sock_)) return ec;
  if (auto ec = open_request_socket(link_sock_)) return ec;

  const int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return last_errno();
  // A big buffer makes overruns rare during route storms; ENOBUFS still triggers a resync.
  // SO_RCVBUFFORCE passes rmem_max when privileged; otherwise take what SO_RCVBUF gives.
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &kReceiveBufferBytes,
                 sizeof(kReceiveBufferBytes)) != 0) {
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &kReceiveBufferBytes, sizeof(kReceiveBufferBytes));
  }
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  local.nl_groups =
      RTMGRP_LINK | RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR;
  if (bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0) {
    const auto ec = last_errno();
    ::close(fd);
    return ec;
  }
  boost::system::error_code bec;
  notify_.assign(fd, bec);
  if (bec) {
    ::close(fd);
    return {bec.value(), std::generic_category()};
  }
  handler_ = std::move(handler);
  arm();
  return {};
}

void KernelNetlinkSource::stop() {
  handler_ = nullptr;
  if (notify_.is_open()) {
    boost::system::error_code ignored;
    notify_.cancel(ignored);
    notify_.close(ignored);
  }
}

void KernelNetlinkSource::arm() {
  notify_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                     [this](const boost::system::error_code& ec) {
                       // Aborted: stop() ran, possibly this object is gone. Touch nothing.
                       if (ec == boost::asio::error::operation_aborted) return;
                       if (!notify_.is_open()) return;
                       if (ec) {
                         log_->error("netlink wait failed: {}", ec.message());
                         return;
                       }
                       drain();
                       if (notify_.is_open()) arm();
                     });
}

void KernelNetlinkSource::drain() {
  bool link = false, route = false, address = false, overrun = false;
  for (int i = 0; i < kMaxDatagramsPerWake; ++i) {
    sockaddr_nl from{};
    iovec iov{buffer_.data(), buffer_.size()};
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof(from);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    const ssize_t n = recvmsg(notify_.native_handle(), &msg, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == ENOBUFS) {
        // The kernel dropped notifications for us: nothing read so far can be trusted to
        // be complete, so the watcher re-reads everything.
        ++counters_.overruns;
        overrun = true;
        continue;
      }
      if (errno != EAGAIN && errno != EWOULDBLOCK) ++counters_.request_errors;
      break;
    }
    ++counters_.datagrams;
    if (from.nl_pid != 0) {  // only the kernel announces changes
      ++counters_.foreign_senders;
      continue;
    }
    if (msg.msg_flags & MSG_TRUNC) {
      ++counters_.overruns;
      overrun = true;
      continue;
    }
    const auto batch = classify_notifications(buffer_.data(), static_cast<std::size_t>(n));
    if (batch.malformed) ++counters_.malformed;
    link |= batch.link;
    route |= batch.route;
    address |= batch.address;
  }
  // The handler may call stop(); check before each call.
  if (overrun && handler_) handler_(NetlinkNotice::kOverrun);
  if (link && handler_) handler_(NetlinkNotice::kLink);
  if (route && handler_) handler_(NetlinkNotice::kRoute);
  if (address && handler_) handler_(NetlinkNotice::kAddress);
}

RouteAnswer KernelNetlinkSource::route_get(const boost::asio::ip::address& destination) {
  RouteAnswer answer;
  answer.kind = RouteAnswer::Kind::kError;
  if (!route_sock_) {
    answer.error_number = ENOTCONN;
    return answer;
  }
  nl_msg* msg = nlmsg_alloc_simple(RTM_GETROUTE, 0);
  if (!msg) {
    answer.error_number = ENOMEM;
    return answer;
  }
  rtmsg rtm{};
  int put = 0;
  if (destination.is_v4()) {
    const auto bytes = destination.to_v4().to_bytes();
    rtm.rtm_family = AF_INET;
    rtm.rtm_dst_len = 32;
    put = nlmsg_append(msg, &rtm, sizeof(rtm), NLMSG_ALIGNTO);
    if (put == 0) put = nla_put(msg, RTA_DST, static_cast<int>(bytes.size()), bytes.data());
  } else {
    const auto bytes = destination.to_v6().to_bytes();
    rtm.rtm_family = AF_INET6;
    rtm.rtm_dst_len = 128;
    put = nlmsg_append(msg, &rtm, sizeof(rtm), NLMSG_ALIGNTO);
    if (put == 0) put = nla_put(msg, RTA_DST, static_cast<int>(bytes.size()), bytes.data());
  }
  if (put < 0 || nl_send_auto(route_sock_.get(), msg) < 0) {
    nlmsg_free(msg);
    ++counters_.request_errors;
    answer.error_number = EIO;
    return answer;
  }
  const std::uint32_t seq = nlmsg_hdr(msg)->nlmsg_seq;
  nlmsg_free(msg);

  for (int i = 0; i < kMaxReplyDatagrams; ++i) {
    sockaddr_nl from{};
    unsigned char* buf = nullptr;
    const int n = nl_recv(route_sock_.get(), &from, &buf, nullptr);
    if (n <= 0) {
      std::free(buf);
      ++counters_.request_errors;
      answer.error_number = ETIMEDOUT;
      return answer;
    }
    const auto reply = parse_route_reply(buf, static_cast<std::size_t>(n), seq);
    std::free(buf);
    if (!reply) continue;
    answer.error_number = reply->error_number;
    if (reply->kind == RouteReply::Kind::kNoRoute) {
      answer.kind = RouteAnswer::Kind::kNoRoute;
    } else if (reply->kind == RouteReply::Kind::kRoute) {
      char name[IF_NAMESIZE] = {};
      if (if_indextoname(static_cast<unsigned>(reply->oif), name) == nullptr) {
        // The interface vanished between the lookup and now; its RTM_DELLINK follows.
        answer.error_number = ENODEV;
        return answer;
      }
      answer.kind = RouteAnswer::Kind::kRoute;
      answer.out_interface = name;
      answer.gateway = reply->gateway;
    }
    return answer;
  }
  ++counters_.request_errors;
  answer.error_number = ETIMEDOUT;
  return answer;
}

std::optional<std::vector<LinkInfo>> KernelNetlinkSource::links() {
  if (!link_sock_) return std::nullopt;
  nl_cache* cache = nullptr;
  if (const int err = rtnl_link_alloc_cache(link_sock_.get(), AF_UNSPEC, &cache); err < 0) {
    ++counters_.request_errors;
    log_->debug("link dump failed: {}", nl_geterror(err));
    return std::nullopt;
  }
  std::vector<LinkInfo> out;
  for (nl_object* obj = nl_cache_get_first(cache); obj && out.size() < kMaxLinks;
       obj = nl_cache_get_next(obj)) {
    auto* link = reinterpret_cast<rtnl_link*>(obj);
    LinkInfo info;
    info.ifindex = rtnl_link_get_ifindex(link);
    if (const char* name = rtnl_link_get_name(link)) info.name = name;
    const std::uint8_t oper = rtnl_link_get_operstate(link);
    const unsigned flags = rtnl_link_get_flags(link);
    // Drivers without carrier reporting (loopback, some tun) say "unknown": then the
    // administrative and running flags decide, as iproute2 shows them.
    info.oper_up =
        oper == kOperUp || (oper == kOperUnknown && (flags & IFF_UP) && (flags & IFF_RUNNING));
    info.rx_errors = rtnl_link_get_stat(link, RTNL_LINK_RX_ERRORS);
    info.tx_errors = rtnl_link_get_stat(link, RTNL_LINK_TX_ERRORS);
    info.rx_dropped = rtnl_link_get_stat(link, RTNL_LINK_RX_DROPPED);
    info.tx_dropped = rtnl_link_get_stat(link, RTNL_LINK_TX_DROPPED);
    out.push_back(std::move(info));
  }
  nl_cache_free(cache);
  return out;
}

}  // namespace pathwatch::agent
