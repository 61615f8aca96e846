// pathwatchctl against the collector's API over TLS (api.tls): a self-signed certificate for
// 127.0.0.1 made here with OpenSSL, the server loading it through the same checks as the
// config (load_api_tls), the client verifying chain and host name with --cacert.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "collector/api/api_tls.hpp"
#include "collector/api/http_server.hpp"
#include "ctl/http_client.hpp"
#include "shared/config/config_error.hpp"

namespace pathwatch::ctl {
namespace {

using namespace std::chrono_literals;

struct PemPair {
  std::string certificate;
  std::string private_key;
};

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

// A P-256 key and a certificate valid for a day, subject CN=127.0.0.1, SAN IP:127.0.0.1
// (curl checks the SAN, RFC 6125), signed by itself.
PemPair self_signed_for_loopback() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "IP:127.0.0.1");
  X509_add_ext(cert, san, -1);
  X509_EXTENSION_free(san);
  X509_sign(cert, key, EVP_sha256());
  BIO* c = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(c, cert);
  BIO* k = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(k, key, nullptr, nullptr, 0, nullptr, nullptr);
  PemPair out{bio_text(c), bio_text(k)};
  BIO_free(c);
  BIO_free(k);
  X509_free(cert);
  EVP_PKEY_free(key);
  return out;
}

class HttpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("pw-https-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    const PemPair pem = self_signed_for_loopback();
    cert_ = write("api.crt", pem.certificate, 0644);
    key_ = write("api.key", pem.private_key, 0600);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text, mode_t mode) {
    const std::string p = (dir_ / name).string();
    std::ofstream(p) << text;
    ::chmod(p.c_str(), mode);
    return p;
  }
  static std::string error_of(const std::string& cert, const std::string& key) {
    try {
      collector::load_api_tls(cert, key);
    } catch (const shared::ConfigError& e) {
      return e.what();
    }
    return "";
  }
  std::filesystem::path dir_;
  std::string cert_, key_;
};

TEST_F(HttpsTest, CtlVerifiesTheCollectorWithCacertAndRefusesWithoutIt) {
  collector::HttpServerOptions o;
  o.tls = collector::load_api_tls(cert_, key_);
  collector::HttpServer server(
      "127.0.0.1", 0,
      [](const collector::ApiRequest& r) {
        return collector::ApiResponse{200, R"({"target":")" + r.target + R"("})"};
      },
      o);
  server.start();
  const auto url = parse_collector_url("https://127.0.0.1:" + std::to_string(server.port()));
  ASSERT_TRUE(url && url->tls);
  HttpOptions http;
  http.timeout = 5s;
  http.ca_file = cert_;
  const HttpResult ok = http_request(*url, "GET", "/v1/status", "", http);
  ASSERT_TRUE(ok.reached) << ok.error;
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, R"({"target":"/v1/status"})");
  // Without --cacert the self-signed certificate is not trusted: no answer, no token sent.
  http.ca_file.clear();
  EXPECT_FALSE(http_request(*url, "GET", "/v1/status", "", http).reached);
  // Plain HTTP to the TLS port gets nothing either.
  CollectorUrl plain = *url;
  plain.tls = false;
  EXPECT_FALSE(http_request(plain, "GET", "/v1/status", "", http).reached);
}

TEST_F(HttpsTest, ThePrivateKeyIsCheckedLikeASecretKey) {
  EXPECT_EQ(error_of(cert_, write("open.key", "x", 0644)),
            (dir_ / "open.key").string() +
                ": API private key file has mode 0644: group/others may not have any access "
                "(chmod 600 it)");
  const std::string link = (dir_ / "link.key").string();
  std::filesystem::create_symlink(key_, link);
  EXPECT_EQ(error_of(cert_, link),
            link + ": API private key file is a symbolic link; name the file itself");
  EXPECT_EQ(error_of(cert_, write("bad.key", "not pem", 0600)),
            (dir_ / "bad.key").string() + ": not a PEM private key (or one with a passphrase)");
  const PemPair other = self_signed_for_loopback();
  const std::string other_key = write("other.key", other.private_key, 0600);
  EXPECT_EQ(error_of(cert_, other_key), other_key + ": this key does not belong to " + cert_);
  EXPECT_EQ(error_of(cert_, key_), "");
}

}  // namespace
}  // namespace pathwatch::ctl
