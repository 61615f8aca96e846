// Reading --token-file through RegularFile (non-blocking open, O_NOFOLLOW, type check on the
// descriptor that is read).
#include "ctl/token_file.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include "shared/cli/command_line.hpp"
#include "shared/config/config_error.hpp"
#include "shared/config/regular_file.hpp"

namespace pathwatch::ctl {

namespace {
// A token is 68 characters; anything much larger is not a token file.
constexpr std::size_t kMaxTokenFileBytes = 4096;
}  // namespace

std::string read_token_file(const std::string& path) {
  std::string token;
  try {
    shared::RegularFile file(path, "token file", shared::RegularFile::Links::kRefuse);
    const unsigned mode = file.status().st_mode & 07777;
    if ((mode & 0077) != 0) {
      throw shared::UsageError(fmt::format(
          "--token-file: {} has mode {:04o}: group/others may not have any access (chmod 600 it)",
          path, mode));
    }
    token = file.read_all(kMaxTokenFileBytes);
  } catch (const shared::ConfigError& e) {
    throw shared::UsageError(fmt::format("--token-file: {}", e.what()));
  }
  const auto first = token.find_first_not_of(" \t\r\n");
  const auto last = token.find_last_not_of(" \t\r\n");
  if (first == std::string::npos) {
    throw shared::UsageError(fmt::format("--token-file: {} is empty", path));
  }
  return token.substr(first, last - first + 1);
}

}  // namespace pathwatch::ctl
