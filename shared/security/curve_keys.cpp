// CURVE key files: reading with ownership and mode checks, generation and writing (O_EXCL,
// mode set at creation so a secret is never briefly readable by others).
#include "shared/security/curve_keys.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "shared/config/config_error.hpp"
#include "shared/config/regular_file.hpp"

namespace pathwatch::shared {
namespace {

// Key files are 40 characters plus a newline; anything much larger is not a key file.
constexpr std::size_t kMaxKeyFileBytes = 4096;

[[noreturn]] void fail(const std::string& path, const std::string& message) {
  throw ConfigError(SourceLocation{path, 0, 0}, message);
}

std::string trim(std::string s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

void write_file(const std::string& path, const std::string& text, mode_t mode) {
  // O_EXCL: never overwrite (or follow a planted symlink to) an existing file.
  Fd f{::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode)};
  if (f.fd < 0) {
    throw std::runtime_error(fmt::format("{}: cannot create: {}", path, std::strerror(errno)));
  }
  // The umask may have removed bits from a public file's 0644; set exactly what we mean.
  if (::fchmod(f.fd, mode) != 0 ||
      ::write(f.fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()) ||
      ::fsync(f.fd) != 0) {
    throw std::runtime_error(fmt::format("{}: cannot write: {}", path, std::strerror(errno)));
  }
}

}  // namespace

CurveSecretKey::~CurveSecretKey() {
  // volatile writes so the compiler cannot drop the wipe of a string about to be freed.
  volatile char* p = z85_.data();
  for (std::size_t i = 0; i < z85_.size(); ++i) p[i] = 0;
}

bool is_z85_key(std::string_view text) {
  if (text.size() != kZ85KeyLength) return false;
  const std::string copy(text);
  std::array<std::uint8_t, 32> raw{};
  return zmq_z85_decode(raw.data(), copy.c_str()) != nullptr;
}

std::string load_public_key_file(const std::string& path) {
  // Public: a symlink (config management) is fine; a FIFO or a directory is refused unread.
  RegularFile f(path, "public key file", RegularFile::Links::kFollow);
  std::string key = trim(f.read_all(kMaxKeyFileBytes));
  if (!is_z85_key(key)) fail(path, "not a CURVE public key (expected 40 Z85 characters)");
  return key;
}

CurveSecretKey load_secret_key_file(const std::string& path) {
  // fstat on the descriptor we read from: no window between the check and the read.
  RegularFile f(path, "secret key file", RegularFile::Links::kRefuse);
  const struct stat& st = f.status();
  const unsigned mode = st.st_mode & 07777;
  if ((mode & 0077) != 0) {
    fail(path, fmt::format("secret key file has mode {:04o}: group/others may not have any "
                           "access (chmod 600 it, and make a new key if others could read it)",
                           mode));
  }
  if (st.st_uid != ::geteuid()) {
    fail(path, fmt::format("secret key file is owned by uid {}, not by the running user (uid {})",
                           st.st_uid, ::geteuid()));
  }
  CurveSecretKey key(trim(f.read_all(kMaxKeyFileBytes)));
  if (!is_z85_key(key.reveal())) {
    fail(path, "not a CURVE secret key (expected 40 Z85 characters)");
  }
  return key;
}

std::string curve_public_of(const CurveSecretKey& secret) {
  if (!is_z85_key(secret.reveal())) return "";
  std::array<char, kZ85KeyLength + 1> pub{};
  if (zmq_curve_public(pub.data(), secret.reveal().c_str()) != 0) return "";
  return std::string(pub.data(), kZ85KeyLength);
}

CurveKeyPair generate_curve_keypair() {
  std::array<char, kZ85KeyLength + 1> pub{};
  std::array<char, kZ85KeyLength + 1> sec{};
  if (zmq_curve_keypair(pub.data(), sec.data()) != 0) {
    throw std::runtime_error(fmt::format("cannot make a CURVE key pair: {}", zmq_strerror(errno)));
  }
  CurveKeyPair pair{std::string(pub.data(), kZ85KeyLength),
                    CurveSecretKey(std::string(sec.data(), kZ85KeyLength))};
  std::memset(sec.data(), 0, sec.size());
  return pair;
}

std::string write_curve_keypair(const std::string& dir, const std::string& name,
                                const CurveKeyPair& pair) {
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") {
    throw std::runtime_error(fmt::format("key name '{}' must be a plain file name", name));
  }
  const std::string base = (dir.empty() ? std::string(".") : dir) + "/" + name;
  const std::string key_path = base + ".key";
  const std::string pub_path = base + ".pub";
  // Check both first so a refused run leaves nothing half-written.
  struct stat st {};
  for (const auto& p : {key_path, pub_path}) {
    if (::lstat(p.c_str(), &st) == 0) {
      throw std::runtime_error(fmt::format("{} exists: refusing to overwrite a key", p));
    }
  }
  write_file(key_path, pair.secret.reveal() + "\n", 0600);
  write_file(pub_path, pair.public_z85 + "\n", 0644);
  return key_path;
}

}  // namespace pathwatch::shared
