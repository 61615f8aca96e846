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
constexpr std::size_t kTextBytes = 512;

// Fixed width (20 digits, signed times 20 characters), so an in-place rewrite covers the old
// text exactly. The `lost_*` lines came later: a file without them has nothing lost.
int format_state(const SpoolState& state, char (&text)[kTextBytes]) {
  const DropTally& l = state.lost;
  return std::snprintf(
      text, sizeof text,
      "%s\nacked_through %020" PRIu64 "\nhighest_seq %020" PRIu64 "\nlost_summaries %020" PRIu64
      "\nlost_events %020" PRIu64 "\nlost_first_seq %020" PRIu64 "\nlost_last_seq %020" PRIu64
      "\nlost_first_unix_nanos %020" PRId64 "\nlost_last_unix_nanos %020" PRId64 "\nend\n",
      kHeader, state.acked_through, state.highest_seq, l.summaries, l.events, l.first_seq,
      l.last_seq, l.first_unix_nanos, l.last_unix_nanos);
}

}  // namespace

std::optional<SpoolState> read_spool_state(const std::string& file) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  std::string header, key;
  SpoolState s;
  if (!std::getline(in, header) || header != kHeader) return std::nullopt;
  bool acked = false, highest = false;
  while (in >> key) {
    if (key == "end") return acked && highest ? std::optional<SpoolState>(s) : std::nullopt;
    bool ok = true;
    if (key == "acked_through") {
      ok = static_cast<bool>(in >> s.acked_through);
      acked = true;
    } else if (key == "highest_seq") {
      ok = static_cast<bool>(in >> s.highest_seq);
      highest = true;
    } else if (key == "lost_summaries") {
      ok = static_cast<bool>(in >> s.lost.summaries);
    } else if (key == "lost_events") {
      ok = static_cast<bool>(in >> s.lost.events);
    } else if (key == "lost_first_seq") {
      ok = static_cast<bool>(in >> s.lost.first_seq);
    } else if (key == "lost_last_seq") {
      ok = static_cast<bool>(in >> s.lost.last_seq);
    } else if (key == "lost_first_unix_nanos") {
      ok = static_cast<bool>(in >> s.lost.first_unix_nanos);
    } else if (key == "lost_last_unix_nanos") {
      ok = static_cast<bool>(in >> s.lost.last_unix_nanos);
    } else {
      return std::nullopt;
    }
    if (!ok) return std::nullopt;
  }
  return std::nullopt;  // no "end": torn
}

int overwrite_spool_state(int fd, const SpoolState& state) {
  char text[kTextBytes];
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
  char text[kTextBytes];
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
