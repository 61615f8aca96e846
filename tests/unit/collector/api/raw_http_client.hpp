// Plain POSIX sockets for driving the API server in tests the way hostile or slow clients do:
// connect and say nothing, send half a header, send half a body. Every receive is bounded by
// SO_RCVTIMEO (which does bound a plain recv()), so a test fails instead of hanging.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace pathwatch::testing_support {

class RawConnection {
 public:
  RawConnection(std::uint16_t port, std::chrono::milliseconds receive_timeout) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(receive_timeout).count();
    const timeval tv{static_cast<time_t>(us / 1'000'000), static_cast<suseconds_t>(us % 1'000'000)};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawConnection() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return connected_; }
  bool send(const std::string& bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  // Everything until the peer closes, the receive timeout passes, or `max` bytes arrived.
  // `closed` says whether the peer closed (orderly or reset) before the timeout.
  std::string receive_all(bool* closed = nullptr, std::size_t max = 1 << 20) {
    std::string out;
    char buf[4096];
    if (closed) *closed = false;
    while (out.size() < max) {
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n > 0) {
        out.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      if (closed) *closed = n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
      break;
    }
    return out;
  }
  // One answer to a request sent with "Connection: close".
  std::string request(const std::string& bytes) {
    if (!send(bytes)) return "";
    return receive_all();
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

inline std::string get_request(const std::string& target, const std::string& extra_headers = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers +
         "Connection: close\r\n\r\n";
}

}  // namespace pathwatch::testing_support
