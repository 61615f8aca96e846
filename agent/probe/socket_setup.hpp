// Socket options shared by the engines: path pinning (SO_BINDTODEVICE, bind() to the source
// address, SO_MARK), TTL/DSCP, and kernel receive timestamps. Start-up steps throw
// std::runtime_error naming the path, the option and the errno text; per-probe steps return
// an errno (0 = ok) and never throw.
#pragma once

#include <sys/socket.h>

#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "agent/config/agent_config.hpp"

namespace pathwatch::agent {

// "path 'primary': SO_BINDTODEVICE backup0: No such device".
[[noreturn]] void throw_path_error(const PathConfig& path, const std::string& what,
                                   int error_number);

// The path's source address, if it has one; throws when it is not a literal address.
std::optional<boost::asio::ip::address> path_source(const PathConfig& path);

// SO_BINDTODEVICE and SO_MARK (when configured) on an open socket. Throws.
void pin_to_path(int fd, const PathConfig& path);
// The same, returning errno instead (per-attempt sockets, after start-up validated the path).
int try_pin_to_path(int fd, const PathConfig& path);

// bind() to `source` (or the family's any-address when empty), port 0. Returns errno.
int bind_source(int fd, bool ipv6, const std::optional<boost::asio::ip::address>& source);

// Unicast TTL / hop limit and DSCP for the family. Return errno.
int set_ttl(int fd, bool ipv6, std::uint8_t ttl);
int set_dscp(int fd, bool ipv6, std::uint8_t dscp);

// Kernel receive timestamps (SO_TIMESTAMPNS) and extended ICMP errors (IP_RECVERR /
// IPV6_RECVERR). Return errno.
int enable_rx_timestamps(int fd);
int enable_recverr(int fd, bool ipv6);

// sockaddr for an address (port in host order); returns the length used.
socklen_t to_sockaddr(const boost::asio::ip::address& address, std::uint16_t port,
                      sockaddr_storage& out);
// Address from a sockaddr_in / sockaddr_in6; the unspecified address for anything else.
boost::asio::ip::address from_sockaddr(const sockaddr* sa, socklen_t len);

std::string errno_text(int error_number);

}  // namespace pathwatch::agent
