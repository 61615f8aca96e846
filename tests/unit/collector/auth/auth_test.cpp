// Key registry, the per-message key -> (agent, site) check, and ZAP decisions (RFC 27 frames).
#include <gtest/gtest.h>
#include <zmq.h>

#include <array>

#include "collector/auth/agent_key_registry.hpp"
#include "collector/auth/key_authorizer.hpp"
#include "collector/auth/zap_decision.hpp"
#include "shared/security/curve_keys.hpp"

namespace pathwatch::collector {
namespace {

std::string raw_of(const std::string& z85) {
  std::array<std::uint8_t, 32> raw{};
  zmq_z85_decode(raw.data(), z85.c_str());
  return std::string(reinterpret_cast<const char*>(raw.data()), raw.size());
}

std::vector<std::string> curve_request(const std::string& z85) {
  return {"1.0", "7", "pathwatch", "127.0.0.1", "", "CURVE", raw_of(z85)};
}

struct Keys {
  std::string a_old = shared::generate_curve_keypair().public_z85;
  std::string a_new = shared::generate_curve_keypair().public_z85;
  std::string b = shared::generate_curve_keypair().public_z85;
  std::string stranger = shared::generate_curve_keypair().public_z85;
};

TEST(AgentKeyRegistry, SeveralKeysPerAgentOneAgentPerKey) {
  Keys k;
  AgentKeyRegistry r({{"a", "honcho", {k.a_old, k.a_new}}, {"b", "annex", {k.b}}});
  EXPECT_EQ(r.keys(), 3u);  // 2 for a (rotation) + 1 for b
  EXPECT_EQ(r.find(k.a_new)->agent_id, "a");
  EXPECT_EQ(r.find(k.a_old)->site, "honcho");
  EXPECT_FALSE(r.find(k.stranger));
  EXPECT_THROW(AgentKeyRegistry({{"a", "honcho", {k.b}}, {"b", "annex", {k.b}}}),
               std::invalid_argument);
  EXPECT_THROW(AgentKeyRegistry({{"a", "honcho", {"not-z85"}}}), std::invalid_argument);
}

TEST(KeyAuthorizer, KeyMustMatchBothAgentIdAndSite) {
  Keys k;
  AgentKeyRegistryHandle handle(std::make_shared<const AgentKeyRegistry>(
      std::vector<AgentKeyEntry>{{"a", "honcho", {k.a_old}}, {"b", "annex", {k.b}}}));
  KeyAuthorizer auth(handle);
  EXPECT_TRUE(auth.allowed(PeerIdentity{k.a_old}, "a", "honcho"));
  EXPECT_FALSE(auth.allowed(PeerIdentity{k.a_old}, "b", "annex"));  // another agent's id
  EXPECT_FALSE(auth.allowed(PeerIdentity{k.a_old}, "a", "annex"));  // another site
  EXPECT_FALSE(auth.allowed(PeerIdentity{k.stranger}, "a", "honcho"));
  EXPECT_FALSE(auth.allowed(PeerIdentity{}, "a", "honcho"));  // unauthenticated link
  // Rotation: the reload drops the old key; the next message on its (old) connection fails.
  handle.set(std::make_shared<const AgentKeyRegistry>(
      std::vector<AgentKeyEntry>{{"a", "honcho", {k.a_new}}}));
  EXPECT_FALSE(auth.allowed(PeerIdentity{k.a_old}, "a", "honcho"));
  EXPECT_TRUE(auth.allowed(PeerIdentity{k.a_new}, "a", "honcho"));
}

TEST(ZapDecision, RegisteredKeyGets200WithItsKeyAsUserId) {
  Keys k;
  AgentKeyRegistry r({{"a", "honcho", {k.a_old}}});
  const ZapDecision d = decide_zap(curve_request(k.a_old), r);
  EXPECT_EQ(d.outcome, ZapDecision::Outcome::kAllowed);
  // RFC 27 reply: version, request id, status code, status text, user id, metadata.
  ASSERT_EQ(d.reply.size(), 6u);
  EXPECT_EQ(d.reply[0], "1.0");
  EXPECT_EQ(d.reply[1], "7");
  EXPECT_EQ(d.reply[2], "200");
  EXPECT_EQ(d.reply[4], k.a_old);
}

TEST(ZapDecision, UnknownKeyOrOtherMechanismGets400) {
  Keys k;
  AgentKeyRegistry r({{"a", "honcho", {k.a_old}}});
  const ZapDecision unknown = decide_zap(curve_request(k.stranger), r);
  EXPECT_EQ(unknown.outcome, ZapDecision::Outcome::kDenied);
  EXPECT_EQ(unknown.reply[2], "400");
  EXPECT_EQ(unknown.reply[4], "");
  const ZapDecision null_mech = decide_zap({"1.0", "8", "pathwatch", "127.0.0.1", "", "NULL"}, r);
  EXPECT_EQ(null_mech.outcome, ZapDecision::Outcome::kDenied);
  EXPECT_EQ(null_mech.reply[2], "400");
  EXPECT_EQ(decide_zap({"0.9"}, r).outcome, ZapDecision::Outcome::kMalformed);
}

}  // namespace
}  // namespace pathwatch::collector
