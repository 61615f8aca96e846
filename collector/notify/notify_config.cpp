#include "collector/notify/notify_config.hpp"

#include <algorithm>

namespace pathwatch::collector::notify {
namespace {

using shared::ConfigMap;
using shared::ConfigNode;

Language parse_language(const ConfigNode& node) {
  return node.as_enum<Language>({{"ja", Language::kJa}, {"en", Language::kEn}});
}

std::chrono::milliseconds parse_timeout(const ConfigNode& node) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
      node.as_duration(std::chrono::milliseconds(100), std::chrono::minutes(10)));
}

// A bare address, checked only as far as it matters: one line, one '@', nothing that would
// change the meaning of an SMTP command or a header.
std::string parse_address(const ConfigNode& node) {
  const std::string a = node.as_nonempty_string();
  const auto at = a.find('@');
  const bool ok = at != std::string::npos && at > 0 && at + 1 < a.size() &&
                  a.find('@', at + 1) == std::string::npos &&
                  a.find_first_of(" \t\r\n<>,;\"()[]\\") == std::string::npos;
  if (!ok) node.fail("'" + a + "' is not a bare e-mail address (like noc@example.lg.jp)");
  return a;
}

std::string parse_url(const ConfigNode& node, std::initializer_list<const char*> schemes) {
  const std::string url = node.as_nonempty_string();
  const std::string scheme = url_scheme(url);
  const bool known =
      std::any_of(schemes.begin(), schemes.end(), [&](const char* s) { return scheme == s; });
  std::string list;
  for (const char* s : schemes) list += (list.empty() ? "" : ", ") + std::string(s) + "://";
  if (!known) node.fail("URL must start with " + list);
  if (url_host(url).empty()) node.fail("URL has no host");
  if (url.find_first_of(" \t\r\n") != std::string::npos) node.fail("URL contains white space");
  return url;
}

Secret parse_secret_file(const ConfigNode& node) {
  try {
    return read_secret_file(node.as_nonempty_string());
  } catch (const SecretFileError& e) {
    node.fail(e.what());
  }
}

EmailChannelConfig parse_email(const ConfigNode& node) {
  ConfigMap m = node.as_map();
  EmailChannelConfig c;
  const ConfigNode url_node = m.required("url");
  c.url = parse_url(url_node, {"smtp", "smtps"});
  c.from = parse_address(m.required("from"));
  for (const auto& n : m.required("to").as_scalar_or_sequence()) c.to.push_back(parse_address(n));
  if (c.to.empty()) m.node().fail("'to' needs at least one address");
  if (auto v = m.optional("starttls")) {
    c.starttls = v->as_enum<StartTls>({{"required", StartTls::kRequired},
                                       {"opportunistic", StartTls::kOpportunistic},
                                       {"none", StartTls::kNone}});
  }
  std::optional<ConfigNode> user = m.optional("username");
  std::optional<ConfigNode> pass = m.optional("password_file");
  if (user) c.username = user->as_nonempty_string();
  if (user && !pass) user->fail("'username' needs 'password_file'");
  if (pass && !user) pass->fail("'password_file' needs 'username'");
  if (pass) {
    c.password_file = pass->as_nonempty_string();
    c.password = parse_secret_file(*pass);
    // A password in clear text may only cross loopback (tests, a local relay).
    const bool tls = url_scheme(c.url) == "smtps" || c.starttls == StartTls::kRequired;
    if (!tls && !is_loopback_host(url_host(c.url))) {
      pass->fail(
          "the password would cross the network in clear text: use starttls: required or "
          "smtps://");
    }
  }
  if (auto v = m.optional("ca_file")) c.ca_file = v->as_nonempty_string();
  if (auto v = m.optional("language")) c.language = parse_language(*v);
  if (auto v = m.optional("timeout")) c.timeout = parse_timeout(*v);
  if (auto v = m.optional("cc_owners")) c.cc_owners = v->as_bool();
  m.finish();
  return c;
}

bool is_header_token(const std::string& name) {
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(), [](char ch) {
    const auto u = static_cast<unsigned char>(ch);
    return (u >= '0' && u <= '9') || (u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') ||
           std::string_view("!#$%&'*+-.^_`|~").find(ch) != std::string_view::npos;
  });
}

WebhookConfig parse_webhook(const ConfigNode& node) {
  ConfigMap m = node.as_map();
  WebhookConfig w;
  w.url = parse_url(m.required("url"), {"http", "https"});
  if (auto h = m.optional("headers")) {
    for (auto& [key, value] : h->as_map().entries()) {
      WebhookHeader header;
      header.name = key.as_nonempty_string();
      if (!is_header_token(header.name)) key.fail("'" + header.name + "' is not a header name");
      std::string lower = header.name;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
      if (lower == "content-type" || lower == "content-length" || lower == "host") {
        key.fail("header '" + header.name + "' is set by pathwatch");
      }
      if (value.is_map()) {
        // {value_file: /etc/pathwatch/hook-token, prefix: "Bearer "}: a token kept out of the
        // config file, read with the same permission checks as the SMTP password.
        ConfigMap vm = value.as_map();
        std::string prefix;
        if (auto p = vm.optional("prefix")) prefix = p->as_string();
        const Secret secret = parse_secret_file(vm.required("value_file"));
        header.value = Secret(prefix + secret.reveal());
        vm.finish();
      } else {
        header.value = Secret(value.as_string());
      }
      if (header.value.reveal().find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
        value.fail("header value must be one line");
      }
      w.headers.push_back(std::move(header));
    }
  }
  if (auto v = m.optional("timeout")) w.timeout = parse_timeout(*v);
  if (auto v = m.optional("language")) w.language = parse_language(*v);
  if (auto v = m.optional("ca_file")) w.ca_file = v->as_nonempty_string();
  m.finish();
  return w;
}

RetryPolicy parse_retry(const ConfigNode& node) {
  ConfigMap m = node.as_map();
  RetryPolicy r;
  if (auto v = m.optional("attempts")) r.attempts = static_cast<int>(v->as_int(1, 100));
  std::optional<ConfigNode> max_node = m.optional("max_backoff");
  if (auto v = m.optional("initial_backoff")) {
    r.initial_backoff = v->as_duration(std::chrono::milliseconds(10), std::chrono::hours(1));
  }
  if (max_node) {
    r.max_backoff = max_node->as_duration(std::chrono::milliseconds(10), std::chrono::hours(24));
  }
  if (auto v = m.optional("give_up_after")) {
    r.give_up_after = v->as_duration(std::chrono::minutes(1), std::chrono::hours(24 * 30));
  }
  if (r.max_backoff < r.initial_backoff) {
    (max_node ? *max_node : m.node()).fail("max_backoff is shorter than initial_backoff");
  }
  m.finish();
  return r;
}

}  // namespace

std::string url_scheme(const std::string& url) {
  const auto colon = url.find("://");
  if (colon == std::string::npos) return "";
  std::string s = url.substr(0, colon);
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return s;
}

std::string url_host(const std::string& url) {
  const auto colon = url.find("://");
  if (colon == std::string::npos) return "";
  std::string rest = url.substr(colon + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  const auto at = rest.rfind('@');  // user:password@ never reaches a log
  if (at != std::string::npos) rest = rest.substr(at + 1);
  if (!rest.empty() && rest.front() == '[') {
    const auto close = rest.find(']');
    return close == std::string::npos ? "" : rest.substr(0, close + 1);
  }
  return rest.substr(0, rest.find(':'));
}

bool is_loopback_host(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "[::1]";
}

NotifyConfig parse_notify_config(const ConfigNode& node) {
  ConfigMap m = node.as_map();
  NotifyConfig c;
  if (auto e = m.optional("email")) c.email = parse_email(*e);
  if (auto w = m.optional("webhooks")) {
    for (const auto& n : w->as_sequence()) c.webhooks.push_back(parse_webhook(n));
  }
  if (auto r = m.optional("retry")) c.retry = parse_retry(*r);
  if (auto q = m.optional("queue_capacity")) {
    c.queue_capacity = static_cast<std::size_t>(q->as_int(1, 1'000'000));
  }
  m.finish();
  return c;
}

}  // namespace pathwatch::collector::notify
