// Beast client: resolve, connect, one request, one response; SO_RCVTIMEO/SO_SNDTIMEO bound
// the blocking calls so a hung collector cannot hang the operator's terminal.
#include "ctl/http_client.hpp"

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace pathwatch::ctl {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

std::optional<CollectorUrl> parse_collector_url(const std::string& url) {
  constexpr std::string_view kScheme = "http://";
  if (url.rfind(kScheme, 0) != 0) return std::nullopt;
  std::string rest = url.substr(kScheme.size());
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.empty() || rest.find('/') != std::string::npos) return std::nullopt;
  CollectorUrl out;
  const auto colon = rest.rfind(':');
  if (colon == std::string::npos || rest.back() == ']') {
    out.host = rest;
    out.port = "80";
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
                        std::chrono::seconds timeout) {
  HttpResult result;
  try {
    asio::io_context io;
    tcp::resolver resolver(io);
    tcp::socket socket(io);
    asio::connect(socket, resolver.resolve(url.host, url.port));
    const timeval tv{static_cast<time_t>(timeout.count()), 0};
    setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, url.host);
    req.set(http::field::user_agent, "pathwatchctl");
    if (!body.empty()) {
      req.set(http::field::content_type, "application/json");
      req.body() = body;
    }
    req.prepare_payload();
    http::write(socket, req);
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(socket, buffer, res);
    result.reached = true;
    result.status = static_cast<int>(res.result_int());
    result.body = std::move(res.body());
    boost::system::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
  } catch (const std::exception& e) {
    result.error = e.what();
  }
  return result;
}

}  // namespace pathwatch::ctl
