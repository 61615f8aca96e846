// FlowCache: every field of a flow's identity tells flows apart, indexes are dense, and growth
// keeps every entry findable.
#include "collector/store/flow_cache.hpp"

#include <gtest/gtest.h>

#include <string>

namespace pathwatch::collector {
namespace {

FlowRef flow(const std::string& target, const std::string& path, std::uint32_t port = 0,
             ProbeKind kind = ProbeKind::kIcmp, const std::string& address = "198.18.30.10") {
  FlowRef f;
  f.target = target;
  f.address = address;
  f.path = path;
  f.kind = kind;
  f.port = port;
  return f;
}

std::size_t find(const FlowCache& c, std::int64_t agent, const FlowRef& f) {
  return c.find(agent, f, FlowCache::hash_of(agent, f));
}

TEST(FlowCache, EveryIdentityFieldCounts) {
  FlowCache c;
  const FlowRef base = flow("asp", "primary", 443, ProbeKind::kTcp);
  EXPECT_EQ(c.insert(1, base, FlowCache::hash_of(1, base), 100), 0u);  // first dense index
  EXPECT_EQ(find(c, 1, base), 0u);
  EXPECT_EQ(c.entry(0).id, 100);
  // Each differs from `base` in one field: none of them is the cached flow.
  EXPECT_EQ(find(c, 2, base), FlowCache::kNotFound);
  EXPECT_EQ(find(c, 1, flow("asp2", "primary", 443, ProbeKind::kTcp)), FlowCache::kNotFound);
  EXPECT_EQ(find(c, 1, flow("asp", "backup", 443, ProbeKind::kTcp)), FlowCache::kNotFound);
  EXPECT_EQ(find(c, 1, flow("asp", "primary", 444, ProbeKind::kTcp)), FlowCache::kNotFound);
  EXPECT_EQ(find(c, 1, flow("asp", "primary", 443, ProbeKind::kIcmp)), FlowCache::kNotFound);
  EXPECT_EQ(find(c, 1, flow("asp", "primary", 443, ProbeKind::kTcp, "198.18.30.11")),
            FlowCache::kNotFound);
}

TEST(FlowCache, DenseIndexesSurviveGrowth) {
  // 5,000 flows (100 agents x 50 targets): past the first table size (1,024 slots, half
  // full at 512), so the table grows several times; each keeps its index and id.
  FlowCache c;
  std::size_t n = 0;
  for (std::int64_t agent = 1; agent <= 100; ++agent) {
    for (int t = 0; t < 50; ++t) {
      const FlowRef f = flow("target-" + std::to_string(t), t % 2 ? "backup" : "primary");
      ASSERT_EQ(find(c, agent, f), FlowCache::kNotFound);
      ASSERT_EQ(c.insert(agent, f, FlowCache::hash_of(agent, f), 1000 + agent * 100 + t), n);
      ++n;
    }
  }
  EXPECT_EQ(c.size(), 5000u);
  n = 0;
  for (std::int64_t agent = 1; agent <= 100; ++agent) {
    for (int t = 0; t < 50; ++t) {
      const FlowRef f = flow("target-" + std::to_string(t), t % 2 ? "backup" : "primary");
      ASSERT_EQ(find(c, agent, f), n);
      EXPECT_EQ(c.entry(n).id, 1000 + agent * 100 + t);
      ++n;
    }
  }
  c.clear();
  EXPECT_EQ(find(c, 1, flow("target-0", "primary")), FlowCache::kNotFound);
}

}  // namespace
}  // namespace pathwatch::collector
