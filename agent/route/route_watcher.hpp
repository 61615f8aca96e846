// Which path carries each watched prefix right now, and the up/down state of the interfaces
// paths use, kept current from netlink notifications on the agent's io_context. Glue only:
// the kernel sits behind NetlinkSource, the decisions in RoutePathTracker and LinkStateTracker.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "agent/route/link_state_tracker.hpp"
#include "agent/route/netlink_source.hpp"
#include "agent/route/route_events.hpp"
#include "agent/route/route_path_tracker.hpp"
#include "agent/route/watched_prefix.hpp"
#include "shared/logging/logging.hpp"
#include "shared/time/clock.hpp"

namespace pathwatch::agent {

struct RouteWatcherCallbacks {
  std::function<void(const RouteChangeEvent&)> on_route_change;
  std::function<void(const LinkChangeEvent&)> on_link_change;
};

struct RouteWatcherOptions {
  // A full re-read even without notifications: the safety net for changes the kernel does
  // not announce (IPv4 routes turning linkdown on carrier loss send no RTM_NEWROUTE) and for
  // failed dumps. 0 disables it (tests).
  std::chrono::milliseconds resync_interval{std::chrono::seconds{10}};
};

class RouteWatcher {
 public:
  struct Stats {
    std::uint64_t notices = 0;   // notifications received
    std::uint64_t syncs = 0;     // re-evaluations run (notifications are coalesced)
    std::uint64_t overruns = 0;  // ENOBUFS: notifications lost, full resync
    std::uint64_t link_dump_failures = 0;
    std::uint64_t route_lookup_errors = 0;
  };

  RouteWatcher(boost::asio::io_context& io, const shared::Clock& clock, NetlinkSourcePtr source,
               std::vector<WatchedPrefix> watches,
               std::map<std::string, std::string> interface_paths, RouteWatcherCallbacks callbacks,
               RouteWatcherOptions options = {});
  ~RouteWatcher();
  RouteWatcher(const RouteWatcher&) = delete;
  RouteWatcher& operator=(const RouteWatcher&) = delete;

  // Subscribes first, then reads everything once (so no change falls between the two) and
  // reports the initial state (events flagged initial). An error: the source could not start.
  std::error_code start();
  // No callbacks after this returns. Idempotent; the destructor calls it.
  void stop();

  // Fresh counters of one interface (a link dump now), for window summaries. Any link
  // transition the dump reveals is reported through on_link_change first.
  InterfaceCounters counters(const std::string& interface);

  // The current decision for watch i (see RoutePathTracker::Current).
  const RoutePathTracker::Current& current(std::size_t i) const { return routes_.current(i); }
  Stats stats() const;

 private:
  void on_notice(NetlinkNotice notice);
  void schedule_sync();
  void sync();
  bool sync_links();  // true if it reported a transition
  void sync_routes();
  void arm_resync_timer();

  boost::asio::io_context& io_;
  const shared::Clock& clock_;
  NetlinkSourcePtr source_;
  RoutePathTracker routes_;
  LinkStateTracker links_;
  RouteWatcherCallbacks callbacks_;
  RouteWatcherOptions options_;
  boost::asio::steady_timer resync_timer_;
  shared::LoggerPtr log_;
  // Handlers posted to the io_context hold a weak reference: after stop() (or destruction)
  // they do nothing.
  std::shared_ptr<int> alive_;
  bool running_ = false;
  bool sync_posted_ = false;
  bool links_dirty_ = false;
  bool routes_dirty_ = false;
  Stats stats_;
};

}  // namespace pathwatch::agent
