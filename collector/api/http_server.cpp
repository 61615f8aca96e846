// Beast server: async accept and one Session per connection (plain TCP, or TLS over it with
// api.tls) on a single io thread; every read and write has a deadline
// (beast::tcp_stream::expires_after), and routes run on a thread pool
// whose answer is posted back to the io thread. stop() closes the acceptor and every session
// from the io thread, so no read can hold it (SO_RCVTIMEO never bounded Asio's reads).
#include "collector/api/http_server.hpp"

#include <fmt/format.h>

#include <boost/asio.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "shared/logging/logging.hpp"

namespace pathwatch::collector {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// What stop() and the registry need of a session, whatever its stream (TCP or TLS).
class SessionBase : public std::enable_shared_from_this<SessionBase> {
 public:
  virtual ~SessionBase() = default;
  virtual void start() = 0;
  virtual void close() = 0;  // io thread only
  virtual const std::string& peer() const = 0;
};

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// How long stop() lets the io thread finish closing before it stops the loop outright.
constexpr std::chrono::milliseconds kStopDrain{1500};
// How long stop() waits for cancelled routes before it logs that one ignores the cancel.
constexpr std::chrono::milliseconds kRouteDrain{1500};
// Refusals and accept errors are something a client can cause: log at most this often.
constexpr std::chrono::seconds kLogInterval{10};
// An accept error such as EMFILE repeats at once; wait a little instead of spinning.
constexpr std::chrono::milliseconds kAcceptRetry{100};

constexpr std::string_view kBusyAnswer =
    "HTTP/1.1 503 Service Unavailable\r\n"
    "Content-Type: application/json\r\n"
    "Connection: close\r\n"
    "Retry-After: 1\r\n"
    "Content-Length: 46\r\n"
    "\r\n"
    R"({"error":"too many connections, retry shortly"})";

bool is_loopback(const asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).is_loopback();
  }
  return a.is_loopback();
}

}  // namespace

struct HttpServerState {
  HttpServerOptions options;
  HttpServer::Handler handler;
  shared::LoggerPtr log = shared::component_logger("collector.api");
  // Sessions register here so stop() can close them; declared before `io` so a session destroyed
  // while `io` shuts down can still unregister.
  mutable std::mutex sessions_mutex;
  std::map<SessionBase*, std::weak_ptr<SessionBase>> sessions;
  std::map<std::string, std::size_t> per_peer;  // open connections by peer address
  std::unique_ptr<asio::thread_pool> pool;
  std::unique_ptr<asio::ssl::context> tls;  // api.tls; null: plain HTTP
  std::function<void()> cancel_routes;
  // Routes running on the pool now, so stop() can wait for them with a deadline (the pool's
  // join() has none).
  std::mutex routes_mutex;
  std::condition_variable routes_done;
  std::size_t routes_running = 0;
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  asio::steady_timer accept_retry{io};
  std::thread thread;
  std::promise<void> finished;
  bool stopping = false;  // io thread only
  std::chrono::steady_clock::time_point last_refusal_log{};

  void accept_next();
  void refuse(tcp::socket socket, std::string_view why);
  void forget(SessionBase* s, const std::string& peer) {
    std::lock_guard lock(sessions_mutex);
    if (sessions.erase(s) == 0) return;
    if (auto it = per_peer.find(peer); it != per_peer.end() && --it->second == 0) {
      per_peer.erase(it);
    }
  }
};

namespace {

// Counts a route in HttpServerState::routes_running for as long as it runs.
class RunningRoute {
 public:
  explicit RunningRoute(HttpServerState& s) : s_(s) {
    std::lock_guard lock(s_.routes_mutex);
    ++s_.routes_running;
  }
  ~RunningRoute() {
    std::lock_guard lock(s_.routes_mutex);
    if (--s_.routes_running == 0) s_.routes_done.notify_all();
  }
  RunningRoute(const RunningRoute&) = delete;
  RunningRoute& operator=(const RunningRoute&) = delete;

 private:
  HttpServerState& s_;
};

// The TCP layer, where deadlines and the socket live, of either stream.
beast::tcp_stream& tcp_layer(beast::tcp_stream& s) {
  return s;
}
beast::tcp_stream& tcp_layer(TlsStream& s) {
  return s.next_layer();
}

template <class Stream>
class Session : public SessionBase {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  template <class... StreamArgs>
  explicit Session(HttpServerState& server, StreamArgs&&... stream_args)
      : stream_(std::forward<StreamArgs>(stream_args)...),
        server_(server),
        buffer_(server.options.max_header_bytes + server.options.max_body_bytes + 64 * 1024) {
    boost::system::error_code ec;
    const auto ep = tcp_layer(stream_).socket().remote_endpoint(ec);
    if (!ec) {
      peer_ = ep.address().to_string();
      loopback_ = is_loopback(ep.address());
    }
  }
  ~Session() override { server_.forget(this, peer_); }
  const std::string& peer() const override { return peer_; }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start() override {
    if constexpr (kTls) {
      // The handshake is part of the header phase: a client that connects and never says
      // hello is dropped at the header deadline like any idle one.
      tcp_layer(stream_).expires_after(server_.options.header_timeout);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = shared_self()](boost::system::error_code ec) {
                                if (ec) return self->close();
                                self->read_header();
                              });
    } else {
      read_header();
    }
  }

  // io thread only. No TLS close_notify: stop() must not wait for a client to read it.
  void close() override {
    boost::system::error_code ignored;
    tcp_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    tcp_layer(stream_).close();
  }

 private:
  // Keep-alive: wait (idle_timeout) for the first bytes of the next request, unless a pipelined
  // request is already buffered.
  void wait_for_next() {
    if (buffer_.size() > 0) return read_header();
    tcp_layer(stream_).expires_after(server_.options.idle_timeout);
    stream_.async_read_some(
        buffer_.prepare(1024), [self = shared_self()](boost::system::error_code ec, std::size_t n) {
          if (ec) return self->close();  // idle too long, closed by the client, or stopping
          self->buffer_.commit(n);
          self->read_header();
        });
  }

  void read_header() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_.options.max_header_bytes));
    parser_->body_limit(server_.options.max_body_bytes);
    tcp_layer(stream_).expires_after(server_.options.header_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_self()](boost::system::error_code ec, std::size_t) {
          if (ec) return self->fail(ec);
          if (self->parser_->is_done()) return self->dispatch();
          tcp_layer(self->stream_).expires_after(self->server_.options.body_timeout);
          http::async_read(self->stream_, self->buffer_, *self->parser_,
                           [self](boost::system::error_code ec2, std::size_t) {
                             if (ec2) return self->fail(ec2);
                             self->dispatch();
                           });
        });
  }

  // A malformed or oversized request gets an answer saying so; a timeout, a reset or the end of
  // the stream just closes.
  void fail(boost::system::error_code ec) {
    if (ec.category() != http::make_error_code(http::error::end_of_stream).category() ||
        ec == http::error::end_of_stream || ec == http::error::partial_message) {
      return close();
    }
    int status = 400;
    std::string message = "malformed HTTP request";
    if (ec == http::error::body_limit) {
      status = 413;
      message = fmt::format("request body larger than {} bytes", server_.options.max_body_bytes);
    } else if (ec == http::error::header_limit) {
      status = 431;
      message =
          fmt::format("request header larger than {} bytes", server_.options.max_header_bytes);
    }
    keep_alive_ = false;
    version_ = 11;
    write(ApiResponse{status, fmt::format(R"({{"error":"{}"}})", message)});
  }

  void dispatch() {
    auto& req = parser_->get();
    ApiRequest request;
    request.method = std::string(req.method_string());
    request.target = std::string(req.target());
    request.body = std::move(req.body());
    if (auto it = req.find(http::field::authorization); it != req.end()) {
      request.authorization = std::string(it->value());
    }
    // For ApiAccess::screen (browser defences).
    if (auto it = req.find(http::field::origin); it != req.end()) {
      request.origin = std::string(it->value());
    }
    if (auto it = req.find(http::field::host); it != req.end()) {
      request.host = std::string(it->value());
    }
    if (auto it = req.find(http::field::content_type); it != req.end()) {
      request.content_type = std::string(it->value());
    }
    request.peer = peer_;
    request.peer_loopback = loopback_;
    head_ = req.method() == http::verb::head;
    keep_alive_ = req.keep_alive();
    version_ = req.version();
    parser_.reset();
    // No deadline while the route runs: nothing is read or written meanwhile, and stop() closes
    // the socket whatever the route does.
    tcp_layer(stream_).expires_never();
    asio::post(*server_.pool, [self = shared_self(), request = std::move(request)]() mutable {
      RunningRoute running(self->server_);
      ApiResponse response;
      try {
        response = self->server_.handler(request);
      } catch (const std::exception& e) {
        self->server_.log->error("API route failed: {}", e.what());
        response = ApiResponse{500, R"({"error":"internal error"})"};
      }
      auto executor = tcp_layer(self->stream_).get_executor();
      asio::post(executor, [self = std::move(self), response = std::move(response)]() mutable {
        self->write(std::move(response));
      });
    });
  }

  void write(ApiResponse r) {
    if (server_.stopping) return close();
    response_.emplace(static_cast<http::status>(r.status), version_);
    response_->set(http::field::server, "pathwatch-collector");
    response_->set(http::field::content_type, "application/json");
    for (const auto& [name, value] : r.headers) response_->set(name, value);
    // After a 401 the client has to come back with a token anyway; closing frees the slot an
    // unauthenticated peer would otherwise keep with keep-alive.
    if (r.status == 401) keep_alive_ = false;
    response_->keep_alive(keep_alive_);
    response_->body() = std::move(r.body);
    response_->prepare_payload();
    if (head_) {
      // RFC 9110 section 9.3.2: no content in an answer to HEAD, whatever its status; the
      // Content-Length stays what a GET would have carried.
      const auto length = response_->body().size();
      response_->body().clear();
      response_->content_length(length);
    }
    head_ = false;
    tcp_layer(stream_).expires_after(server_.options.write_timeout);
    http::async_write(stream_, *response_,
                      [self = shared_self()](boost::system::error_code ec, std::size_t) {
                        const bool again = !ec && self->response_->keep_alive();
                        self->response_.reset();
                        if (!again) return self->close();
                        self->wait_for_next();
                      });
  }

  std::shared_ptr<Session> shared_self() {
    return std::static_pointer_cast<Session>(shared_from_this());
  }

  Stream stream_;
  HttpServerState& server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> response_;
  std::string peer_;
  bool loopback_ = false;
  bool keep_alive_ = false;
  bool head_ = false;
  unsigned version_ = 11;
};

}  // namespace

void HttpServerState::accept_next() {
  acceptor.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
    if (stopping || ec == asio::error::operation_aborted) return;
    if (ec) {
      const auto now = std::chrono::steady_clock::now();
      if (now - last_refusal_log >= kLogInterval) {
        last_refusal_log = now;
        log->warn("API accept failed: {}", ec.message());
      }
      accept_retry.expires_after(kAcceptRetry);
      accept_retry.async_wait([this](boost::system::error_code wait_ec) {
        if (!wait_ec && !stopping) accept_next();
      });
      return;
    }
    boost::system::error_code peer_ec;
    const auto remote = socket.remote_endpoint(peer_ec);
    const std::string peer = peer_ec ? std::string() : remote.address().to_string();
    std::size_t open = 0;
    std::size_t from_peer = 0;
    {
      std::lock_guard lock(sessions_mutex);
      open = sessions.size();
      if (auto it = per_peer.find(peer); it != per_peer.end()) from_peer = it->second;
    }
    if (open >= options.max_connections) {
      refuse(std::move(socket), "api.max_connections");
    } else if (from_peer >= options.per_peer_limit()) {
      refuse(std::move(socket), "api.max_connections_per_peer");
    } else {
      std::shared_ptr<SessionBase> session;
      if (tls) {
        session = std::make_shared<Session<TlsStream>>(*this, std::move(socket), *tls);
      } else {
        session = std::make_shared<Session<beast::tcp_stream>>(*this, std::move(socket));
      }
      {
        std::lock_guard lock(sessions_mutex);
        sessions.emplace(session.get(), session);
        ++per_peer[session->peer()];
      }
      session->start();
    }
    accept_next();
  });
}

// Over the connection cap: one non-blocking write of a fixed 503 (it fits any socket buffer),
// then close. Never waits for the client.
void HttpServerState::refuse(tcp::socket socket, std::string_view why) {
  boost::system::error_code ec;
  socket.non_blocking(true, ec);
  // Over TLS the plain 503 would be noise to the client's handshake: just close.
  if (!ec && !tls) socket.write_some(asio::buffer(kBusyAnswer.data(), kBusyAnswer.size()), ec);
  socket.shutdown(tcp::socket::shutdown_both, ec);
  socket.close(ec);
  const auto now = std::chrono::steady_clock::now();
  if (now - last_refusal_log >= kLogInterval) {
    last_refusal_log = now;
    log->warn("API: refusing connections over the limit ({}: {} in all, {} per address)", why,
              options.max_connections, options.per_peer_limit());
  }
}

HttpServer::HttpServer(const std::string& address, std::uint16_t port, Handler handler,
                       HttpServerOptions options)
    : impl_(std::make_unique<HttpServerState>()) {
  impl_->handler = std::move(handler);
  impl_->options = options;
  boost::system::error_code ec;
  if (options.tls) {
    // TLS 1.2 and 1.3 only (tls_server allows every version; the floor is set below), with
    // OpenSSL's default cipher list, which already excludes what is broken.
    impl_->tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    impl_->tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                            asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                            asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
    const auto& pem = *options.tls;
    impl_->tls->use_certificate_chain(asio::buffer(pem.certificate_pem), ec);
    if (!ec) {
      impl_->tls->use_private_key(asio::buffer(pem.private_key_pem), asio::ssl::context::pem, ec);
    }
    if (ec) throw std::runtime_error(fmt::format("api.tls: {}", ec.message()));
  }
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
  boost::system::error_code ec;
  const auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

std::size_t HttpServer::open_connections() const {
  std::lock_guard lock(impl_->sessions_mutex);
  return impl_->sessions.size();
}

void HttpServer::set_route_cancel(std::function<void()> cancel) {
  impl_->cancel_routes = std::move(cancel);
}

void HttpServer::start() {
  HttpServerState& s = *impl_;
  if (s.thread.joinable()) return;
  s.pool = std::make_unique<asio::thread_pool>(std::max<std::size_t>(1, s.options.handler_threads));
  s.accept_next();
  s.thread = std::thread([&s] {
    s.io.run();
    s.finished.set_value();
  });
}

void HttpServer::stop() {
  HttpServerState& s = *impl_;
  if (!s.thread.joinable()) return;
  asio::post(s.io, [&s] {
    s.stopping = true;
    boost::system::error_code ignored;
    s.acceptor.close(ignored);
    s.accept_retry.cancel();
    std::vector<std::shared_ptr<SessionBase>> open;
    {
      std::lock_guard lock(s.sessions_mutex);
      for (auto& [ptr, weak] : s.sessions) {
        if (auto session = weak.lock()) open.push_back(std::move(session));
      }
    }
    for (auto& session : open) session->close();
  });
  // Closing cancels every pending read and write, so the loop runs out of work at once; the
  // backstop only matters if something unforeseen keeps it busy.
  if (s.finished.get_future().wait_for(kStopDrain) == std::future_status::timeout) s.io.stop();
  s.thread.join();
  // Queued routes are dropped; running ones are cancelled (their store reads fail at once) and
  // waited for. Never abandoned: a route uses the store, which the caller destroys after us.
  s.pool->stop();
  if (s.cancel_routes) s.cancel_routes();
  {
    std::unique_lock lock(s.routes_mutex);
    if (!s.routes_done.wait_for(lock, kRouteDrain, [&s] { return s.routes_running == 0; })) {
      s.log->error("API stop: {} route(s) still running {} ms after the cancel; waiting for them",
                   s.routes_running, kRouteDrain.count());
    }
  }
  s.pool->join();
  s.pool.reset();
  // Answers the routes posted back find their sessions closed and drop them.
  s.io.restart();
  s.io.poll();
}

}  // namespace pathwatch::collector
