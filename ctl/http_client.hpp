// pathwatchctl's HTTP/1.1 client for the collector API (Boost.Beast, synchronous, bounded by
// socket timeouts). Failures to connect or read are reported, never thrown past main.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>  // before Boost.Asio: 1.74's awaitable.hpp uses std::exchange unincluded

namespace pathwatch::ctl {

struct CollectorUrl {
  std::string host = "127.0.0.1";
  std::string port = "7080";
};

// "http://127.0.0.1:7080" (a trailing slash is fine). nullopt when not an http URL.
std::optional<CollectorUrl> parse_collector_url(const std::string& url);

struct HttpResult {
  bool reached = false;  // false: no connection or no complete answer
  std::string error;     // when !reached
  int status = 0;
  std::string body;
};

HttpResult http_request(const CollectorUrl& url, const std::string& method,
                        const std::string& target, const std::string& body = "",
                        std::chrono::seconds timeout = std::chrono::seconds{10});

}  // namespace pathwatch::ctl
