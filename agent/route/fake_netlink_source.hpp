// A scripted NetlinkSource for tests and replays: the test sets what the kernel would answer
// (routes per destination, the interface list) and fires notifications by hand.
#pragma once

#include <map>
#include <string>

#include "agent/route/netlink_source.hpp"

namespace pathwatch::agent {

class FakeNetlinkSource final : public NetlinkSource {
 public:
  std::error_code start(NetlinkNoticeHandler handler) override;
  void stop() override;
  RouteAnswer route_get(const boost::asio::ip::address& destination) override;
  std::optional<std::vector<LinkInfo>> links() override;

  // What "route get DESTINATION" answers from now on (no entry: ENETUNREACH, no route).
  void set_route(const std::string& destination, RouteAnswer answer);
  void set_route(const std::string& destination, const std::string& out_interface,
                 const std::string& gateway);
  void remove_route(const std::string& destination);
  // The interface list: add or replace by name, remove by name.
  void set_link(LinkInfo link);
  void remove_link(const std::string& name);
  void fail_link_dumps(bool fail) { fail_link_dumps_ = fail; }
  void fail_start(std::error_code ec) { start_error_ = ec; }

  // Delivers a notification as the kernel source would (synchronously, on the caller's
  // thread, which in tests is the io_context's). No-op unless started.
  void notify(NetlinkNotice notice);

  bool started() const { return static_cast<bool>(handler_); }
  int route_gets() const { return route_gets_; }
  int link_dumps() const { return link_dumps_; }

 private:
  NetlinkNoticeHandler handler_;
  std::map<std::string, RouteAnswer> routes_;  // canonical address text -> answer
  std::map<std::string, LinkInfo> links_;
  bool fail_link_dumps_ = false;
  std::error_code start_error_;
  int route_gets_ = 0;
  int link_dumps_ = 0;
};

}  // namespace pathwatch::agent
