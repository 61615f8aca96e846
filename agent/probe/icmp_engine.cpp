// The ICMP echo engine: socket set-up (ping socket or raw, pinned to the path), sending,
// draining replies and queued errors, and handing matched answers to the tracker.
#include "agent/probe/icmp_engine.hpp"

#include <linux/errqueue.h>
#include <linux/icmp.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <atomic>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <random>
#include <stdexcept>
#include <vector>

#include "agent/probe/deadline_timer.hpp"
#include "agent/probe/icmp_match.hpp"
#include "agent/probe/icmp_packet.hpp"
#include "agent/probe/probe_tracker.hpp"
#include "agent/probe/receive_time.hpp"
#include "agent/probe/socket_setup.hpp"
#include "shared/logging/logging.hpp"

namespace pathwatch::agent {
namespace {

// Reads per wake-up before yielding to other handlers (thousands of replies per second must
// not starve timers); the rest is drained by a posted continuation.
constexpr int kMaxReadsPerWakeup = 32;
// Datagrams per recvmmsg, and room for each: more than any reply to our probes (payload at
// most 1,400 bytes, IP header included); a larger foreign packet arrives truncated and is
// counted as malformed. One call per wake-up instead of a read plus a read that says EAGAIN
// (a short batch says the queue ran empty, as EAGAIN would): ~1 syscall less per reply.
constexpr std::size_t kBatch = 8;
constexpr std::size_t kDatagramBytes = 2048;
// A kernel stamp older than this at read time is not trusted (see receive_time.hpp).
constexpr shared::Nanos kMaxReceiveDelay{std::chrono::seconds{10}};
constexpr int kReceiveBufferBytes = 1 << 20;
// Deadlines and retention ends share wake-ups on a 10 ms grid: 1,000 probes/s per engine
// would otherwise re-arm the timer (timerfd_settime + epoll wake-up) ~2,000 times a second
// (bench/agent_vs_fping). A timeout is noticed up to 10 ms later; its time stays exact
// (send time + timeout).
constexpr shared::Nanos kDeadlineCoalesce{std::chrono::milliseconds{10}};

std::uint64_t random_u64() {
  std::random_device rd;
  return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
}

// Errors a ping socket reports on send when an earlier ICMP error left sk_err set
// (sock_alloc_send_pskb returns the pending error and clears it): worth one retry.
bool may_be_stale_socket_error(int e) {
  return e == EHOSTUNREACH || e == ENETUNREACH || e == ECONNREFUSED || e == EHOSTDOWN ||
         e == ENOPROTOOPT || e == ENONET || e == EMSGSIZE;
}

std::optional<shared::UtcNanos> timestamp_from(msghdr& msg) {
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS &&
        c->cmsg_len >= CMSG_LEN(sizeof(timespec))) {
      timespec ts{};
      std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
      return shared::UtcNanos{
          shared::Nanos{static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec}};
    }
  }
  return std::nullopt;
}

void log_socket_kind_once(bool ipv6, IcmpSocketKind kind, const std::string& path) {
  static std::atomic<bool> logged[2][2] = {};
  bool expected = false;
  if (logged[ipv6][static_cast<int>(kind)].compare_exchange_strong(expected, true)) {
    shared::component_logger("agent.icmp")
        ->info("{} echo probes use {} sockets (first on path '{}')", ipv6 ? "ICMPv6" : "ICMPv4",
               kind == IcmpSocketKind::kDatagram ? "unprivileged datagram (ping)" : "raw", path);
  }
}

}  // namespace

const char* to_string(IcmpSocketKind kind) {
  return kind == IcmpSocketKind::kDatagram ? "datagram" : "raw";
}

class IcmpEngine::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(boost::asio::io_context& io, const PathConfig& path, bool ipv6, ProbeResultSink sink,
       const shared::Clock& clock)
      : io_(io),
        path_(path),
        ipv6_(ipv6),
        sink_(std::move(sink)),
        clock_(clock),
        socket_(io),
        timer_(
            io, clock, [this] { on_deadline(); }, kDeadlineCoalesce),
        rx_buffer_(kBatch * kDatagramBytes) {
    self_.family = ipv6 ? IcmpFamily::kV6 : IcmpFamily::kV4;
    self_.token = random_u64();
    open_socket();
  }

  void start() { arm_read(); }

  void send(const FlowSpec& flow, std::uint64_t seq, std::uint8_t ttl_override) {
    const ProbeKey key{flow.id, seq};
    if (tracker_.is_known(key)) {
      ++send_errors_;  // the same (flow, seq) twice: the first one's result stands
      return;
    }
    const int fd = socket_.native_handle();
    int err = 0;
    if (flow.address.is_v6() != ipv6_) err = EAFNOSUPPORT;
    const int ttl = ttl_override != 0 ? ttl_override : flow.settings.ttl;
    if (err == 0 && ttl != current_ttl_) {
      err = set_ttl(fd, ipv6_, static_cast<std::uint8_t>(ttl));
      if (err == 0) current_ttl_ = ttl;
    }
    if (err == 0 && flow.settings.dscp != current_dscp_) {
      err = set_dscp(fd, ipv6_, flow.settings.dscp);
      if (err == 0) current_dscp_ = flow.settings.dscp;
    }
    const std::uint16_t wire_seq = next_wire_seq_++;
    const std::vector<std::uint8_t> packet =
        build_echo_request(self_.family, self_.ident, wire_seq,
                           ProbeStamp{self_.token, flow.id, seq}, flow.settings.payload_bytes);
    sockaddr_storage to{};
    const socklen_t to_len = to_sockaddr(flow.address, 0, to);

    // The send instant is read right before sendto and the bookkeeping done after it, so the
    // RTT holds as little of our own work as possible (ping reads its clock the same way).
    const shared::UtcNanos sent_utc = clock_.utc_now();
    const shared::MonoNanos sent_mono = clock_.mono_now();
    if (err == 0) err = send_packet(fd, packet, to, to_len);
    if (err != 0 && kind_ == IcmpSocketKind::kDatagram && may_be_stale_socket_error(err)) {
      err = send_packet(fd, packet, to, to_len);
    }
    tracker_.start(key, sent_utc, sent_mono, flow.settings.timeout, wire_seq);
    if (err != 0) {
      ++send_errors_;
      ProbeAnswer a;
      a.outcome =
          (err == EHOSTUNREACH || err == ENETUNREACH) ? Outcome::kUnreachable : Outcome::kError;
      a.error_number = err;
      if (auto r = tracker_.answer(key, a)) emit_later(*r);
    }
    if (auto next = tracker_.next_deadline()) timer_.arm(*next);
  }

  IgnoredCounters ignored() const {
    return IgnoredCounters{tally_.foreign_replies, tally_.malformed, tally_.unmatched_errors,
                           send_errors_};
  }
  IcmpSocketKind kind() const { return kind_; }
  std::uint16_t ident() const { return self_.ident; }
  std::size_t outstanding() const { return tracker_.outstanding(); }

 private:
  void open_socket() {
    const int family = ipv6_ ? AF_INET6 : AF_INET;
    const int proto = ipv6_ ? static_cast<int>(IPPROTO_ICMPV6) : static_cast<int>(IPPROTO_ICMP);
    const char* label = ipv6_ ? "ICMPv6" : "ICMPv4";
    int fd = ::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
    const int dgram_errno = errno;
    kind_ = IcmpSocketKind::kDatagram;
    if (fd < 0) {
      fd = ::socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
      if (fd < 0) {
        const int raw_errno = errno;
        throw std::runtime_error("path '" + path_.name + "': cannot open an " + label +
                                 " socket: datagram: " + errno_text(dgram_errno) +
                                 " (net.ipv4.ping_group_range excludes this group); raw: " +
                                 errno_text(raw_errno) + " (needs CAP_NET_RAW)");
      }
      kind_ = IcmpSocketKind::kRaw;
    }
    socket_.assign(fd);  // owns fd from here: a throw below closes it

    pin_to_path(fd, path_);
    const auto source = path_source(path_);
    if (source && source->is_v6() != ipv6_) {
      throw std::runtime_error("path '" + path_.name + "': source address " + source->to_string() +
                               " cannot carry " + label + " probes");
    }
    // Ping sockets always bind: the kernel picks the ICMP identifier (the "port") at bind.
    if (source || kind_ == IcmpSocketKind::kDatagram) {
      if (int e = bind_source(fd, ipv6_, source); e != 0) {
        throw_path_error(path_, "bind " + (source ? source->to_string() : std::string("any")), e);
      }
    }
    if (int e = enable_rx_timestamps(fd); e != 0) throw_path_error(path_, "SO_TIMESTAMPNS", e);
    // Thousands of targets answer within the same milliseconds: a larger receive buffer than
    // net.core.rmem_max allows where we may (SO_RCVBUFFORCE needs CAP_NET_ADMIN); best effort.
    if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &kReceiveBufferBytes,
                     sizeof kReceiveBufferBytes) != 0) {
      ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &kReceiveBufferBytes, sizeof kReceiveBufferBytes);
    }

    if (kind_ == IcmpSocketKind::kDatagram) {
      if (int e = enable_recverr(fd, ipv6_); e != 0) {
        throw_path_error(path_, ipv6_ ? "IPV6_RECVERR" : "IP_RECVERR", e);
      }
      sockaddr_storage ss{};
      socklen_t len = sizeof ss;
      if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
        throw_path_error(path_, "getsockname", errno);
      }
      self_.ident = ipv6_ ? ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port)
                          : ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
    } else {
      self_.ident = static_cast<std::uint16_t>(random_u64());
      // Raw sockets see every ICMP message the host receives: let the kernel drop all but
      // the types we match (ICMP_FILTER is a mask of types to block; ICMP6_FILTER to pass).
      if (!ipv6_) {
        icmp_filter filter{};
        filter.data =
            ~((1u << ICMP_ECHOREPLY) | (1u << ICMP_DEST_UNREACH) | (1u << ICMP_TIME_EXCEEDED));
        if (::setsockopt(fd, SOL_RAW, ICMP_FILTER, &filter, sizeof filter) != 0) {
          throw_path_error(path_, "ICMP_FILTER", errno);
        }
      } else {
        icmp6_filter filter{};
        ICMP6_FILTER_SETBLOCKALL(&filter);
        ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &filter);
        ICMP6_FILTER_SETPASS(ICMP6_DST_UNREACH, &filter);
        ICMP6_FILTER_SETPASS(ICMP6_TIME_EXCEEDED, &filter);
        if (::setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof filter) != 0) {
          throw_path_error(path_, "ICMP6_FILTER", errno);
        }
      }
    }
    log_socket_kind_once(ipv6_, kind_, path_.name);
    shared::component_logger("agent.icmp")
        ->debug("path '{}' {}: {} socket, identifier {}", path_.name, label, to_string(kind_),
                self_.ident);
  }

  static int send_packet(int fd, const std::vector<std::uint8_t>& packet,
                         const sockaddr_storage& to, socklen_t to_len) {
    const ssize_t n = ::sendto(fd, packet.data(), packet.size(), MSG_DONTWAIT,
                               reinterpret_cast<const sockaddr*>(&to), to_len);
    if (n < 0) return errno;
    return static_cast<std::size_t>(n) == packet.size() ? 0 : EMSGSIZE;
  }

  void arm_read() {
    socket_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                       [weak = weak_from_this()](const boost::system::error_code& ec) {
                         if (ec) return;
                         if (auto self = weak.lock()) self->drain();
                       });
  }

  // Edge-triggered readiness: read until both queues are empty (or the per-wake-up budget is
  // spent, then continue in a posted handler) before waiting again. A pending error queue
  // entry also wakes the read wait (EPOLLERR is always reported).
  void drain() {
    for (int i = 0; i < kMaxReadsPerWakeup; ++i) {
      const bool errors = kind_ == IcmpSocketKind::kDatagram && read_error_queue();
      const int n = read_packets();
      // A full batch may have left more; an error return (a pending ICMP error on a ping
      // socket) has its details in the error queue. Otherwise the queue ran empty: wait again
      // (asio's re-arm re-checks readiness, so nothing that arrived since is missed).
      if (!errors && n >= 0 && n < static_cast<int>(kBatch)) {
        arm_read();
        return;
      }
    }
    boost::asio::post(io_, [weak = weak_from_this()] {
      if (auto self = weak.lock()) self->drain();
    });
  }

  // Up to kBatch datagrams with one recvmmsg: how many were read; 0 when the queue is empty;
  // -1 when a pending ICMP error on a ping socket is reported instead (details: error queue).
  int read_packets() {
    for (std::size_t i = 0; i < kBatch; ++i) {
      rx_iov_[i] = iovec{rx_buffer_.data() + i * kDatagramBytes, kDatagramBytes};
      msghdr& m = rx_msgs_[i].msg_hdr;
      m = msghdr{};
      m.msg_name = &rx_from_[i];
      m.msg_namelen = sizeof rx_from_[i];
      m.msg_iov = &rx_iov_[i];
      m.msg_iovlen = 1;
      m.msg_control = rx_control_[i].data();
      m.msg_controllen = rx_control_[i].size();
      rx_msgs_[i].msg_len = 0;
    }
    const int n =
        ::recvmmsg(socket_.native_handle(), rx_msgs_.data(), kBatch, MSG_DONTWAIT, nullptr);
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
    // One clock reading per batch: it only anchors the kernel stamps (receive_time.hpp).
    const shared::UtcNanos utc_now = clock_.utc_now();
    const shared::MonoNanos mono_now = clock_.mono_now();
    for (int i = 0; i < n; ++i) {
      msghdr& msg = rx_msgs_[i].msg_hdr;
      const std::span<const std::uint8_t> bytes(
          static_cast<const std::uint8_t*>(rx_iov_[i].iov_base), rx_msgs_[i].msg_len);
      ParsedIcmp parsed;
      if (kind_ == IcmpSocketKind::kRaw && !ipv6_) {
        parsed = parse_ipv4_packet(bytes);
      } else {
        parsed = parse_icmp_message(self_.family, bytes, !ipv6_);
      }
      if ((msg.msg_flags & MSG_TRUNC) != 0) parsed.kind = ParsedIcmp::Kind::kMalformed;
      const auto sender =
          from_sockaddr(reinterpret_cast<const sockaddr*>(&rx_from_[i]), msg.msg_namelen);
      handle(parsed, sender,
             arrival_mono(timestamp_from(msg), utc_now, mono_now, kMaxReceiveDelay));
    }
    return n;
  }

  bool read_error_queue() {
    std::array<std::uint8_t, 2048> data{};
    std::array<char, 512> control{};
    iovec iov{data.data(), data.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    const ssize_t n = ::recvmsg(socket_.native_handle(), &msg, MSG_ERRQUEUE | MSG_DONTWAIT);
    if (n < 0) return false;
    const shared::UtcNanos utc_now = clock_.utc_now();
    const shared::MonoNanos mono_now = clock_.mono_now();
    const sock_extended_err* ee = nullptr;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      const bool v4 = c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR;
      const bool v6 = c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR;
      if ((v4 || v6) && c->cmsg_len >= CMSG_LEN(sizeof(sock_extended_err))) {
        ee = reinterpret_cast<const sock_extended_err*>(CMSG_DATA(c));
      }
    }
    if (ee == nullptr) {
      tally_.count(IgnoreReason::kMalformed);
      return true;
    }
    const std::span<const std::uint8_t> quoted(data.data(), static_cast<std::size_t>(n));
    const bool from_icmp =
        ee->ee_origin == SO_EE_ORIGIN_ICMP || ee->ee_origin == SO_EE_ORIGIN_ICMP6;
    if (!from_icmp) {
      // A local error (e.g. EMSGSIZE): the original packet is quoted whole.
      ParsedIcmp quote = parse_quoted_echo(self_.family, quoted);
      if (quote.kind == ParsedIcmp::Kind::kEchoRequest && quote.ident == self_.ident &&
          quote.stamp && quote.stamp->token == self_.token) {
        ProbeAnswer a;
        a.outcome = Outcome::kError;
        a.error_number = static_cast<int>(ee->ee_errno);
        if (auto r = tracker_.answer(ProbeKey{quote.stamp->flow, quote.stamp->seq}, a)) emit(*r);
      }
      return true;
    }
    const auto* offender = SO_EE_OFFENDER(ee);
    const auto router = from_sockaddr(offender, ipv6_ ? sizeof(sockaddr_in6) : sizeof(sockaddr_in));
    const ParsedIcmp parsed = parse_queued_error(self_.family, ee->ee_type, ee->ee_code, quoted);
    handle(parsed, router, arrival_mono(timestamp_from(msg), utc_now, mono_now, kMaxReceiveDelay));
    return true;
  }

  void handle(const ParsedIcmp& parsed, const boost::asio::ip::address& from,
              shared::MonoNanos arrival) {
    if (auto r = accept_icmp(self_, parsed, from, arrival, tracker_, tally_)) emit(*r);
  }

  void on_deadline() {
    std::vector<ProbeResult> timed_out;
    tracker_.expire(clock_.mono_now(), timed_out);
    if (auto next = tracker_.next_deadline()) timer_.arm(*next);
    for (const ProbeResult& r : timed_out) emit(r);
  }

  void emit(const ProbeResult& r) {
    if (sink_) sink_(r);
  }

  // Results decided inside send() are delivered from the event loop, never re-entering the
  // caller of send().
  void emit_later(const ProbeResult& r) {
    boost::asio::post(io_, [weak = weak_from_this(), r] {
      if (auto self = weak.lock()) self->emit(r);
    });
  }

  boost::asio::io_context& io_;
  PathConfig path_;
  bool ipv6_;
  ProbeResultSink sink_;
  const shared::Clock& clock_;
  boost::asio::posix::stream_descriptor socket_;
  DeadlineTimer timer_;
  std::vector<std::uint8_t> rx_buffer_;  // kBatch slots of kDatagramBytes
  std::array<mmsghdr, kBatch> rx_msgs_{};
  std::array<iovec, kBatch> rx_iov_{};
  std::array<sockaddr_storage, kBatch> rx_from_{};
  std::array<std::array<char, 256>, kBatch> rx_control_{};
  IcmpSocketKind kind_ = IcmpSocketKind::kDatagram;
  IcmpIdentity self_;
  ProbeTracker tracker_;
  IgnoreTally tally_;
  std::uint64_t send_errors_ = 0;
  std::uint16_t next_wire_seq_ = 1;
  int current_ttl_ = -1;
  int current_dscp_ = -1;
};

IcmpEngine::IcmpEngine(boost::asio::io_context& io, const PathConfig& path, bool ipv6,
                       ProbeResultSink sink, const shared::Clock& clock)
    : impl_(std::make_shared<Impl>(io, path, ipv6, std::move(sink), clock)) {
  impl_->start();
}

IcmpEngine::~IcmpEngine() = default;

void IcmpEngine::send(const FlowSpec& flow, std::uint64_t seq, std::uint8_t ttl_override) {
  impl_->send(flow, seq, ttl_override);
}

ProbeEngine::IgnoredCounters IcmpEngine::ignored() const {
  return impl_->ignored();
}
IcmpSocketKind IcmpEngine::socket_kind() const {
  return impl_->kind();
}
std::uint16_t IcmpEngine::ident() const {
  return impl_->ident();
}
std::size_t IcmpEngine::outstanding() const {
  return impl_->outstanding();
}

}  // namespace pathwatch::agent
