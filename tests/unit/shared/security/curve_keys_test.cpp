// CURVE key files: keygen output modes, strict secret-file checks, Z85 validation.
#include "shared/security/curve_keys.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "shared/config/config_error.hpp"

namespace pathwatch::shared {
namespace {

class CurveKeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("pw-keys-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  static unsigned mode_of(const std::string& p) {
    struct stat st {};
    ::stat(p.c_str(), &st);
    return st.st_mode & 07777;
  }
  std::filesystem::path dir_;
};

TEST_F(CurveKeysTest, KeygenWritesOwnerOnlySecretAndReadablePublic) {
  const auto pair = generate_curve_keypair();
  const std::string key = write_curve_keypair(dir_.string(), "site-a", pair);
  const std::string pub = (dir_ / "site-a.pub").string();
  // The modes the design asks for: secret 0600, public 0644.
  EXPECT_EQ(mode_of(key), 0600u);
  EXPECT_EQ(mode_of(pub), 0644u);
  const CurveSecretKey secret = load_secret_key_file(key);
  EXPECT_EQ(load_public_key_file(pub), pair.public_z85);
  EXPECT_EQ(curve_public_of(secret), pair.public_z85);
  // 40 Z85 characters encode 32 bytes (RFC 32: 5 chars per 4 bytes).
  EXPECT_EQ(pair.public_z85.size(), 40u);
}

TEST_F(CurveKeysTest, KeygenRefusesToOverwrite) {
  write_curve_keypair(dir_.string(), "a", generate_curve_keypair());
  EXPECT_THROW(write_curve_keypair(dir_.string(), "a", generate_curve_keypair()),
               std::runtime_error);
  EXPECT_THROW(write_curve_keypair(dir_.string(), "../a", generate_curve_keypair()),
               std::runtime_error);
}

TEST_F(CurveKeysTest, GroupOrWorldReadableSecretIsRefusedNamingFileAndMode) {
  const std::string key = write_curve_keypair(dir_.string(), "a", generate_curve_keypair());
  for (unsigned mode : {0644u, 0640u, 0604u, 0660u}) {
    ASSERT_EQ(::chmod(key.c_str(), mode), 0);
    try {
      (void)load_secret_key_file(key);
      FAIL() << "mode " << std::oct << mode << " was accepted";
    } catch (const ConfigError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(key), std::string::npos) << what;
      char expected[8];
      std::snprintf(expected, sizeof expected, "%04o", mode);
      EXPECT_NE(what.find(expected), std::string::npos) << what;
    }
  }
  ASSERT_EQ(::chmod(key.c_str(), 0400), 0);  // read-only for the owner is fine
  EXPECT_NO_THROW((void)load_secret_key_file(key));
}

TEST_F(CurveKeysTest, GarbageIsNotAKeyAndTheMessageDoesNotEchoIt) {
  const std::string path = (dir_ / "bad.key").string();
  { std::ofstream(path) << "not-a-key-SECRETVALUE\n"; }
  ::chmod(path.c_str(), 0600);
  try {
    (void)load_secret_key_file(path);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).find("SECRETVALUE"), std::string::npos);
  }
  EXPECT_THROW((void)load_public_key_file((dir_ / "missing.pub").string()), ConfigError);
  EXPECT_FALSE(is_z85_key("short"));
  EXPECT_TRUE(is_z85_key(generate_curve_keypair().public_z85));
}

}  // namespace
}  // namespace pathwatch::shared
