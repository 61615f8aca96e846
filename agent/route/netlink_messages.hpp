// Pure parsing of rtnetlink datagrams the kernel source receives: which kinds of change a
// notification batch announces, and the answer to an RTM_GETROUTE ("ip route get") request.
// Bytes in, plain data out, so malformed and truncated input is testable without a kernel.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace pathwatch::agent {

struct NotificationBatch {
  bool link = false;
  bool route = false;
  bool address = false;
  std::uint32_t messages = 0;  // well-formed messages seen
  std::uint32_t ignored = 0;   // other types (neighbours, rules, ...)
  bool malformed = false;      // a header did not fit: the rest of the datagram was skipped
};

NotificationBatch classify_notifications(const std::uint8_t* data, std::size_t size);

struct RouteReply {
  enum class Kind : std::uint8_t { kRoute, kNoRoute, kError };
  Kind kind = Kind::kError;
  int oif = 0;           // output interface index (kRoute)
  std::string gateway;   // text form, empty when on-link
  int error_number = 0;  // kNoRoute / kError
};

// Parses one datagram that may answer the RTM_GETROUTE request with sequence number `seq`.
// nullopt: the datagram holds no answer to that request (another sequence number, or
// nothing usable): keep reading.
std::optional<RouteReply> parse_route_reply(const std::uint8_t* data, std::size_t size,
                                            std::uint32_t seq);

// Whether an errno from RTM_GETROUTE means "no route" rather than "could not ask".
bool is_no_route_errno(int error_number);

}  // namespace pathwatch::agent
