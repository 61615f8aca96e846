// Beast server: async accept on an io_context thread, synchronous request/response on the
// accepted socket with SO_RCVTIMEO/SO_SNDTIMEO bounding every read and write.
#include "collector/api/http_server.hpp"

#include <fmt/format.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <thread>

#include "shared/logging/logging.hpp"

namespace pathwatch::collector {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct HttpServer::Impl {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  Handler handler;
  std::thread thread;
  shared::LoggerPtr log = shared::component_logger("collector.api");

  void accept_next() {
    acceptor.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
      if (ec) return;  // closed: stopping
      serve(std::move(socket));
      accept_next();
    });
  }

  void serve(tcp::socket socket) {
    const timeval tv{5, 0};
    setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    beast::flat_buffer buffer;
    for (int i = 0; i < 100; ++i) {  // keep-alive, bounded
      http::request_parser<http::string_body> parser;
      parser.body_limit(1024 * 1024);
      boost::system::error_code ec;
      http::read(socket, buffer, parser, ec);
      if (ec) return;
      const auto& req = parser.get();
      ApiResponse r;
      try {
        r = handler(
            ApiRequest{std::string(req.method_string()), std::string(req.target()), req.body()});
      } catch (const std::exception& e) {
        r = ApiResponse{500, fmt::format(R"({{"error":"{}"}})", "internal error")};
        log->error("API handler failed: {}", e.what());
      }
      http::response<http::string_body> res{static_cast<http::status>(r.status), req.version()};
      res.set(http::field::server, "pathwatch-collector");
      res.set(http::field::content_type, "application/json");
      res.keep_alive(req.keep_alive());
      res.body() = std::move(r.body);
      res.prepare_payload();
      http::write(socket, res, ec);
      if (ec || !res.keep_alive()) break;
    }
    boost::system::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
  }
};

HttpServer::HttpServer(const std::string& address, std::uint16_t port, Handler handler)
    : impl_(std::make_unique<Impl>()) {
  impl_->handler = std::move(handler);
  boost::system::error_code ec;
  const auto addr = asio::ip::make_address(address, ec);
  if (ec) throw std::runtime_error(fmt::format("api.listen: bad address '{}'", address));
  const tcp::endpoint ep{addr, port};
  impl_->acceptor.open(ep.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(ep, ec);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    throw std::runtime_error(
        fmt::format("api: cannot listen on {}:{}: {}", address, port, ec.message()));
  }
}

HttpServer::~HttpServer() {
  stop();
}

std::uint16_t HttpServer::port() const {
  return impl_->acceptor.local_endpoint().port();
}

void HttpServer::start() {
  impl_->accept_next();
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

void HttpServer::stop() {
  if (!impl_->thread.joinable()) return;
  asio::post(impl_->io, [this] {
    boost::system::error_code ignored;
    impl_->acceptor.close(ignored);
    impl_->io.stop();
  });
  impl_->thread.join();
}

}  // namespace pathwatch::collector
