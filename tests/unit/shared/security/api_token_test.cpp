// API tokens: shape, SHA-256 against the FIPS 180-2 example, hex round trip, roles.
#include "shared/security/api_token.hpp"

#include <gtest/gtest.h>

#include <set>

#include "shared/security/api_role.hpp"

namespace pathwatch::shared {
namespace {

TEST(ApiTokenTest, TokensArePrefixed256RandomBitsInHex) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string t = generate_api_token();
    ASSERT_EQ(t.size(), 68u);  // "pwt_" + 2 × 32 hex digits
    EXPECT_EQ(t.rfind("pwt_", 0), 0u);
    EXPECT_TRUE(parse_digest_hex(t.substr(4)));
    seen.insert(t);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(ApiTokenTest, DigestIsSha256) {
  // FIPS 180-2, appendix B.1: SHA-256("abc").
  EXPECT_EQ(digest_hex(api_token_digest("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const auto d = api_token_digest("pwt_x");
  EXPECT_TRUE(digests_equal(*parse_digest_hex(digest_hex(d)), d));
  EXPECT_FALSE(digests_equal(api_token_digest("pwt_y"), d));
  EXPECT_FALSE(parse_digest_hex("abc"));
  EXPECT_FALSE(parse_digest_hex(std::string(64, 'g')));
}

TEST(ApiRoleTest, ViewerReadsOperatorAlsoWritesAndReadsTheAudit) {
  EXPECT_TRUE(role_allows(ApiRole::kViewer, ApiPermission::kRead));
  EXPECT_FALSE(role_allows(ApiRole::kViewer, ApiPermission::kWrite));
  EXPECT_FALSE(role_allows(ApiRole::kViewer, ApiPermission::kReadAudit));
  EXPECT_TRUE(role_allows(ApiRole::kOperator, ApiPermission::kWrite));
  EXPECT_TRUE(role_allows(ApiRole::kOperator, ApiPermission::kReadAudit));
  EXPECT_EQ(parse_api_role("operator"), ApiRole::kOperator);
  EXPECT_FALSE(parse_api_role("admin"));
  EXPECT_TRUE(is_valid_token_name("ops-tanaka@honcho"));
  EXPECT_FALSE(is_valid_token_name("a b"));
  EXPECT_FALSE(is_valid_token_name(""));
}

}  // namespace
}  // namespace pathwatch::shared
