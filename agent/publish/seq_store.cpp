// The persisted sequence-number reservation.
#include "agent/publish/seq_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace pathwatch::agent {
namespace {

// Reads the whole (small) file; nullopt if it cannot be opened.
std::optional<std::string> read_small_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string text;
  char buf[64];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > 64) break;  // a seq is at most 20 digits: anything longer is damaged
  }
  ::close(fd);
  return text;
}

// "12345\n" -> 12345; anything else (empty, torn, zero-filled after a power cut) -> nullopt.
std::optional<std::uint64_t> parse_seq(const std::string& text) {
  if (text.empty() || text.back() != '\n') return std::nullopt;
  std::uint64_t value = 0;
  const char* end = text.data() + text.size() - 1;
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc{} || ptr != end || value == 0) return std::nullopt;
  return value;
}

int write_fully(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return ENOSPC;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return 0;
}

// write + fdatasync + rename + fsync of the directory (as agent/spool/spool_state.cpp): a
// power cut leaves the old or the new value, never a torn one, and never a reservation that
// is lost after seqs under it were used. 0 or an errno.
int replace_durably(const std::string& directory, const std::string& file, std::uint64_t value) {
  const std::string tmp = file + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return errno;
  const std::string text = std::to_string(value) + "\n";
  int err = write_fully(fd, text.data(), text.size());
  if (err == 0 && ::fdatasync(fd) != 0) err = errno;
  ::close(fd);
  if (err == 0 && ::rename(tmp.c_str(), file.c_str()) != 0) err = errno;
  if (err != 0) {
    ::unlink(tmp.c_str());
    return err;
  }
  const int dir = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return errno;
  if (::fsync(dir) != 0) err = errno;
  ::close(dir);
  return err;
}

}  // namespace

SeqStore::SeqStore(std::string directory, const shared::Clock& clock, SeqStoreOptions options)
    : directory_(std::move(directory)),
      clock_(clock),
      options_(options),
      log_(shared::component_logger("agent.seq")) {
  if (directory_.empty()) return;
  std::error_code ec;
  std::filesystem::create_directories(directory_, ec);
  if (ec) throw std::runtime_error("spool directory " + directory_ + ": " + ec.message());
  file_ = directory_ + "/next_seq";
  const std::optional<std::string> text = read_small_file(file_);
  if (!text) return;  // no file: a first start, or removed after a failed reservation
  persisted_ = parse_seq(*text);
  if (!persisted_) {
    // A torn or empty file (a crash of an older agent between truncate and write, a power
    // cut, a full disk): recover from the clock floor and the spool instead of refusing to
    // start, which would lose every measurement until someone repairs the file.
    ++counters_.unreadable_files;
    log_->warn("{}: not a sequence number ({} bytes); numbering from the clock floor instead",
               file_, text->size());
  }
}

bool SeqStore::start_at(std::uint64_t first) {
  if (file_.empty()) return true;
  reserved_ = first;
  return write(first + kBlock, /*remove_on_failure=*/true);
}

bool SeqStore::reserve(std::uint64_t seq) {
  if (file_.empty() || seq < reserved_) return true;
  if (failing_ && clock_.mono_now() - last_failure_ < options_.retry_interval) return false;
  return write(seq + kBlock, /*remove_on_failure=*/true);
}

bool SeqStore::close(std::uint64_t next_seq) {
  if (file_.empty()) return true;
  // next_seq is exact, so writing it is right either way. If it cannot be written, a file
  // still holding this run's reservation (no failure since) covers every seq used: keep it.
  return write(next_seq, /*remove_on_failure=*/failing_ || next_seq > reserved_);
}

bool SeqStore::write(std::uint64_t value, bool remove_on_failure) {
  ++counters_.writes;
  const int err = replace_durably(directory_, file_, value);
  if (err != 0) {
    failed("writing the reservation", err, remove_on_failure);
    return false;
  }
  if (failing_) {
    log_->info("{}: reservation written again (next seq below {})", file_, value);
    failing_ = false;
  }
  reserved_ = value;
  return true;
}

void SeqStore::failed(const char* what, int err, bool remove) {
  ++counters_.write_errors;
  ++errors_since_log_;
  const shared::MonoNanos now = clock_.mono_now();
  last_failure_ = now;
  bool removed = true;
  int unlink_err = 0;
  if (remove) {
    // Seqs at or above the old reservation are about to be used: a file promising less must
    // not survive (unlink needs no free space). Without a file the next start takes the
    // clock floor, which is above everything used now.
    failing_ = true;
    removed = ::unlink(file_.c_str()) == 0 || errno == ENOENT;
    unlink_err = errno;
  }
  if (error_logged_ && now - last_error_log_ < options_.error_log_interval) return;
  if (!remove) {
    log_->error(
        "{}: {} failed: {} ({} failures since the last report); the reservation in it "
        "still covers every seq used",
        file_, what, std::strerror(err), errors_since_log_);
  } else if (removed) {
    log_->error(
        "{}: {} failed: {} ({} failures since the last report); the next start numbers "
        "from the clock floor",
        file_, what, std::strerror(err), errors_since_log_);
  } else {
    log_->error(
        "{}: {} failed: {}, and removing the stale reservation failed too: {} ({} "
        "failures since the last report)",
        file_, what, std::strerror(err), std::strerror(unlink_err), errors_since_log_);
  }
  ++counters_.error_lines;
  errors_since_log_ = 0;
  last_error_log_ = now;
  error_logged_ = true;
}

}  // namespace pathwatch::agent
