// The TCP connect engine: per-attempt sockets pinned to the path, one deadline timer, and the
// outcome from the connect errno plus the ICMP error the kernel queued (IP_RECVERR).
#include "agent/probe/tcp_engine.hpp"

#include <linux/errqueue.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstddef>
#include <stdexcept>
#include <unordered_map>

#include "agent/probe/deadline_timer.hpp"
#include "agent/probe/probe_tracker.hpp"
#include "agent/probe/socket_setup.hpp"
#include "agent/probe/tcp_outcome.hpp"

namespace pathwatch::agent {
namespace {

using boost::asio::ip::tcp;

// The last ICMP error queued on a socket (a SYN may collect more than one), if any.
std::optional<IcmpEvidence> read_queued_icmp(int fd, bool ipv6) {
  std::optional<IcmpEvidence> found;
  for (int i = 0; i < 8; ++i) {  // bounded: the queue holds at most a few entries per SYN
    std::array<std::uint8_t, 256> data{};
    std::array<char, 512> control{};
    iovec iov{data.data(), data.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    if (::recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) break;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      const bool v4 = c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR;
      const bool v6 = c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR;
      if (!(v4 || v6) || c->cmsg_len < CMSG_LEN(sizeof(sock_extended_err))) continue;
      const auto* ee = reinterpret_cast<const sock_extended_err*>(CMSG_DATA(c));
      if (ee->ee_origin != SO_EE_ORIGIN_ICMP && ee->ee_origin != SO_EE_ORIGIN_ICMP6) continue;
      const auto router =
          from_sockaddr(SO_EE_OFFENDER(ee), ipv6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in));
      found = IcmpEvidence{router.to_string(), ee->ee_type, ee->ee_code};
    }
  }
  return found;
}

}  // namespace

class TcpEngine::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(boost::asio::io_context& io, const PathConfig& path, ProbeResultSink sink,
       const shared::Clock& clock)
      : io_(io), path_(path), sink_(std::move(sink)), clock_(clock), timer_(io, clock, [this] {
          on_deadline();
        }) {
    source_ = path_source(path_);
    validate_path();
  }

  void send(const FlowSpec& flow, std::uint64_t seq, std::uint8_t ttl_override) {
    const ProbeKey key{flow.id, seq};
    if (tracker_.is_known(key) || attempts_.contains(key)) {
      ++send_errors_;
      return;
    }
    const bool ipv6 = flow.address.is_v6();
    auto socket = std::make_unique<tcp::socket>(io_);
    const int err = prepare(*socket, flow, ipv6, ttl_override);

    // Send instant right before connect() (async_connect issues it at once, non-blocking);
    // the bookkeeping follows, as no completion can run before we return to the event loop.
    const shared::UtcNanos sent_utc = clock_.utc_now();
    const shared::MonoNanos sent_mono = clock_.mono_now();
    if (err == 0) {
      tcp::socket& s = *socket;
      attempts_.emplace(key, std::move(socket));
      s.async_connect(tcp::endpoint(flow.address, flow.port),
                      [weak = weak_from_this(), key, ipv6](const boost::system::error_code& ec) {
                        if (ec == boost::asio::error::operation_aborted) return;
                        if (auto self = weak.lock()) self->on_connect(key, ipv6, ec);
                      });
    }
    tracker_.start(key, sent_utc, sent_mono, flow.settings.timeout);
    if (err != 0) {
      ++send_errors_;
      ProbeAnswer a = classify_connect(err, std::nullopt, ipv6);
      if (a.outcome != Outcome::kUnreachable) a.outcome = Outcome::kError;
      if (auto r = tracker_.answer(key, a)) emit_later(*r);
    }
    if (auto next = tracker_.next_deadline()) timer_.arm(*next);
  }

  IgnoredCounters ignored() const { return IgnoredCounters{0, 0, 0, send_errors_}; }
  std::size_t outstanding() const { return tracker_.outstanding(); }

 private:
  // Start-up: the path's interface, mark and source must work, or the agent must not start.
  void validate_path() {
    const bool ipv6 = source_ && source_->is_v6();
    const int fd = ::socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw_path_error(path_, "TCP socket", errno);
    struct Closer {
      int fd;
      ~Closer() { ::close(fd); }
    } closer{fd};
    pin_to_path(fd, path_);
    if (source_) {
      if (int e = bind_source(fd, ipv6, source_); e != 0) {
        throw_path_error(path_, "bind " + source_->to_string(), e);
      }
    }
  }

  // Per attempt: returns errno, never throws.
  int prepare(tcp::socket& socket, const FlowSpec& flow, bool ipv6, std::uint8_t ttl_override) {
    boost::system::error_code ec;
    socket.open(ipv6 ? tcp::v6() : tcp::v4(), ec);
    if (ec) return ec.value();
    const int fd = socket.native_handle();
    if (int e = try_pin_to_path(fd, path_); e != 0) return e;
    if (source_) {
      if (source_->is_v6() != ipv6) return EAFNOSUPPORT;  // this path cannot carry the family
      if (int e = bind_source(fd, ipv6, source_); e != 0) return e;
    }
    const std::uint8_t ttl = ttl_override != 0 ? ttl_override : flow.settings.ttl;
    if (int e = set_ttl(fd, ipv6, ttl); e != 0) return e;
    if (flow.settings.dscp != 0) {
      if (int e = set_dscp(fd, ipv6, flow.settings.dscp); e != 0) return e;
    }
    // Queue ICMP errors for the SYN, so "unreachable" carries the code and the router.
    if (int e = enable_recverr(fd, ipv6); e != 0) return e;
    return 0;
  }

  void on_connect(ProbeKey key, bool ipv6, const boost::system::error_code& ec) {
    const shared::MonoNanos now = clock_.mono_now();
    auto it = attempts_.find(key);
    if (it == attempts_.end()) return;
    const std::unique_ptr<tcp::socket> socket = std::move(it->second);
    attempts_.erase(it);
    if (!tracker_.is_outstanding(key)) return;  // timed out meanwhile: already reported
    const int err =
        !ec ? 0 : (ec.category() == boost::system::system_category() ? ec.value() : EIO);
    std::optional<IcmpEvidence> icmp;
    if (err != 0) icmp = read_queued_icmp(socket->native_handle(), ipv6);
    ProbeAnswer a = classify_connect(err, icmp, ipv6);
    // A handshake, an RST or an ICMP error is a round trip; a local failure is not.
    if (a.outcome == Outcome::kOk || a.outcome == Outcome::kRefused || a.icmp) {
      a.received_mono = now;
    }
    if (a.outcome == Outcome::kOk) {
      tcp_info info{};
      socklen_t len = sizeof info;
      if (::getsockopt(socket->native_handle(), IPPROTO_TCP, TCP_INFO, &info, &len) == 0 &&
          len >= offsetof(tcp_info, tcpi_total_retrans) + sizeof info.tcpi_total_retrans) {
        a.kernel_rtt = kernel_handshake_rtt(info.tcpi_rtt, info.tcpi_total_retrans);
      }
    }
    boost::system::error_code ignored;
    socket->close(ignored);  // right after the handshake: no payload, ever
    if (auto r = tracker_.answer(key, a)) emit(*r);
  }

  void on_deadline() {
    std::vector<ProbeResult> timed_out;
    tracker_.expire(clock_.mono_now(), timed_out);
    for (const ProbeResult& r : timed_out) {
      auto it = attempts_.find(ProbeKey{r.flow, r.seq});
      if (it != attempts_.end()) {
        boost::system::error_code ignored;
        it->second->close(ignored);  // the pending connect completes with operation_aborted
        attempts_.erase(it);
      }
    }
    if (auto next = tracker_.next_deadline()) timer_.arm(*next);
    for (const ProbeResult& r : timed_out) emit(r);
  }

  void emit(const ProbeResult& r) {
    if (sink_) sink_(r);
  }

  void emit_later(const ProbeResult& r) {
    boost::asio::post(io_, [weak = weak_from_this(), r] {
      if (auto self = weak.lock()) self->emit(r);
    });
  }

  boost::asio::io_context& io_;
  PathConfig path_;
  ProbeResultSink sink_;
  const shared::Clock& clock_;
  std::optional<boost::asio::ip::address> source_;
  DeadlineTimer timer_;
  ProbeTracker tracker_;
  std::unordered_map<ProbeKey, std::unique_ptr<tcp::socket>, ProbeKeyHash> attempts_;
  std::uint64_t send_errors_ = 0;
};

TcpEngine::TcpEngine(boost::asio::io_context& io, const PathConfig& path, ProbeResultSink sink,
                     const shared::Clock& clock)
    : impl_(std::make_shared<Impl>(io, path, std::move(sink), clock)) {}

TcpEngine::~TcpEngine() = default;

void TcpEngine::send(const FlowSpec& flow, std::uint64_t seq, std::uint8_t ttl_override) {
  impl_->send(flow, seq, ttl_override);
}

ProbeEngine::IgnoredCounters TcpEngine::ignored() const {
  return impl_->ignored();
}
std::size_t TcpEngine::outstanding() const {
  return impl_->outstanding();
}

}  // namespace pathwatch::agent
