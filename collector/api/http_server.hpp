// The API's HTTP/1.1 server (Boost.Beast) on a loopback address: one thread, one request at
// a time (the API serves an operator's command line, not a crowd), each read bounded by a
// timeout so a stuck client cannot hold it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "collector/api/api_handler.hpp"

namespace pathwatch::collector {

class HttpServer {
 public:
  using Handler = std::function<ApiResponse(const ApiRequest&)>;
  // Binds address:port (port 0: the kernel chooses). Throws std::runtime_error.
  HttpServer(const std::string& address, std::uint16_t port, Handler handler);
  ~HttpServer();  // stops and joins
  std::uint16_t port() const;
  void start();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pathwatch::collector
