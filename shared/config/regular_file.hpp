// Opening a file the operator named (a config, a key, a secret) without letting it hang or
// mislead the daemon: non-blocking open (a FIFO would block open() and read() forever),
// O_NOFOLLOW for keys and secrets, and a type check on the opened descriptor, so what is
// checked is what is read.
#pragma once

#include <sys/stat.h>

#include <cstddef>
#include <string>

namespace pathwatch::shared {

class RegularFile {
 public:
  enum class Links { kFollow, kRefuse };
  // Throws ConfigError ("FILE: …", exit 2) when the path cannot be opened, is a directory,
  // a FIFO, a socket or a device, or (kRefuse: keys and secrets) a symbolic link. `what` names
  // the file in the message ("configuration file", "secret key file").
  RegularFile(const std::string& path, const std::string& what, Links links);
  ~RegularFile();
  RegularFile(const RegularFile&) = delete;
  RegularFile& operator=(const RegularFile&) = delete;

  const struct stat& status() const { return status_; }
  int fd() const { return fd_; }
  // The whole file; ConfigError when it is larger than `max_bytes` or a read fails.
  std::string read_all(std::size_t max_bytes);

 private:
  std::string path_;
  std::string what_;
  int fd_ = -1;
  struct stat status_ {};
};

}  // namespace pathwatch::shared
