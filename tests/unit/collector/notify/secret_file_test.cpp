// Secret files: accepted only with strict permissions, one trailing newline removed, and
// error messages that name the file and mode but never the content.
#include "collector/notify/secret_file.hpp"

#include <gtest/gtest.h>

#include "tests/unit/collector/notify/temp_files.hpp"

namespace pathwatch::collector::notify {
namespace {

std::string error_of(const std::string& file) {
  try {
    read_secret_file(file);
  } catch (const SecretFileError& e) {
    return e.what();
  }
  return "no error";
}

TEST(SecretFile, OwnerOnlyFileIsRead) {
  testing::TempDir dir;
  EXPECT_EQ(read_secret_file(dir.write("p", "s3cret\n", 0600)).reveal(), "s3cret");
  EXPECT_EQ(read_secret_file(dir.write("crlf", "s3cret\r\n", 0400)).reveal(), "s3cret");
  // Only one newline is removed: a password may end in white space.
  EXPECT_EQ(read_secret_file(dir.write("sp", "s3cret \n\n", 0600)).reveal(), "s3cret \n");
  // Group-readable (0640, root:pathwatch) is a common deployment and allowed.
  EXPECT_EQ(read_secret_file(dir.write("g", "x", 0640)).reveal(), "x");
}

TEST(SecretFile, WorldReadableIsRefusedWithoutShowingTheSecret) {
  testing::TempDir dir;
  const std::string file = dir.write("p", "s3cret\n", 0644);
  const std::string e = error_of(file);
  EXPECT_EQ(e, "secret file " + file +
                   " is accessible by other users (mode 0644, world-readable or -writable); "
                   "refusing it: chmod 0600 (or 0640 with a dedicated group)");
  EXPECT_EQ(e.find("s3cret"), std::string::npos);
}

TEST(SecretFile, OtherUnsafeModesAndFilesAreRefused) {
  testing::TempDir dir;
  EXPECT_NE(error_of(dir.write("w", "x", 0602)).find("accessible by other users (mode 0602"),
            std::string::npos);
  EXPECT_NE(error_of(dir.write("gw", "x", 0660)).find("writable by its group (mode 0660)"),
            std::string::npos);
  EXPECT_NE(error_of(dir.write("e", "\n", 0600)).find("is empty"), std::string::npos);
  EXPECT_NE(error_of(dir.path()).find("is not a regular file"), std::string::npos);
  EXPECT_NE(error_of(dir.path() + "/missing").find("cannot open secret file"), std::string::npos);
}

}  // namespace
}  // namespace pathwatch::collector::notify
