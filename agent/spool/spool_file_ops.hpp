// The spool's write-side system calls behind a small seam, so tests can make the disk fill up
// or fail (ENOSPC, EIO, a short write) without a real full filesystem. Errors are -errno.
#pragma once

#include <cstddef>
#include <string>

namespace pathwatch::agent {

class SpoolFileOps {
 public:
  virtual ~SpoolFileOps() = default;
  // open(O_RDWR|O_CREAT|O_CLOEXEC, 0600) plus O_APPEND or O_TRUNC: an fd, or -errno.
  virtual int open_write(const std::string& path, bool append) = 0;
  // write(2) once: bytes written (may be short), or -errno.
  virtual long write(int fd, const char* data, std::size_t size) = 0;
  // fdatasync(2): 0 or -errno.
  virtual int datasync(int fd) = 0;
};

// The real system calls (EINTR retried).
SpoolFileOps& posix_spool_file_ops();

}  // namespace pathwatch::agent
