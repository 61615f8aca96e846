// What the route watcher watches, derived from the agent config: each route_watch prefix with
// the address the kernel is asked about, and which interfaces belong to which path.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "agent/config/agent_config.hpp"

namespace pathwatch::agent {

struct WatchedPrefix {
  std::string prefix;  // as configured (the collector matches it against the config)
  // The prefix's first address (host bits cleared): what "ip route get" is asked about. The
  // kernel's answer for it is the route traffic to the prefix takes (longest match, metric,
  // linkdown and policy rules applied by the kernel itself).
  boost::asio::ip::address lookup_address;
  std::map<std::string, std::string> interface_paths;  // output interface -> path name
};

// "198.18.10.0/24" or "fd00:5057:10::/64" (host bits may be set; they are cleared).
// nullopt if the text is not a prefix.
std::optional<WatchedPrefix> parse_watched_prefix(const std::string& prefix,
                                                  std::map<std::string, std::string> paths);

// Every route_watch of the config. Throws shared::ConfigError for a prefix that does not
// parse (the config loader already rejects those; this is the start-up check of last resort).
std::vector<WatchedPrefix> watched_prefixes(const AgentConfig& config);

// Interfaces whose link state matters, with the path each one carries: the interfaces of
// every route_watch and of every interface-pinned path. The first mention wins.
std::map<std::string, std::string> path_interfaces(const AgentConfig& config);

}  // namespace pathwatch::agent
