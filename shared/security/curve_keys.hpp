// CURVE (RFC 26, zmq_curve(7)) key files: Z85 text, 40 characters for a 32-byte key. Secret key
// files must be regular files owned by the running user and unreadable by group and others.
#pragma once

#include <string>
#include <string_view>

namespace pathwatch::shared {

inline constexpr std::size_t kZ85KeyLength = 40;

// A Z85 CURVE secret key; never printed (no stream or fmt output), wiped when destroyed.
class CurveSecretKey {
 public:
  CurveSecretKey() = default;
  explicit CurveSecretKey(std::string z85) : z85_(std::move(z85)) {}
  CurveSecretKey(const CurveSecretKey&) = default;
  CurveSecretKey& operator=(const CurveSecretKey&) = default;
  ~CurveSecretKey();
  const std::string& reveal() const { return z85_; }
  bool empty() const { return z85_.empty(); }

 private:
  std::string z85_;
};

struct CurveKeyPair {
  std::string public_z85;
  CurveSecretKey secret;
};

// True for 40 characters of the Z85 alphabet that decode to 32 bytes.
bool is_z85_key(std::string_view text);

// A public key file: one Z85 key, surrounding whitespace ignored. Throws ConfigError naming
// the file (never its content) when it cannot be read or holds no valid key.
std::string load_public_key_file(const std::string& path);

// A secret key file. Also refuses (ConfigError naming the file and its mode) a file that is
// not a regular file, is not owned by the running user, or grants any permission to group or
// others (mode & 0077): a key others can read is a key others can use.
CurveSecretKey load_secret_key_file(const std::string& path);

// The public key that belongs to a secret key (zmq_curve_public); empty if invalid.
std::string curve_public_of(const CurveSecretKey& secret);

// A fresh key pair from libzmq (zmq_curve_keypair). Throws std::runtime_error when libzmq was
// built without CURVE.
CurveKeyPair generate_curve_keypair();

// Writes DIR/NAME.key (mode 0600) and DIR/NAME.pub (mode 0644). Refuses to overwrite either
// file, and NAME must be a plain file name. Throws std::runtime_error. Returns the .key path.
std::string write_curve_keypair(const std::string& dir, const std::string& name,
                                const CurveKeyPair& pair);

}  // namespace pathwatch::shared
