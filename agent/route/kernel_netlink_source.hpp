// The real NetlinkSource: a raw NETLINK_ROUTE socket subscribed to link, route and address
// groups on the io_context, plus libnl-route request sockets for "route get" and link dumps.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <cstdint>
#include <memory>
#include <vector>

#include "agent/route/netlink_source.hpp"
#include "shared/logging/logging.hpp"

struct nl_sock;

namespace pathwatch::agent {

class KernelNetlinkSource final : public NetlinkSource {
 public:
  struct Counters {
    std::uint64_t datagrams = 0;
    std::uint64_t overruns = 0;         // ENOBUFS or truncated datagrams
    std::uint64_t foreign_senders = 0;  // not from the kernel (nl_pid != 0): ignored
    std::uint64_t malformed = 0;
    std::uint64_t request_errors = 0;  // route get / link dump failures
  };

  explicit KernelNetlinkSource(boost::asio::io_context& io);
  ~KernelNetlinkSource() override;

  std::error_code start(NetlinkNoticeHandler handler) override;
  void stop() override;
  RouteAnswer route_get(const boost::asio::ip::address& destination) override;
  std::optional<std::vector<LinkInfo>> links() override;

  const Counters& counters() const { return counters_; }

 private:
  void arm();
  void drain();

  struct NlSockDeleter {
    void operator()(nl_sock* sock) const;
  };
  using NlSockPtr = std::unique_ptr<nl_sock, NlSockDeleter>;
  std::error_code open_request_socket(NlSockPtr& sock);

  boost::asio::io_context& io_;
  boost::asio::posix::stream_descriptor notify_;
  NlSockPtr route_sock_;  // one socket per kind of request, so a late answer to one
  NlSockPtr link_sock_;   // never trips libnl's sequence check on the other
  NetlinkNoticeHandler handler_;
  std::vector<std::uint8_t> buffer_;
  Counters counters_;
  shared::LoggerPtr log_;
};

}  // namespace pathwatch::agent
