// Secrets (SMTP password, webhook tokens) read once at start-up from files only their owner
// can read, and kept in a type that never prints its value.
#pragma once

#include <stdexcept>
#include <string>

namespace pathwatch::collector::notify {

// A secret value: no stream or fmt output, wiped from memory when destroyed.
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  Secret(const Secret&) = default;
  Secret& operator=(const Secret&) = default;
  ~Secret();
  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }

 private:
  std::string value_;
};

class SecretFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The file's content without one trailing newline. Throws SecretFileError when the file is not
// a regular file, is readable or writable by others (mode & 0007), writable by its group
// (mode & 0020), unreadable, or empty. The message names the file and its mode, never the
// content.
Secret read_secret_file(const std::string& path);

}  // namespace pathwatch::collector::notify
