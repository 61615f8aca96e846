// Tests of agent/route/watched_prefix: the address the kernel is asked about for a prefix,
// and which interfaces carry which path.
#include "agent/route/watched_prefix.hpp"

#include <gtest/gtest.h>

namespace pathwatch::agent {
namespace {

std::string lookup(const std::string& prefix) {
  auto watch = parse_watched_prefix(prefix, {});
  return watch ? watch->lookup_address.to_string() : "invalid";
}

TEST(WatchedPrefix, FirstAddressOfTheNetwork) {
  EXPECT_EQ(lookup("198.18.10.0/24"), "198.18.10.0");
  // Host bits are cleared: .77 in a /24 -> .0.
  EXPECT_EQ(lookup("198.18.10.77/24"), "198.18.10.0");
  // /15 keeps 7 bits of the second octet: 19 = 0001 0011 -> 0001 001|0 = 18.
  EXPECT_EQ(lookup("198.19.255.1/15"), "198.18.0.0");
  EXPECT_EQ(lookup("198.18.30.10/32"), "198.18.30.10");
  EXPECT_EQ(lookup("198.18.30.10/0"), "0.0.0.0");
}

TEST(WatchedPrefix, Ipv6) {
  EXPECT_EQ(lookup("fd00:5057:10::5/64"), "fd00:5057:10::");
  // /36 keeps the first nibble of the third group: 0x1234 -> 0x1000.
  EXPECT_EQ(lookup("fd00:5057:1234::/36"), "fd00:5057:1000::");
  EXPECT_EQ(lookup("fd00:5057::1/128"), "fd00:5057::1");
}

TEST(WatchedPrefix, RejectsWhatIsNotAPrefix) {
  for (const char* bad : {"198.18.10.0", "198.18.10.0/33", "fd00::/129", "x/24", "198.18.10.0/",
                          "198.18.10.0/2a", "198.18.10.0/-1"}) {
    EXPECT_EQ(lookup(bad), "invalid") << bad;
  }
}

TEST(WatchedPrefix, FromConfig) {
  AgentConfig config;
  config.route_watches.push_back({"198.18.0.0/15", {{"primary", "primary"}, {"backup", "backup"}}});
  config.route_watches.push_back({"fd00:5057::/32", {{"primary", "primary"}, {"lte0", "backup"}}});
  PathConfig pinned;
  pinned.name = "backup";
  pinned.interface = "backup";
  config.paths.push_back(pinned);
  PathConfig other;
  other.name = "mgmt";
  other.interface = "eth9";
  config.paths.push_back(other);

  const auto watches = watched_prefixes(config);
  ASSERT_EQ(watches.size(), 2u);
  EXPECT_EQ(watches[0].prefix, "198.18.0.0/15");
  EXPECT_EQ(watches[1].lookup_address.to_string(), "fd00:5057::");

  // 4 distinct interfaces: primary, backup, lte0 (route watches) and eth9 (a pinned path).
  const auto ifaces = path_interfaces(config);
  EXPECT_EQ(ifaces.size(), 4u);
  EXPECT_EQ(ifaces.at("lte0"), "backup");
  EXPECT_EQ(ifaces.at("eth9"), "mgmt");
}

TEST(WatchedPrefix, BadPrefixInConfigIsAConfigError) {
  AgentConfig config;
  config.file = "agent.yaml";
  config.route_watches.push_back({"198.18.0.0", {}});
  EXPECT_THROW(watched_prefixes(config), shared::ConfigError);
}

}  // namespace
}  // namespace pathwatch::agent
