// The scripted netlink source: answers from maps the test fills.
#include "agent/route/fake_netlink_source.hpp"

#include <cerrno>

namespace pathwatch::agent {

namespace {

std::string canonical(const std::string& address) {
  boost::system::error_code ec;
  const auto parsed = boost::asio::ip::make_address(address, ec);
  return ec ? address : parsed.to_string();
}

}  // namespace

std::error_code FakeNetlinkSource::start(NetlinkNoticeHandler handler) {
  if (start_error_) return start_error_;
  handler_ = std::move(handler);
  return {};
}

void FakeNetlinkSource::stop() {
  handler_ = nullptr;
}

RouteAnswer FakeNetlinkSource::route_get(const boost::asio::ip::address& destination) {
  ++route_gets_;
  const auto it = routes_.find(destination.to_string());
  if (it != routes_.end()) return it->second;
  RouteAnswer none;
  none.kind = RouteAnswer::Kind::kNoRoute;
  none.error_number = ENETUNREACH;
  return none;
}

std::optional<std::vector<LinkInfo>> FakeNetlinkSource::links() {
  ++link_dumps_;
  if (fail_link_dumps_) return std::nullopt;
  std::vector<LinkInfo> out;
  for (const auto& [name, link] : links_) out.push_back(link);
  return out;
}

void FakeNetlinkSource::set_route(const std::string& destination, RouteAnswer answer) {
  routes_[canonical(destination)] = std::move(answer);
}

void FakeNetlinkSource::set_route(const std::string& destination, const std::string& out_interface,
                                  const std::string& gateway) {
  RouteAnswer answer;
  answer.kind = RouteAnswer::Kind::kRoute;
  answer.out_interface = out_interface;
  answer.gateway = gateway;
  set_route(destination, std::move(answer));
}

void FakeNetlinkSource::remove_route(const std::string& destination) {
  routes_.erase(canonical(destination));
}

void FakeNetlinkSource::set_link(LinkInfo link) {
  std::string name = link.name;
  links_[name] = std::move(link);
}

void FakeNetlinkSource::remove_link(const std::string& name) {
  links_.erase(name);
}

void FakeNetlinkSource::notify(NetlinkNotice notice) {
  if (handler_) handler_(notice);
}

}  // namespace pathwatch::agent
