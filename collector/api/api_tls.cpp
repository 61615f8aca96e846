// Reading and checking the API's certificate and private key (OpenSSL PEM parsing).
#include "collector/api/api_tls.hpp"

#include <fmt/format.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <memory>

#include "shared/config/config_error.hpp"
#include "shared/config/regular_file.hpp"

namespace pathwatch::collector {

namespace {

// A certificate chain or a key is a few KiB.
constexpr std::size_t kMaxPemBytes = 1024 * 1024;

[[noreturn]] void fail(const std::string& path, const std::string& message) {
  throw shared::ConfigError(shared::SourceLocation{path, 0, 0}, message);
}

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

std::unique_ptr<BIO, BioFree> memory_bio(const std::string& text) {
  return std::unique_ptr<BIO, BioFree>(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

}  // namespace

HttpServerOptions::Tls load_api_tls(const std::string& certificate_file,
                                    const std::string& private_key_file) {
  HttpServerOptions::Tls tls;
  {
    shared::RegularFile f(certificate_file, "API certificate file",
                          shared::RegularFile::Links::kFollow);
    tls.certificate_pem = f.read_all(kMaxPemBytes);
  }
  {
    // The same checks as the CURVE secret key (shared/security/curve_keys.cpp).
    shared::RegularFile f(private_key_file, "API private key file",
                          shared::RegularFile::Links::kRefuse);
    const unsigned mode = f.status().st_mode & 07777;
    if ((mode & 0077) != 0) {
      fail(private_key_file, fmt::format("API private key file has mode {:04o}: group/others may "
                                         "not have any access (chmod 600 it)",
                                         mode));
    }
    if (f.status().st_uid != ::geteuid() && f.status().st_uid != 0) {
      fail(private_key_file,
           fmt::format("API private key file is owned by uid {}, not by the running user (uid "
                       "{}) or root",
                       f.status().st_uid, ::geteuid()));
    }
    tls.private_key_pem = f.read_all(kMaxPemBytes);
  }
  auto cert_bio = memory_bio(tls.certificate_pem);
  std::unique_ptr<X509, X509Free> cert(
      PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  if (!cert) fail(certificate_file, "not a PEM certificate");
  auto key_bio = memory_bio(tls.private_key_pem);
  std::unique_ptr<EVP_PKEY, PkeyFree> key(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (!key) fail(private_key_file, "not a PEM private key (or one with a passphrase)");
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    fail(private_key_file, fmt::format("this key does not belong to {}", certificate_file));
  }
  return tls;
}

}  // namespace pathwatch::collector
