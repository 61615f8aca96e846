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
    parse_collector_config(
        shared::ConfigNode::load_string(
            "collector: {listen: [http://x]}\nstore: {database: x.db}\n", "c.yaml"),
        "c.yaml");
    FAIL() << "expected a ConfigError";
  } catch (const shared::ConfigError& e) {
    EXPECT_STREQ(e.what(),
                 "c.yaml:1:22: collector.listen[0]: listen endpoints look like tcp://ADDRESS:PORT");
  }
}

TEST(CollectorConfig, IngestStoreAndApiKeys) {
  const auto c =
      parse_collector_config(shared::ConfigNode::load_string("collector:\n"
                                                             "  listen: tcp://127.0.0.1:7000\n"
                                                             "  max_message_size: 128KiB\n"
                                                             "  gap_timeout: 2m\n"
                                                             "  batch_messages: 100\n"
                                                             "store:\n"
                                                             "  database: x.db\n"
                                                             "  synchronous: normal\n"
                                                             "  retention: {raw: 7d, hourly: 0d}\n"
                                                             "api:\n"
                                                             "  listen: '[::1]:0'\n",
                                                             "c.yaml"),
                             "c.yaml");
  EXPECT_EQ(c.ingest.limits.max_message_bytes, 128u * 1024);  // 128 KiB
  EXPECT_EQ(c.ingest.gap_timeout, std::chrono::minutes{2});
  EXPECT_EQ(c.ingest.batch_messages, 100u);
  EXPECT_FALSE(c.synchronous_full);
  EXPECT_EQ(c.retention.raw, std::chrono::hours{24 * 7});
  EXPECT_EQ(c.retention.hourly.count(), 0);  // 0d = keep forever
  EXPECT_EQ(c.api_address, "::1");
  EXPECT_EQ(c.api_port, 0);
}

TEST(CollectorConfig, BadApiListenIsRejectedWithItsPosition) {
  try {
    parse_collector_config(
        shared::ConfigNode::load_string(
            "collector: {listen: tcp://127.0.0.1:7000}\nstore: {database: x.db}\napi: {listen: "
            "localhost}\n",
            "c.yaml"),
        "c.yaml");
    FAIL() << "expected a ConfigError";
  } catch (const shared::ConfigError& e) {
    EXPECT_STREQ(e.what(), "c.yaml:3:15: api.listen: expected ADDRESS:PORT, e.g. 127.0.0.1:7080");
  }
}

}  // namespace
}  // namespace pathwatch::collector

namespace pathwatch::collector {
namespace {

TEST(CollectorConfig, FloodLimitsComeFromCollectorLimits) {
  const auto c = parse_collector_config(
      shared::ConfigNode::load_string("collector:\n"
                                      "  listen: tcp://127.0.0.1:7000\n"
                                      "  limits: {messages_per_second: 100, burst_messages: 300}\n"
                                      "store: {database: x.db}\n",
                                      "c.yaml"),
      "c.yaml");
  EXPECT_EQ(c.flood.messages_per_second, 100);
  EXPECT_EQ(c.flood.burst_messages, 300);
  // Defaults stay well above a draining spool's rate (see ingest_limits.hpp).
  EXPECT_EQ(FloodLimits{}.messages_per_second, 50000);
}

TEST(CollectorConfig, ApiServerLimitsAndDeadlines) {
  const auto c = parse_collector_config(
      shared::ConfigNode::load_string(
          "collector: {listen: tcp://127.0.0.1:7000}\nstore: {database: x.db}\n"
          "api: {listen: 127.0.0.1:7080, header_timeout: 2s, body_timeout: 3s, idle_timeout: 1m,\n"
          "      write_timeout: 4s, max_connections: 8, max_header_size: 4KiB,\n"
          "      max_body_size: 64KiB, handler_threads: 3}\n",
          "c.yaml"),
      "c.yaml");
  EXPECT_EQ(c.api_server.header_timeout, std::chrono::seconds{2});
  EXPECT_EQ(c.api_server.body_timeout, std::chrono::seconds{3});
  EXPECT_EQ(c.api_server.idle_timeout, std::chrono::minutes{1});
  EXPECT_EQ(c.api_server.write_timeout, std::chrono::seconds{4});
  EXPECT_EQ(c.api_server.max_connections, 8u);
  EXPECT_EQ(c.api_server.max_header_bytes, 4096u);
  EXPECT_EQ(c.api_server.max_body_bytes, 65536u);
  EXPECT_EQ(c.api_server.handler_threads, 3u);
  EXPECT_FALSE(c.api_tokens);  // loopback without tokens: allowed
}

TEST(CollectorConfig, ApiBeyondLoopbackWithoutTokensIsRefusedAtItsListenKey) {
  for (const char* address : {"0.0.0.0", "198.18.0.1", "::"}) {
    try {
      parse_collector_config(
          shared::ConfigNode::load_string(
              std::string("collector: {listen: tcp://127.0.0.1:7000}\nstore: {database: x.db}\n"
                          "api: {listen: '") +
                  (std::string(address) == "::" ? "[::]" : address) + ":7080'}\n",
              "c.yaml"),
          "c.yaml");
      FAIL() << "expected a ConfigError for " << address;
    } catch (const shared::ConfigError& e) {
      EXPECT_EQ(std::string(e.what()).rfind(std::string("c.yaml:3:15: api.listen: the API would "
                                                        "listen on ") +
                                                address + " without a token file",
                                            0),
                0u)
          << e.what();
    }
  }
  // 127.0.0.0/8 and ::1 are loopback.
  for (const char* listen : {"127.0.0.2:7080", "'[::1]:7080'"}) {
    EXPECT_NO_THROW(parse_collector_config(
        shared::ConfigNode::load_string(
            std::string("collector: {listen: tcp://127.0.0.1:7000}\nstore: {database: x.db}\n"
                        "api: {listen: ") +
                listen + "}\n",
            "c.yaml"),
        "c.yaml"));
  }
}

// The SIGHUP reload of agent keys must not read api.tokens: a FIFO there would block the ZAP
// thread (no agent could reconnect) and a typo there would block a key rotation. Here the token
// "file" is a directory, so reading it fails at once; the agents-only load must succeed.
TEST(CollectorConfig, AgentKeyReloadDoesNotReadTheTokenFile) {
  const std::string text =
      "collector: {listen: tcp://127.0.0.1:7000}\nstore: {database: x.db}\n"
      "api: {listen: 0.0.0.0:7080, tokens: /, behind_tls_proxy: true}\n";
  EXPECT_THROW(parse_collector_config(shared::ConfigNode::load_string(text, "c.yaml"), "c.yaml"),
               shared::ConfigError);
  const auto c = parse_collector_config(shared::ConfigNode::load_string(text, "c.yaml"), "c.yaml",
                                        ApiTokenFile::kSkip);
  EXPECT_EQ(c.api_tokens_file, "/");
}

// Tokens over plain HTTP beyond loopback would be readable on the wire: refused unless the
// operator says a TLS proxy is in front (the proxy then listens outside, the API on loopback or
// on the proxy's private link).
TEST(CollectorConfig, ApiBeyondLoopbackWithoutTlsProxyIsRefused) {
  const auto config = [](const std::string& api) {
    return "collector: {listen: tcp://127.0.0.1:7000}\nstore: {database: x.db}\napi: " + api + "\n";
  };
  // tokens: / is a directory, so only the kSkip load gets past the token file to this check.
  try {
    parse_collector_config(
        shared::ConfigNode::load_string(config("{listen: 0.0.0.0:7080, tokens: /}"), "c.yaml"),
        "c.yaml", ApiTokenFile::kSkip);
    FAIL() << "expected a ConfigError";
  } catch (const shared::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("c.yaml:3:15: api.listen: the API would listen on "
                                         "0.0.0.0 in plain HTTP"),
              std::string::npos)
        << e.what();
  }
  const auto c = parse_collector_config(
      shared::ConfigNode::load_string(
          config("{listen: 0.0.0.0:7080, tokens: /, behind_tls_proxy: true}"), "c.yaml"),
      "c.yaml", ApiTokenFile::kSkip);
  EXPECT_TRUE(c.api_behind_tls_proxy);
  EXPECT_FALSE(
      parse_collector_config(
          shared::ConfigNode::load_string(config("{listen: 127.0.0.1:7080}"), "c.yaml"), "c.yaml")
          .api_behind_tls_proxy);
}

}  // namespace
}  // namespace pathwatch::collector
