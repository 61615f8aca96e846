// pathwatchctl --token-file: read like a secret key. A FIFO would block the read forever, a
// symbolic link or a file others can read is a token others may have seen.
#include "ctl/token_file.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>

#include "shared/cli/command_line.hpp"

namespace pathwatch::ctl {
namespace {

using namespace std::chrono_literals;

class TokenFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("pw-ctl-token-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& text, mode_t mode) {
    const std::string p = (dir_ / "token").string();
    std::ofstream(p) << text;
    ::chmod(p.c_str(), mode);
    return p;
  }
  static std::string error_of(const std::string& path) {
    try {
      read_token_file(path);
    } catch (const shared::UsageError& e) {
      return e.what();
    }
    return "";
  }
  std::filesystem::path dir_;
};

TEST_F(TokenFileTest, ReadsTheTokenWithoutSurroundingSpace) {
  EXPECT_EQ(read_token_file(write("  pwt_abc\n", 0600)), "pwt_abc");
}

TEST_F(TokenFileTest, RefusesAFileOthersCanRead) {
  const std::string p = write("pwt_abc\n", 0644);
  EXPECT_EQ(error_of(p), "--token-file: " + p +
                             " has mode 0644: group/others may not have any access (chmod 600 it)");
}

TEST_F(TokenFileTest, RefusesAFifoWithoutBlocking) {
  const std::string p = (dir_ / "fifo").string();
  ASSERT_EQ(::mkfifo(p.c_str(), 0600), 0);
  auto reading = std::async(std::launch::async, [&] { return error_of(p); });
  if (reading.wait_for(2s) == std::future_status::timeout) {
    const int writer = ::open(p.c_str(), O_WRONLY | O_NONBLOCK);
    if (writer >= 0) ::close(writer);
    reading.wait();
    FAIL() << "reading a FIFO as --token-file blocked";
  }
  EXPECT_EQ(reading.get(), "--token-file: " + p + ": token file is a FIFO, not a regular file");
}

TEST_F(TokenFileTest, RefusesASymbolicLink) {
  const std::string target = write("pwt_abc\n", 0600);
  const std::string link = (dir_ / "link").string();
  std::filesystem::create_symlink(target, link);
  EXPECT_EQ(error_of(link),
            "--token-file: " + link + ": token file is a symbolic link; name the file itself");
}

}  // namespace
}  // namespace pathwatch::ctl
