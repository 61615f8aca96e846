// The POSIX implementation of the spool's write-side system calls.
#include "agent/spool/spool_file_ops.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace pathwatch::agent {
namespace {

class PosixSpoolFileOps final : public SpoolFileOps {
 public:
  int open_write(const std::string& path, bool append) override {
    const int flags = O_RDWR | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC);
    int fd;
    do {
      fd = ::open(path.c_str(), flags, 0600);
    } while (fd < 0 && errno == EINTR);
    return fd < 0 ? -errno : fd;
  }
  long write(int fd, const char* data, std::size_t size) override {
    ssize_t n;
    do {
      n = ::write(fd, data, size);
    } while (n < 0 && errno == EINTR);
    return n < 0 ? -errno : static_cast<long>(n);
  }
  int datasync(int fd) override {
    int rc;
    do {
      rc = ::fdatasync(fd);
    } while (rc < 0 && errno == EINTR);
    return rc < 0 ? -errno : 0;
  }
};

}  // namespace

SpoolFileOps& posix_spool_file_ops() {
  static PosixSpoolFileOps ops;
  return ops;
}

}  // namespace pathwatch::agent
