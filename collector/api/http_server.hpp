// The API's HTTP/1.1 server (Boost.Beast, asynchronous): one io thread moves bytes for every
// connection, each with its own deadlines (header, body, keep-alive idle, write), at most
// `max_connections` at once; the routes run on a small thread pool so a slow store read never
// stalls another client. stop() returns promptly whatever the clients do.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "collector/api/api_handler.hpp"
#include "collector/api/http_server_options.hpp"

namespace pathwatch::collector {

struct HttpServerState;  // the io loop, its sessions and the route pool (http_server.cpp)

class HttpServer {
 public:
  // Called on a pool thread; may block (store reads). Must not throw (a throw answers 500).
  using Handler = std::function<ApiResponse(const ApiRequest&)>;
  // Binds address:port (port 0: the kernel chooses). Throws std::runtime_error.
  HttpServer(const std::string& address, std::uint16_t port, Handler handler,
             HttpServerOptions options = {});
  ~HttpServer();  // stops and joins
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  std::uint16_t port() const;
  // Called by stop() (from its thread) to make running routes end early: the collector passes
  // Store::cancel_api_reads. Set before start().
  void set_route_cancel(std::function<void()> cancel);
  void start();
  // Closes the listening socket and every connection, drops queued routes, cancels running
  // ones (set_route_cancel) and waits for them, joins the threads. A route that honours the
  // cancel ends within microseconds, so stop() returns within about 2 s; one that does not is
  // still waited for (it may use the store its owner destroys next) and logged. Idempotent.
  void stop();
  // Connections open now (tests, /v1/status in the future).
  std::size_t open_connections() const;

 private:
  std::unique_ptr<HttpServerState> impl_;
};

}  // namespace pathwatch::collector
