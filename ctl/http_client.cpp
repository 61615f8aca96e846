// libcurl client (libcurl4-openssl-dev): one easy handle per request, CURLOPT_CONNECTTIMEOUT_MS
// and CURLOPT_TIMEOUT_MS as the deadlines, no proxy from the environment, no redirects.
#include "ctl/http_client.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <memory>
#include <mutex>

namespace pathwatch::ctl {

namespace {

struct EasyDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

// The answer is JSON of at most a few MiB; a larger one is not from a collector.
constexpr std::size_t kMaxAnswerBytes = 64 * 1024 * 1024;

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* out = static_cast<std::string*>(user);
  const std::size_t n = size * count;
  if (out->size() + n > kMaxAnswerBytes) return 0;  // makes curl fail with CURLE_WRITE_ERROR
  out->append(data, n);
  return n;
}

std::string seconds_text(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return fmt::format("{} s", d.count() / 1000);
  return fmt::format("{:.1f} s", static_cast<double>(d.count()) / 1000.0);
}

}  // namespace

std::optional<CollectorUrl> parse_collector_url(const std::string& url) {
  CollectorUrl out;
  std::string rest;
  if (url.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else if (url.rfind("https://", 0) == 0) {
    rest = url.substr(8);
    out.tls = true;
  } else {
    return std::nullopt;
  }
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.empty() || rest.find('/') != std::string::npos) return std::nullopt;
  const auto colon = rest.rfind(':');
  if (colon == std::string::npos || rest.back() == ']') {
    out.host = rest;
    out.port = out.tls ? "443" : "80";
  } else {
    out.host = rest.substr(0, colon);
    out.port = rest.substr(colon + 1);
  }
  if (out.host.size() > 2 && out.host.front() == '[')
    out.host = out.host.substr(1, out.host.size() - 2);
  if (out.host.empty() || out.port.empty()) return std::nullopt;
  return out;
}

HttpResult http_request(const CollectorUrl& url, const std::string& method,
                        const std::string& target, const std::string& body,
                        const HttpOptions& options) {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  HttpResult result;
  std::unique_ptr<CURL, EasyDeleter> h(curl_easy_init());
  if (!h) {
    result.error = "libcurl could not make a handle";
    return result;
  }
  const std::string host =
      url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  const std::string full =
      fmt::format("{}://{}:{}{}", url.tls ? "https" : "http", host, url.port, target);
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  const auto add_header = [&](const std::string& line) {
    curl_slist* next = curl_slist_append(headers.get(), line.c_str());
    if (next) {
      (void)headers.release();
      headers.reset(next);
    }
  };
  add_header("Accept: application/json");
  add_header("Expect:");  // no 100-continue round trip for a body
  // Every write says JSON, even without a body (DELETE): the collector refuses writes of any
  // other type (415), its defence against a web page's no-cors POST.
  if (!body.empty() || (method != "GET" && method != "HEAD")) {
    add_header("Content-Type: application/json");
  }
  std::string auth_line;
  if (!options.token.empty()) {
    auth_line = "Authorization: Bearer " + options.token;
    add_header(auth_line);
  }
  char error_buffer[CURL_ERROR_SIZE] = {0};
  CURL* c = h.get();
  curl_easy_setopt(c, CURLOPT_URL, full.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  // An empty string disables proxies, including http_proxy from the environment: the
  // collector is on this host or the operator's network, never behind a proxy we did not ask for.
  curl_easy_setopt(c, CURLOPT_PROXY, "");
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout.count()));
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  // Plain http:// must not be upgraded or redirected anywhere; https verifies chain and name.
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, url.tls ? "https" : "http");
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (url.tls && !options.ca_file.empty()) {
    curl_easy_setopt(c, CURLOPT_CAINFO, options.ca_file.c_str());
  }
  if (!body.empty()) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_USERAGENT, "pathwatchctl");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &result.body);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_buffer);
  const CURLcode code = curl_easy_perform(c);
  // The header list held the token: wipe our copy (curl copied it into its request buffer).
  for (char& ch : auth_line) ch = 0;
  if (code != CURLE_OK) {
    result.timed_out = code == CURLE_OPERATION_TIMEDOUT;
    result.error = error_buffer[0] != '\0' ? std::string(error_buffer) : curl_easy_strerror(code);
    result.body.clear();
    return result;
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  result.reached = true;
  result.status = static_cast<int>(status);
  return result;
}

std::string failure_message(const CollectorUrl& url, const HttpResult& result,
                            const HttpOptions& options) {
  if (result.timed_out) {
    return fmt::format(
        "collector at {}:{} did not answer within {} (--timeout, --connect-timeout): {}", url.host,
        url.port,
        seconds_text(result.error.find("onnect") != std::string::npos ? options.connect_timeout
                                                                      : options.timeout),
        result.error);
  }
  return fmt::format("collector at {}:{} unreachable: {}", url.host, url.port, result.error);
}

}  // namespace pathwatch::ctl
