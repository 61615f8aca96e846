// pathwatchctl's HTTP client for the collector API, over libcurl: a connect deadline and a
// deadline for the whole request, so a collector that accepts and never answers cannot hang
// the operator's terminal. Failures are reported in the result, never thrown.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace pathwatch::ctl {

struct CollectorUrl {
  std::string host = "127.0.0.1";
  std::string port = "7080";
  bool tls = false;  // https://
};

// "http://127.0.0.1:7080" or "https://collector.example:7443" (a trailing slash is fine; the
// default ports are 80 and 443). nullopt otherwise.
std::optional<CollectorUrl> parse_collector_url(const std::string& url);

struct HttpOptions {
  std::chrono::milliseconds connect_timeout{std::chrono::seconds{5}};
  // The whole request: connect, send, wait, receive. A month's availability is computed while
  // we wait, so it is generous; --timeout / PATHWATCH_TIMEOUT lower it.
  std::chrono::milliseconds timeout{std::chrono::seconds{30}};
  std::string token;  // sent as "Authorization: Bearer TOKEN" when not empty; never printed
  // https: the CA certificate(s) to verify the collector with (--cacert); "" uses the system's
  // trust store. Verification (chain and host name) is never turned off.
  std::string ca_file;
};

struct HttpResult {
  bool reached = false;    // false: no connection or no complete answer
  bool timed_out = false;  // no complete answer within HttpOptions::timeout
  std::string error;       // when !reached
  int status = 0;
  std::string body;
};

HttpResult http_request(const CollectorUrl& url, const std::string& method,
                        const std::string& target, const std::string& body,
                        const HttpOptions& options);

// One line for stderr when !result.reached: "collector at H:P unreachable: ..." or "collector
// at H:P did not answer within 2 s (--timeout)".
std::string failure_message(const CollectorUrl& url, const HttpResult& result,
                            const HttpOptions& options);

}  // namespace pathwatch::ctl
