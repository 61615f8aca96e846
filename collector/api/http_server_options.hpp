// Limits of the API's HTTP server (config `api:`, docs/collector.md "API"): deadlines per phase
// of a request, how many connections at once, how large a request may be. Plain data, so the
// config loader sets them without linking the server.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

namespace pathwatch::collector {

struct HttpServerOptions {
  // From accept (or from the first byte of a kept-alive request) to the end of the header: a
  // client that connects and says nothing, or trickles a header (slowloris), is dropped then.
  std::chrono::milliseconds header_timeout{std::chrono::seconds{10}};
  // From the end of the header to the end of the body (maintenance bodies are < 1 KiB).
  std::chrono::milliseconds body_timeout{std::chrono::seconds{10}};
  // A kept-alive connection may wait this long for its next request.
  std::chrono::milliseconds idle_timeout{std::chrono::seconds{30}};
  // Sending one answer (a month's availability is a few hundred KiB at most).
  std::chrono::milliseconds write_timeout{std::chrono::seconds{30}};
  // Connections beyond this get "503 Service Unavailable" and are closed at once.
  std::size_t max_connections = 64;
  // Connections from one address beyond this get the same 503: one unauthenticated peer must
  // not hold every slot. 0: max(4, max_connections / 8).
  std::size_t max_connections_per_peer = 0;
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;
  // Threads that run the routes (store reads), so the io thread only moves bytes.
  std::size_t handler_threads = 2;
  // api.tls: PEM text of the certificate (chain) and its private key, read and checked by the
  // config loader (collector/api/api_tls.hpp). Unset: plain HTTP.
  struct Tls {
    std::string certificate_pem;
    std::string private_key_pem;
  };
  std::optional<Tls> tls;

  std::size_t per_peer_limit() const {
    if (max_connections_per_peer != 0) return max_connections_per_peer;
    return std::max<std::size_t>(4, max_connections / 8);
  }
};

}  // namespace pathwatch::collector
