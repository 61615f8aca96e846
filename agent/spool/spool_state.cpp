// Reading and atomically replacing the spool's state file.
#include "agent/spool/spool_state.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <fstream>

namespace pathwatch::agent {
namespace {

constexpr const char* kHeader = "pathwatch-spool-state 1";

// Fixed width (20 digits), so an in-place rewrite covers the old text exactly.
int format_state(const SpoolState& state, char (&text)[160]) {
  return std::snprintf(text, sizeof text,
                       "%s\nacked_through %020" PRIu64 "\nhighest_seq %020" PRIu64 "\nend\n",
                       kHeader, state.acked_through, state.highest_seq);
}

}  // namespace

std::optional<SpoolState> read_spool_state(const std::string& file) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  std::string header, k1, k2, end;
  SpoolState s;
  if (!std::getline(in, header) || header != kHeader) return std::nullopt;
  if (!(in >> k1 >> s.acked_through >> k2 >> s.highest_seq >> end)) return std::nullopt;
  if (k1 != "acked_through" || k2 != "highest_seq" || end != "end") return std::nullopt;
  return s;
}

int overwrite_spool_state(int fd, const SpoolState& state) {
  char text[160];
  const int len = format_state(state, text);
  ssize_t n;
  do {
    n = ::pwrite(fd, text, static_cast<std::size_t>(len), 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return -errno;
  return n == len ? 0 : -EIO;
}

int write_spool_state(SpoolFileOps& ops, const std::string& directory, const std::string& file,
                      const SpoolState& state, bool durable) {
  char text[160];
  const int len = format_state(state, text);
  const std::string tmp = file + ".tmp";
  const int fd = ops.open_write(tmp, false);
  if (fd < 0) return fd;
  const long n = ops.write(fd, text, static_cast<std::size_t>(len));
  int rc = n < 0 ? static_cast<int>(n) : (n != len ? -ENOSPC : 0);
  if (rc == 0 && durable) rc = ops.datasync(fd);
  ::close(fd);
  if (rc == 0 && ::rename(tmp.c_str(), file.c_str()) != 0) rc = -errno;
  if (rc == 0 && durable) rc = sync_directory(directory);
  return rc;
}

int sync_directory(const std::string& directory) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -errno;
  const int rc = ::fsync(fd) == 0 ? 0 : -errno;
  ::close(fd);
  return rc;
}

}  // namespace pathwatch::agent
