// Lab driver: runs the real RouteWatcher (KernelNetlinkSource) in the namespace it is started
// in and prints every route and link event as a JSON line with CLOCK_MONOTONIC and UTC stamps.
//   route_watch_driver --prefix 198.18.0.0/15 --iface primary=primary --iface backup=backup
//                      [--duration-s 120]
// Ends after --duration-s, on SIGINT/SIGTERM, or when stdin closes.
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "agent/route/kernel_netlink_source.hpp"
#include "agent/route/route_watcher.hpp"
#include "shared/time/clock.hpp"
#include "tests/lab/route/json_line.hpp"

namespace {

using pathwatch::agent::InterfaceCounters;
using pathwatch::agent::LinkChangeEvent;
using pathwatch::agent::RouteChangeEvent;
using pathwatch::lab::JsonLine;

std::int64_t mono_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int usage() {
  std::fprintf(stderr,
               "usage: route_watch_driver --prefix P [--prefix P ...] --iface IF=PATH ... "
               "[--duration-s N]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> prefixes;
  std::map<std::string, std::string> ifaces;
  int duration_s = 120;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) return usage();
    const std::string value = argv[++i];
    if (arg == "--prefix") {
      prefixes.push_back(value);
    } else if (arg == "--iface") {
      const auto eq = value.find('=');
      if (eq == std::string::npos) return usage();
      ifaces[value.substr(0, eq)] = value.substr(eq + 1);
    } else if (arg == "--duration-s") {
      duration_s = std::stoi(value);
      if (duration_s < 1 || duration_s > 3600) return usage();
    } else {
      return usage();
    }
  }
  std::vector<pathwatch::agent::WatchedPrefix> watches;
  for (const auto& p : prefixes) {
    auto w = pathwatch::agent::parse_watched_prefix(p, ifaces);
    if (!w) {
      std::fprintf(stderr, "bad prefix %s\n", p.c_str());
      return 2;
    }
    watches.push_back(std::move(*w));
  }
  if (watches.empty()) return usage();

  boost::asio::io_context io;
  pathwatch::shared::SystemClock clock;
  pathwatch::agent::RouteWatcherCallbacks callbacks;
  callbacks.on_route_change = [](const RouteChangeEvent& e) {
    JsonLine()
        .field("type", "route")
        .field("prefix", e.prefix)
        .field("from", e.from_path)
        .field("to", e.to_path)
        .field("out_interface", e.out_interface)
        .field("gateway", e.gateway)
        .field("initial", e.initial)
        .field("utc_ns", pathwatch::shared::to_unix_nanos(e.at))
        .field("mono_ns", mono_ns())
        .print();
  };
  callbacks.on_link_change = [](const LinkChangeEvent& e) {
    JsonLine()
        .field("type", "link")
        .field("interface", e.interface)
        .field("path", e.path)
        .field("oper_up", e.oper_up)
        .field("initial", e.initial)
        .field("utc_ns", pathwatch::shared::to_unix_nanos(e.at))
        .field("mono_ns", mono_ns())
        .print();
  };
  pathwatch::agent::RouteWatcher watcher(
      io, clock, std::make_unique<pathwatch::agent::KernelNetlinkSource>(io), std::move(watches),
      ifaces, std::move(callbacks));
  if (const auto ec = watcher.start()) {
    std::fprintf(stderr, "start: %s\n", ec.message().c_str());
    return 1;
  }
  JsonLine().field("type", "ready").field("mono_ns", mono_ns()).print();

  auto finish = [&] {
    for (const auto& [name, path] : ifaces) {
      const InterfaceCounters c = watcher.counters(name);
      JsonLine()
          .field("type", "counters")
          .field("interface", c.interface)
          .field("present", c.present)
          .field("oper_up", c.oper_up)
          .field("link_changes", static_cast<std::int64_t>(c.link_changes))
          .field("rx_errors", static_cast<std::int64_t>(c.rx_errors))
          .field("tx_dropped", static_cast<std::int64_t>(c.tx_dropped))
          .print();
    }
    const auto s = watcher.stats();
    JsonLine()
        .field("type", "stats")
        .field("notices", static_cast<std::int64_t>(s.notices))
        .field("syncs", static_cast<std::int64_t>(s.syncs))
        .field("overruns", static_cast<std::int64_t>(s.overruns))
        .print();
    watcher.stop();
    io.stop();
  };
  boost::asio::steady_timer deadline(io, std::chrono::seconds{duration_s});
  deadline.async_wait([&](const boost::system::error_code& ec) {
    if (!ec) finish();
  });
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (!ec) finish();
  });
  // stdin closing (the test went away) ends the driver too.
  boost::asio::posix::stream_descriptor in(io, ::dup(0));
  char byte = 0;
  std::function<void()> read_stdin = [&] {
    in.async_read_some(boost::asio::buffer(&byte, 1),
                       [&](const boost::system::error_code& ec, std::size_t) {
                         if (ec) {
                           if (ec != boost::asio::error::operation_aborted) finish();
                           return;
                         }
                         read_stdin();
                       });
  };
  read_stdin();
  io.run();
  return 0;
}
