#include "collector/notify/secret_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace pathwatch::collector::notify {

Secret::~Secret() {
  // Best effort: the bytes do not linger in freed heap memory.
  if (!value_.empty()) explicit_bzero(value_.data(), value_.size());
}

Secret read_secret_file(const std::string& path) {
  // Open first, then fstat the open file: no window between the check and the read.
  // O_NONBLOCK: a FIFO planted as the secret must not hang open() (it is refused below).
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) {
    throw SecretFileError(
        fmt::format("cannot open secret file {}: {}", path, std::strerror(errno)));
  }
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    throw SecretFileError(
        fmt::format("cannot stat secret file {}: {}", path, std::strerror(errno)));
  }
  if (!S_ISREG(st.st_mode)) {
    throw SecretFileError(fmt::format("secret file {} is not a regular file", path));
  }
  const unsigned mode = st.st_mode & 07777;
  if ((mode & 0007) != 0) {
    throw SecretFileError(
        fmt::format("secret file {} is accessible by other users (mode {:04o}, world-readable or "
                    "-writable); refusing it: chmod 0600 (or 0640 with a dedicated group)",
                    path, mode));
  }
  if ((mode & 0020) != 0) {
    throw SecretFileError(fmt::format(
        "secret file {} is writable by its group (mode {:04o}); refusing it: chmod 0600", path,
        mode));
  }
  if (st.st_size > 65536) {
    throw SecretFileError(fmt::format("secret file {} is larger than 64 KiB", path));
  }
  std::string content;
  char buffer[4096];
  for (int i = 0; i < 16; ++i) {  // a secret is small: 64 KiB at most
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw SecretFileError(
          fmt::format("cannot read secret file {}: {}", path, std::strerror(errno)));
    }
    if (n == 0) break;
    content.append(buffer, static_cast<std::size_t>(n));
  }
  explicit_bzero(buffer, sizeof buffer);
  if (!content.empty() && content.back() == '\n') content.pop_back();
  if (!content.empty() && content.back() == '\r') content.pop_back();
  if (content.empty()) throw SecretFileError(fmt::format("secret file {} is empty", path));
  Secret secret(content);
  explicit_bzero(content.data(), content.size());
  return secret;
}

}  // namespace pathwatch::collector::notify
