#include "collector/config/collector_config.hpp"

#include <gtest/gtest.h>

namespace pathwatch::collector {
namespace {

TEST(CollectorConfig, ExampleConfigInEtcIsValid) {
  const auto c = load_collector_config("etc/collector.example.yaml");
  ASSERT_EQ(c.listen.size(), 1u);
  EXPECT_EQ(c.listen[0], "tcp://0.0.0.0:7000");
  EXPECT_TRUE(c.insecure_plaintext);
}

TEST(CollectorConfig, BadEndpointIsRejectedWithItsPosition) {
  try {
    parse_collector_config(shared::ConfigNode::load_string(
                               "collector: {listen: [http://x]}\nstore: {database: x.db}\n", "c.yaml"),
                           "c.yaml");
    FAIL() << "expected a ConfigError";
  } catch (const shared::ConfigError& e) {
    EXPECT_STREQ(e.what(), "c.yaml:1:22: collector.listen[0]: listen endpoints look like tcp://ADDRESS:PORT");
  }
}

}  // namespace
}  // namespace pathwatch::collector
