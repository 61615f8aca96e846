// The `notify:` section: defaults, every key, and strict FILE:LINE:COL errors, including the
// secret file checks and the refusal to send a password in clear text over the network.
#include "collector/notify/notify_config.hpp"

#include <gtest/gtest.h>

#include "tests/unit/collector/notify/temp_files.hpp"

namespace pathwatch::collector::notify {
namespace {

NotifyConfig parse(const std::string& text) {
  return parse_notify_config(shared::ConfigNode::load_string(text, "n.yaml"));
}

std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const shared::ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(NotifyConfig, Defaults) {
  const NotifyConfig c = parse("{}");
  EXPECT_FALSE(c.email.has_value());
  EXPECT_TRUE(c.webhooks.empty());
  EXPECT_EQ(c.retry.attempts, 0);  // no count limit: given up after give_up_after
  EXPECT_EQ(c.retry.initial_backoff, std::chrono::seconds(1));
  EXPECT_EQ(c.retry.max_backoff, std::chrono::seconds(3));
  EXPECT_EQ(c.retry.give_up_after, std::chrono::hours(24));
  EXPECT_EQ(c.queue_capacity, 1000u);
}

TEST(NotifyConfig, EveryKey) {
  testing::TempDir dir;
  const std::string pw = dir.write("smtp-password", "pw\n", 0600);
  const std::string token = dir.write("hook-token", "t0k\n", 0600);
  const NotifyConfig c = parse(R"(
email:
  url: smtp://mail.city.example.lg.jp:587
  from: pathwatch@city.example.lg.jp
  to: [noc@city.example.lg.jp, it@city.example.lg.jp]
  starttls: required
  username: pathwatch
  password_file: )" + pw + R"(
  ca_file: /etc/ssl/certs/ca-certificates.crt
  language: en
  timeout: 20s
  cc_owners: true
webhooks:
  - url: https://hooks.example/services/T0/B1
    headers: {X-Team: noc, Authorization: {value_file: )" +
                               token + R"(, prefix: "Bearer "}}
    timeout: 5s
    language: ja
  - url: http://127.0.0.1:8080/hook
retry: {attempts: 4, initial_backoff: 10s, max_backoff: 5m, give_up_after: 2h}
queue_capacity: 200
)");
  ASSERT_TRUE(c.email.has_value());
  const auto& e = *c.email;
  EXPECT_EQ(e.url, "smtp://mail.city.example.lg.jp:587");
  EXPECT_EQ(e.from, "pathwatch@city.example.lg.jp");
  EXPECT_EQ(e.to, (std::vector<std::string>{"noc@city.example.lg.jp", "it@city.example.lg.jp"}));
  EXPECT_EQ(e.starttls, StartTls::kRequired);
  EXPECT_EQ(e.username, "pathwatch");
  EXPECT_EQ(e.password.reveal(), "pw");
  EXPECT_EQ(e.ca_file, "/etc/ssl/certs/ca-certificates.crt");
  EXPECT_EQ(e.language, Language::kEn);
  EXPECT_EQ(e.timeout, std::chrono::seconds(20));
  EXPECT_TRUE(e.cc_owners);
  ASSERT_EQ(c.webhooks.size(), 2u);
  ASSERT_EQ(c.webhooks[0].headers.size(), 2u);
  EXPECT_EQ(c.webhooks[0].headers[0].name, "X-Team");
  EXPECT_EQ(c.webhooks[0].headers[0].value.reveal(), "noc");
  EXPECT_EQ(c.webhooks[0].headers[1].name, "Authorization");
  EXPECT_EQ(c.webhooks[0].headers[1].value.reveal(), "Bearer t0k");
  EXPECT_EQ(c.webhooks[0].timeout, std::chrono::seconds(5));
  EXPECT_EQ(c.webhooks[1].language, Language::kJa);
  EXPECT_EQ(c.webhooks[1].timeout, std::chrono::seconds(10));
  EXPECT_EQ(c.retry.attempts, 4);
  EXPECT_EQ(c.retry.initial_backoff, std::chrono::seconds(10));
  EXPECT_EQ(c.retry.max_backoff, std::chrono::minutes(5));
  EXPECT_EQ(c.retry.give_up_after, std::chrono::hours(2));
  EXPECT_EQ(c.queue_capacity, 200u);
}

TEST(NotifyConfig, StrictErrorsPointAtTheValue) {
  // Columns are 1-based positions in the one-line documents below, counted by hand.
  EXPECT_EQ(error_of("emial: {}"), "n.yaml:1:1: unknown key 'emial'");
  EXPECT_EQ(error_of("email: {url: http://x, from: a@b, to: c@d}"),
            "n.yaml:1:14: email.url: URL must start with smtp://, smtps://");
  EXPECT_EQ(error_of("email: {url: smtp://x, from: pathwatch, to: c@d}"),
            "n.yaml:1:30: email.from: 'pathwatch' is not a bare e-mail address (like "
            "noc@example.lg.jp)");
  EXPECT_EQ(error_of("email: {url: smtp://x, from: a@b, to: [c@d, \"e@f\\r\\nBcc: g@h\"]}"),
            "n.yaml:1:45: email.to[1]: 'e@f\r\nBcc: g@h' is not a bare e-mail address (like "
            "noc@example.lg.jp)");
  EXPECT_EQ(
      error_of("email: {url: smtp://x, from: a@b, to: c@d, starttls: yes}"),
      "n.yaml:1:54: email.starttls: expected one of: required, opportunistic, none; got 'yes'");
  EXPECT_EQ(error_of("email: {url: smtp://x, from: a@b, to: c@d, username: u}"),
            "n.yaml:1:54: email.username: 'username' needs 'password_file'");
  EXPECT_EQ(error_of("retry: {initial_backoff: 10s, max_backoff: 1s}"),
            "n.yaml:1:44: retry.max_backoff: max_backoff is shorter than initial_backoff");
  EXPECT_EQ(error_of("retry: {attempts: 0}"),
            "n.yaml:1:19: retry.attempts: value 0 out of range [1, 100]");
  EXPECT_EQ(error_of("webhooks: [{url: ftp://x}]"),
            "n.yaml:1:18: webhooks[0].url: URL must start with http://, https://");
  EXPECT_EQ(error_of("webhooks: [{url: http://x, headers: {Content-Type: text/plain}}]"),
            "n.yaml:1:38: webhooks[0].headers: header 'Content-Type' is set by "
            "pathwatch");
  EXPECT_EQ(error_of("webhooks: [{url: http://x, language: fr}]"),
            "n.yaml:1:38: webhooks[0].language: expected one of: ja, en; got 'fr'");
}

TEST(NotifyConfig, SecretFileErrorsAreStartupErrorsAtTheKey) {
  testing::TempDir dir;
  const std::string pw = dir.write("smtp-password", "pw\n", 0644);
  const std::string e = error_of(
      "email: {url: smtp://127.0.0.1:25, from: a@b, to: c@d, username: u, password_file: " + pw +
      "}");
  EXPECT_EQ(e, "n.yaml:1:83: email.password_file: secret file " + pw +
                   " is accessible by other users (mode 0644, world-readable or -writable); "
                   "refusing it: chmod 0600 (or 0640 with a dedicated group)");
}

TEST(NotifyConfig, NoClearTextPasswordBeyondLoopback) {
  testing::TempDir dir;
  const std::string pw = dir.write("smtp-password", "pw\n", 0600);
  const std::string base = "email: {from: a@b, to: c@d, username: u, password_file: " + pw;
  EXPECT_NE(error_of(base + ", url: smtp://mail.example:25, starttls: opportunistic}")
                .find("the password would cross the network in clear text"),
            std::string::npos);
  // Allowed: STARTTLS required, implicit TLS, or a relay on loopback (tests, local MTA).
  EXPECT_EQ(error_of(base + ", url: smtp://mail.example:587}"), "no error");
  EXPECT_EQ(error_of(base + ", url: smtps://mail.example:465, starttls: none}"), "no error");
  EXPECT_EQ(error_of(base + ", url: smtp://127.0.0.1:2525, starttls: none}"), "no error");
}

TEST(NotifyConfig, UrlParts) {
  EXPECT_EQ(url_host("https://hooks.example:8443/T0/B1?x=1"), "hooks.example");
  EXPECT_EQ(url_host("https://user:secret@hooks.example/x"), "hooks.example");
  EXPECT_EQ(url_host("smtp://[::1]:2525"), "[::1]");
  EXPECT_EQ(url_scheme("SMTPS://x"), "smtps");
  EXPECT_TRUE(is_loopback_host("127.0.0.1"));
  EXPECT_TRUE(is_loopback_host("[::1]"));
  EXPECT_FALSE(is_loopback_host("198.18.0.1"));
}

}  // namespace
}  // namespace pathwatch::collector::notify
