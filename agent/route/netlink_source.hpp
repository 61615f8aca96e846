// The boundary between the route watcher and the kernel: change notifications, "ip route get"
// and link dumps. KernelNetlinkSource talks rtnetlink; FakeNetlinkSource is scripted by tests.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

namespace pathwatch::agent {

// What the kernel answers for one destination.
struct RouteAnswer {
  enum class Kind : std::uint8_t {
    kRoute,    // a route: out_interface (and gateway unless on-link)
    kNoRoute,  // the kernel has no usable route (ENETUNREACH, EHOSTUNREACH, unreachable,
               // prohibit or blackhole route)
    kError,    // the question could not be asked (socket error, timeout): nothing learnt
  };
  Kind kind = Kind::kError;
  std::string out_interface;
  std::string gateway;   // text form; empty when on-link
  int error_number = 0;  // kNoRoute / kError: the errno
};

// One interface as the kernel reports it.
struct LinkInfo {
  int ifindex = 0;
  std::string name;
  bool oper_up = false;
  std::uint64_t rx_errors = 0;
  std::uint64_t tx_errors = 0;
  std::uint64_t rx_dropped = 0;
  std::uint64_t tx_dropped = 0;
};

// What a notification says changed; the watcher re-asks the kernel rather than trusting the
// notification's content, so only the kind matters.
enum class NetlinkNotice : std::uint8_t {
  kLink,     // RTM_NEWLINK / RTM_DELLINK
  kRoute,    // RTM_NEWROUTE / RTM_DELROUTE (IPv4, IPv6)
  kAddress,  // RTM_NEWADDR / RTM_DELADDR (local and connected routes follow addresses)
  kOverrun,  // notifications were lost (ENOBUFS): everything must be re-read
};

const char* to_string(NetlinkNotice notice);

using NetlinkNoticeHandler = std::function<void(NetlinkNotice)>;

class NetlinkSource {
 public:
  virtual ~NetlinkSource() = default;
  // Subscribes to link, route and address notifications. The handler runs on the watcher's
  // io_context thread. An error means the watcher cannot work (start-up failure).
  virtual std::error_code start(NetlinkNoticeHandler handler) = 0;
  // Stops notifications; the handler is not called afterwards. Idempotent.
  virtual void stop() = 0;
  // "ip route get DESTINATION": the route the kernel uses right now.
  virtual RouteAnswer route_get(const boost::asio::ip::address& destination) = 0;
  // Every interface, or nullopt when the dump failed (try again later).
  virtual std::optional<std::vector<LinkInfo>> links() = 0;
};

using NetlinkSourcePtr = std::unique_ptr<NetlinkSource>;

}  // namespace pathwatch::agent
