// Socket option plumbing for the probe engines (Linux).
#include "agent/probe/socket_setup.hpp"

#include <netinet/in.h>
#include <netinet/ip.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace pathwatch::agent {

std::string errno_text(int error_number) {
  return std::strerror(error_number);
}

void throw_path_error(const PathConfig& path, const std::string& what, int error_number) {
  throw std::runtime_error("path '" + path.name + "': " + what + ": " + errno_text(error_number));
}

std::optional<boost::asio::ip::address> path_source(const PathConfig& path) {
  if (path.source_address.empty()) return std::nullopt;
  boost::system::error_code ec;
  auto a = boost::asio::ip::make_address(path.source_address, ec);
  if (ec) {
    throw std::runtime_error("path '" + path.name + "': source address '" + path.source_address +
                             "' is not an IP address");
  }
  return a;
}

int try_pin_to_path(int fd, const PathConfig& path) {
  if (!path.interface.empty()) {
    if (::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, path.interface.c_str(),
                     static_cast<socklen_t>(path.interface.size())) != 0) {
      return errno;
    }
  }
  if (path.fwmark != 0) {
    const unsigned mark = path.fwmark;
    if (::setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark) != 0) return errno;
  }
  return 0;
}

void pin_to_path(int fd, const PathConfig& path) {
  if (!path.interface.empty()) {
    if (::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, path.interface.c_str(),
                     static_cast<socklen_t>(path.interface.size())) != 0) {
      throw_path_error(path, "SO_BINDTODEVICE " + path.interface, errno);
    }
  }
  if (path.fwmark != 0) {
    const unsigned mark = path.fwmark;
    if (::setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark) != 0) {
      throw_path_error(path, "SO_MARK " + std::to_string(path.fwmark), errno);
    }
  }
}

int bind_source(int fd, bool ipv6, const std::optional<boost::asio::ip::address>& source) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (source) {
    len = to_sockaddr(*source, 0, ss);
  } else if (ipv6) {
    len = to_sockaddr(boost::asio::ip::address_v6::any(), 0, ss);
  } else {
    len = to_sockaddr(boost::asio::ip::address_v4::any(), 0, ss);
  }
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&ss), len) != 0) return errno;
  return 0;
}

int set_ttl(int fd, bool ipv6, std::uint8_t ttl) {
  const int v = ttl;
  const int rc = ipv6 ? ::setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &v, sizeof v)
                      : ::setsockopt(fd, IPPROTO_IP, IP_TTL, &v, sizeof v);
  return rc == 0 ? 0 : errno;
}

int set_dscp(int fd, bool ipv6, std::uint8_t dscp) {
  const int v = (dscp & 0x3f) << 2;  // DSCP is the upper six bits of TOS / traffic class
  const int rc = ipv6 ? ::setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &v, sizeof v)
                      : ::setsockopt(fd, IPPROTO_IP, IP_TOS, &v, sizeof v);
  return rc == 0 ? 0 : errno;
}

int enable_rx_timestamps(int fd) {
  const int on = 1;
  return ::setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) == 0 ? 0 : errno;
}

int enable_recverr(int fd, bool ipv6) {
  const int on = 1;
  const int rc = ipv6 ? ::setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &on, sizeof on)
                      : ::setsockopt(fd, IPPROTO_IP, IP_RECVERR, &on, sizeof on);
  return rc == 0 ? 0 : errno;
}

socklen_t to_sockaddr(const boost::asio::ip::address& address, std::uint16_t port,
                      sockaddr_storage& out) {
  std::memset(&out, 0, sizeof out);
  if (address.is_v4()) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&out);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    const auto bytes = address.to_v4().to_bytes();
    std::memcpy(&sin->sin_addr, bytes.data(), bytes.size());
    return sizeof(sockaddr_in);
  }
  auto* sin6 = reinterpret_cast<sockaddr_in6*>(&out);
  sin6->sin6_family = AF_INET6;
  sin6->sin6_port = htons(port);
  const auto v6 = address.to_v6();
  const auto bytes = v6.to_bytes();
  std::memcpy(&sin6->sin6_addr, bytes.data(), bytes.size());
  sin6->sin6_scope_id = static_cast<std::uint32_t>(v6.scope_id());
  return sizeof(sockaddr_in6);
}

boost::asio::ip::address from_sockaddr(const sockaddr* sa, socklen_t len) {
  if (sa->sa_family == AF_INET && len >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(sa);
    boost::asio::ip::address_v4::bytes_type b;
    std::memcpy(b.data(), &sin->sin_addr, b.size());
    return boost::asio::ip::address_v4(b);
  }
  if (sa->sa_family == AF_INET6 && len >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(sa);
    boost::asio::ip::address_v6::bytes_type b;
    std::memcpy(b.data(), &sin6->sin6_addr, b.size());
    return boost::asio::ip::address_v6(b, sin6->sin6_scope_id);
  }
  return boost::asio::ip::address_v4::any();
}

}  // namespace pathwatch::agent
