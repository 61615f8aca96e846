// Coalesces netlink notifications into re-reads of the kernel's state and feeds the trackers.
#include "agent/route/route_watcher.hpp"

#include <boost/asio/post.hpp>

namespace pathwatch::agent {

RouteWatcher::RouteWatcher(boost::asio::io_context& io, const shared::Clock& clock,
                           NetlinkSourcePtr source, std::vector<WatchedPrefix> watches,
                           std::map<std::string, std::string> interface_paths,
                           RouteWatcherCallbacks callbacks, RouteWatcherOptions options)
    : io_(io),
      clock_(clock),
      source_(std::move(source)),
      routes_(std::move(watches)),
      links_(std::move(interface_paths)),
      callbacks_(std::move(callbacks)),
      options_(options),
      resync_timer_(io),
      log_(shared::component_logger("agent.route")) {}

RouteWatcher::~RouteWatcher() {
  stop();
}

std::error_code RouteWatcher::start() {
  if (running_) return {};
  alive_ = std::make_shared<int>(0);
  std::weak_ptr<int> alive = alive_;
  const std::error_code ec = source_->start([this, alive](NetlinkNotice notice) {
    if (!alive.expired()) on_notice(notice);
  });
  if (ec) {
    alive_.reset();
    log_->error("cannot subscribe to netlink notifications: {}", ec.message());
    return ec;
  }
  running_ = true;
  links_dirty_ = true;
  routes_dirty_ = true;
  sync();
  arm_resync_timer();
  log_->info("watching {} prefixes and {} interfaces", routes_.size(),
             links_.interface_paths().size());
  return {};
}

void RouteWatcher::stop() {
  if (!running_) return;
  running_ = false;
  alive_.reset();
  source_->stop();
  resync_timer_.cancel();
  sync_posted_ = false;
}

void RouteWatcher::on_notice(NetlinkNotice notice) {
  if (!running_) return;
  ++stats_.notices;
  switch (notice) {
    case NetlinkNotice::kOverrun:
      ++stats_.overruns;
      log_->warn("netlink notifications lost (socket buffer overrun): full resync");
      links_dirty_ = true;
      routes_dirty_ = true;
      break;
    case NetlinkNotice::kLink:
      // Carrier changes make IPv4 routes linkdown without any route notification.
      links_dirty_ = true;
      routes_dirty_ = true;
      break;
    case NetlinkNotice::kRoute:
    case NetlinkNotice::kAddress:
      routes_dirty_ = true;
      break;
  }
  schedule_sync();
}

void RouteWatcher::schedule_sync() {
  if (sync_posted_) return;
  sync_posted_ = true;
  std::weak_ptr<int> alive = alive_;
  boost::asio::post(io_, [this, alive] {
    if (alive.expired()) return;
    sync_posted_ = false;
    sync();
  });
}

void RouteWatcher::sync() {
  ++stats_.syncs;
  if (links_dirty_) sync_links();
  if (routes_dirty_) sync_routes();
}

bool RouteWatcher::sync_links() {
  auto snapshot = source_->links();
  if (!snapshot) {
    // Stay dirty: the next notification or the resync timer tries again.
    ++stats_.link_dump_failures;
    return false;
  }
  links_dirty_ = false;
  const auto events = links_.update(*snapshot, clock_.utc_now());
  for (const auto& event : events) {
    log_->info("link {} ({}) {}{}", event.interface, event.path, event.oper_up ? "up" : "down",
               event.initial ? " (initial)" : "");
    if (callbacks_.on_link_change) callbacks_.on_link_change(event);
  }
  return !events.empty();
}

void RouteWatcher::sync_routes() {
  routes_dirty_ = false;
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    const RouteAnswer answer = source_->route_get(routes_.watch(i).lookup_address);
    if (answer.kind == RouteAnswer::Kind::kError) {
      ++stats_.route_lookup_errors;
      routes_dirty_ = true;  // ask again at the next chance
    }
    auto event = routes_.update(i, answer, clock_.utc_now());
    if (!event) continue;
    log_->info("route {}: '{}' -> '{}' via {} {}{}", event->prefix, event->from_path,
               event->to_path, event->out_interface, event->gateway,
               event->initial ? " (initial)" : "");
    if (callbacks_.on_route_change) callbacks_.on_route_change(*event);
  }
}

void RouteWatcher::arm_resync_timer() {
  if (options_.resync_interval.count() <= 0) return;
  resync_timer_.expires_after(options_.resync_interval);
  std::weak_ptr<int> alive = alive_;
  resync_timer_.async_wait([this, alive](const boost::system::error_code& ec) {
    if (ec || alive.expired()) return;
    links_dirty_ = true;
    routes_dirty_ = true;
    sync();
    arm_resync_timer();
  });
}

InterfaceCounters RouteWatcher::counters(const std::string& interface) {
  if (running_) {
    links_dirty_ = true;
    if (sync_links()) {
      // A transition nobody announced (or not yet): routes may have moved with it.
      routes_dirty_ = true;
      schedule_sync();
    }
  }
  return links_.counters(interface);
}

RouteWatcher::Stats RouteWatcher::stats() const {
  return stats_;
}

}  // namespace pathwatch::agent
