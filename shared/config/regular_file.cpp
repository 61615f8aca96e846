// Safe opening of operator-named files.
#include "shared/config/regular_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "shared/config/config_error.hpp"

namespace pathwatch::shared {
namespace {

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  return "not a regular file";
}

}  // namespace

RegularFile::RegularFile(const std::string& path, const std::string& what, Links links)
    : path_(path), what_(what) {
  const int no_follow = links == Links::kRefuse ? O_NOFOLLOW : 0;
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | no_follow);
  if (fd_ < 0) {
    const int err = errno;
    if (err == ELOOP && links == Links::kRefuse) {
      throw ConfigError({path, 0, 0},
                        fmt::format("{} is a symbolic link; name the file itself", what));
    }
    throw ConfigError({path, 0, 0}, fmt::format("cannot open {}: {}", what, std::strerror(err)));
  }
  if (::fstat(fd_, &status_) != 0) {
    const int err = errno;
    ::close(fd_);
    throw ConfigError({path, 0, 0}, fmt::format("cannot stat {}: {}", what, std::strerror(err)));
  }
  if (!S_ISREG(status_.st_mode)) {
    ::close(fd_);
    throw ConfigError({path, 0, 0},
                      fmt::format("{} is {}, not a regular file", what, kind_of(status_.st_mode)));
  }
}

RegularFile::~RegularFile() {
  if (fd_ >= 0) ::close(fd_);
}

std::string RegularFile::read_all(std::size_t max_bytes) {
  if (static_cast<std::size_t>(status_.st_size) > max_bytes) {
    throw ConfigError({path_, 0, 0}, fmt::format("{} is larger than {} bytes", what_, max_bytes));
  }
  std::string out;
  std::array<char, 4096> buf{};
  for (;;) {
    const ssize_t n = ::read(fd_, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw ConfigError({path_, 0, 0},
                        fmt::format("cannot read {}: {}", what_, std::strerror(errno)));
    }
    if (n == 0) break;
    out.append(buf.data(), static_cast<std::size_t>(n));
    if (out.size() > max_bytes) {
      throw ConfigError({path_, 0, 0}, fmt::format("{} is larger than {} bytes", what_, max_bytes));
    }
  }
  explicit_bzero(buf.data(), buf.size());  // the last block may have held a secret
  return out;
}

}  // namespace pathwatch::shared
