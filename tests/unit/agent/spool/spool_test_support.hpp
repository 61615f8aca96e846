// Test helpers for the spool: a private temporary directory, entries whose frame is derived
// from their seq (so a reader can check every byte), and a SpoolFileOps that fails on demand.
#pragma once

#include <stdlib.h>

#include <cerrno>
#include <filesystem>
#include <string>
#include <vector>

#include "agent/publish/outbox.hpp"
#include "agent/spool/spool_file_ops.hpp"

namespace pathwatch::agent::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "pw-spool-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
    spool_ = path_ + "/spool";
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all, ec);
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  const std::string& spool() const { return spool_; }  // not created yet

 private:
  std::string path_;
  std::string spool_;
};

inline std::string frame_for(std::uint64_t seq, std::size_t size = 300) {
  std::string f(size, '\0');
  for (std::size_t i = 0; i < size; ++i) f[i] = static_cast<char>((seq * 31 + i) & 0xff);
  return f;
}

inline OutboxEntry entry(std::uint64_t seq, MessageClass cls = MessageClass::kSummary,
                         std::size_t size = 300) {
  return OutboxEntry{seq, static_cast<std::int64_t>(seq) * 1'000'000'000, cls,
                     frame_for(seq, size)};
}

// The real calls, unless told to fail: `fail_errno` makes every write and create fail;
// `short_writes` makes the next writes write half the bytes, then fail with ENOSPC.
class FailingFileOps final : public SpoolFileOps {
 public:
  int open_write(const std::string& path, bool append) override {
    if (fail_errno != 0) return -fail_errno;
    return posix_spool_file_ops().open_write(path, append);
  }
  long write(int fd, const char* data, std::size_t size) override {
    if (fail_errno != 0) return -fail_errno;
    if (short_writes > 0) {
      --short_writes;
      return posix_spool_file_ops().write(fd, data, size / 2);
    }
    return posix_spool_file_ops().write(fd, data, size);
  }
  int datasync(int fd) override {
    ++datasyncs;
    return posix_spool_file_ops().datasync(fd);
  }

  int fail_errno = 0;
  int short_writes = 0;
  int datasyncs = 0;
};

}  // namespace pathwatch::agent::testing
