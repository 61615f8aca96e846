// The real engines on loopback (127.0.0.1, ::1): sockets, kernel timestamps, matching and
// outcome classes end to end. No sleeping: the io_context runs until every result is in,
// bounded by a generous deadline. Skipped where ICMP sockets are not allowed (not root and
// net.ipv4.ping_group_range excludes us).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cerrno>
#include <stdexcept>
#include <vector>

#include "agent/probe/icmp_engine.hpp"
#include "agent/probe/probe_factory.hpp"
#include "agent/probe/tcp_engine.hpp"

namespace pathwatch::agent {
namespace {

using namespace std::chrono_literals;

// Runs `io` until `done()` or 5 s of real time (a bound, not an expectation).
template <typename Done>
void run_until(boost::asio::io_context& io, Done done) {
  const auto until = std::chrono::steady_clock::now() + 5s;
  while (!done() && std::chrono::steady_clock::now() < until) {
    io.run_for(10ms);
    io.restart();
  }
}

bool ipv6_loopback_available() {
  const int fd = ::socket(AF_INET6, SOCK_DGRAM, 0);
  if (fd < 0) return false;
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_loopback;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

PathConfig named_path(const char* name) {
  PathConfig p;
  p.name = name;
  return p;
}

FlowSpec flow(FlowId id, const char* address, std::uint16_t port = 0) {
  FlowSpec f;
  f.id = id;
  f.address = boost::asio::ip::make_address(address);
  f.port = port;
  f.settings.timeout = 2s;
  return f;
}

class LoopbackTest : public ::testing::Test {
 protected:
  boost::asio::io_context io_;
  shared::SystemClock clock_;
  PathConfig path_ = named_path("loopback");
  std::vector<ProbeResult> results_;
  ProbeResultSink sink() {
    return [this](const ProbeResult& r) { results_.push_back(r); };
  }

  std::unique_ptr<IcmpEngine> icmp_or_skip(bool ipv6, std::vector<ProbeResult>& out) {
    try {
      return std::make_unique<IcmpEngine>(
          io_, path_, ipv6, [&out](const ProbeResult& r) { out.push_back(r); }, clock_);
    } catch (const std::runtime_error& e) {
      return nullptr;
    }
  }
};

TEST_F(LoopbackTest, IcmpEchoV4) {
  auto engine = icmp_or_skip(false, results_);
  if (!engine) GTEST_SKIP() << "no ICMP socket allowed here";
  const FlowSpec f = flow(1, "127.0.0.1");
  for (std::uint64_t seq = 1; seq <= 5; ++seq) engine->send(f, seq);
  run_until(io_, [&] { return results_.size() >= 5; });
  // 5 probes sent -> exactly 5 results, all ok, in any order, each with an RTT.
  ASSERT_EQ(results_.size(), 5u);
  for (const ProbeResult& r : results_) {
    EXPECT_EQ(r.flow, 1u);
    EXPECT_EQ(r.outcome, Outcome::kOk) << to_string(r.outcome);
    EXPECT_TRUE(r.rtt.has_value());
    EXPECT_FALSE(r.duplicate);
    EXPECT_FALSE(r.late);
  }
  EXPECT_EQ(engine->ignored().malformed, 0u);
  EXPECT_EQ(engine->ignored().send_errors, 0u);
  EXPECT_EQ(engine->outstanding(), 0u);
}

TEST_F(LoopbackTest, IcmpEchoV6) {
  if (!ipv6_loopback_available()) GTEST_SKIP() << "no IPv6 loopback";
  auto engine = icmp_or_skip(true, results_);
  if (!engine) GTEST_SKIP() << "no ICMPv6 socket allowed here";
  const FlowSpec f = flow(2, "::1");
  for (std::uint64_t seq = 1; seq <= 3; ++seq) engine->send(f, seq, seq == 3 ? 1 : 0);
  run_until(io_, [&] { return results_.size() >= 3; });
  ASSERT_EQ(results_.size(), 3u);  // 3 probes, one of them with hop limit 1 (still local)
  for (const ProbeResult& r : results_) EXPECT_EQ(r.outcome, Outcome::kOk);
}

TEST_F(LoopbackTest, TwoPingersOnOneHostKeepTheirOwnReplies) {
  // Two engines (as two paths, or an agent beside the system ping): raw sockets see each
  // other's replies; each must still get exactly its own 4 results.
  std::vector<ProbeResult> a_results, b_results;
  auto a = icmp_or_skip(false, a_results);
  auto b = icmp_or_skip(false, b_results);
  if (!a || !b) GTEST_SKIP() << "no ICMP socket allowed here";
  const FlowSpec f = flow(1, "127.0.0.1");  // same flow id and seqs in both: only token differs
  for (std::uint64_t seq = 1; seq <= 4; ++seq) {
    a->send(f, seq);
    b->send(f, seq);
  }
  run_until(io_, [&] { return a_results.size() >= 4 && b_results.size() >= 4; });
  ASSERT_EQ(a_results.size(), 4u);
  ASSERT_EQ(b_results.size(), 4u);
  for (const auto* rs : {&a_results, &b_results}) {
    for (const ProbeResult& r : *rs) {
      EXPECT_EQ(r.outcome, Outcome::kOk);
      EXPECT_FALSE(r.duplicate);  // the other engine's reply to the same (flow, seq) is not ours
    }
  }
  if (a->socket_kind() == IcmpSocketKind::kRaw) {
    // Each raw socket saw the other's 4 replies (and perhaps other pingers' on this host).
    EXPECT_GE(a->ignored().foreign_replies, 4u);
    EXPECT_GE(b->ignored().foreign_replies, 4u);
  }
}

TEST_F(LoopbackTest, IcmpWrongFamilyIsOneErrorResultNotAThrow) {
  auto engine = icmp_or_skip(false, results_);
  if (!engine) GTEST_SKIP() << "no ICMP socket allowed here";
  engine->send(flow(4, "::1"), 1);  // an IPv6 target on the IPv4 engine: a scheduler bug
  EXPECT_TRUE(results_.empty());    // never delivered from inside send()
  run_until(io_, [&] { return !results_.empty(); });
  ASSERT_EQ(results_.size(), 1u);
  EXPECT_EQ(results_[0].outcome, Outcome::kError);
  EXPECT_EQ(results_[0].error_number, EAFNOSUPPORT);
  EXPECT_EQ(engine->ignored().send_errors, 1u);
}

TEST_F(LoopbackTest, IcmpSameProbeTwiceIsSentOnce) {
  auto engine = icmp_or_skip(false, results_);
  if (!engine) GTEST_SKIP() << "no ICMP socket allowed here";
  const FlowSpec f = flow(5, "127.0.0.1");
  engine->send(f, 1);
  engine->send(f, 1);
  run_until(io_, [&] { return !results_.empty(); });
  io_.run_for(20ms);  // a second result, if any, would be delivered by now on loopback
  ASSERT_EQ(results_.size(), 1u);
  EXPECT_EQ(results_[0].outcome, Outcome::kOk);
  EXPECT_EQ(engine->ignored().send_errors, 1u);
}

TEST_F(LoopbackTest, IcmpEngineDestroyedWithProbesInFlight) {
  auto engine = icmp_or_skip(false, results_);
  if (!engine) GTEST_SKIP() << "no ICMP socket allowed here";
  engine->send(flow(1, "127.0.0.1"), 1);
  engine->send(flow(1, "::1"), 2);  // posts an error result
  engine.reset();  // pending handlers must not touch the destroyed engine (ASan checks)
  io_.run_for(50ms);
  EXPECT_TRUE(results_.empty());
}

TEST_F(LoopbackTest, TcpOpenPortIsOk) {
  boost::asio::ip::tcp::acceptor listener(
      io_, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  const std::uint16_t port = listener.local_endpoint().port();
  auto engine = make_tcp_engine(io_, path_, sink(), clock_);
  engine->send(flow(7, "127.0.0.1", port), 1);
  run_until(io_, [&] { return !results_.empty(); });
  ASSERT_EQ(results_.size(), 1u);
  EXPECT_EQ(results_[0].outcome, Outcome::kOk);
  EXPECT_TRUE(results_[0].rtt.has_value());
  EXPECT_EQ(results_[0].flow, 7u);
}

TEST_F(LoopbackTest, TcpClosedPortIsRefused) {
  // A port that was just free: bind to port 0, note it, close. Nothing listens there.
  std::uint16_t port = 0;
  {
    boost::asio::ip::tcp::acceptor a(
        io_, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
    port = a.local_endpoint().port();
  }
  auto engine = make_tcp_engine(io_, path_, sink(), clock_);
  engine->send(flow(8, "127.0.0.1", port), 1);
  run_until(io_, [&] { return !results_.empty(); });
  ASSERT_EQ(results_.size(), 1u);
  EXPECT_EQ(results_[0].outcome, Outcome::kRefused);
  EXPECT_FALSE(results_[0].icmp);  // an RST, not an ICMP error
  EXPECT_TRUE(results_[0].rtt.has_value());
}

TEST_F(LoopbackTest, TcpV6OpenPortIsOk) {
  if (!ipv6_loopback_available()) GTEST_SKIP() << "no IPv6 loopback";
  boost::asio::ip::tcp::acceptor listener(
      io_, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("::1"), 0));
  auto engine = make_tcp_engine(io_, path_, sink(), clock_);
  engine->send(flow(9, "::1", listener.local_endpoint().port()), 1);
  run_until(io_, [&] { return !results_.empty(); });
  ASSERT_EQ(results_.size(), 1u);
  EXPECT_EQ(results_[0].outcome, Outcome::kOk);
}

TEST_F(LoopbackTest, UnknownInterfaceIsAStartupError) {
  PathConfig p = named_path("backup");
  p.interface = "nosuchdev0";
  try {
    make_tcp_engine(io_, p, sink(), clock_);
    FAIL() << "expected a start-up error";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "path 'backup': SO_BINDTODEVICE nosuchdev0: No such device");
  }
}

TEST_F(LoopbackTest, SourceOfOtherFamilyIsAStartupError) {
  PathConfig p = named_path("primary");
  p.source_address = "127.0.0.1";
  try {
    IcmpEngine engine(io_, p, true, sink(), clock_);
    FAIL() << "expected a start-up error";
  } catch (const std::runtime_error& e) {
    // Either the socket could not be opened at all, or the family check fired.
    EXPECT_NE(std::string(e.what()).find("path 'primary'"), std::string::npos) << e.what();
  }
}

TEST_F(LoopbackTest, EngineDestroyedWithProbesInFlight) {
  auto engine = make_tcp_engine(io_, path_, sink(), clock_);
  boost::asio::ip::tcp::acceptor listener(
      io_, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  engine->send(flow(1, "127.0.0.1", listener.local_endpoint().port()), 1);
  engine.reset();  // pending handlers must not touch the destroyed engine (ASan checks)
  io_.run_for(50ms);
  EXPECT_TRUE(results_.empty());
}

}  // namespace
}  // namespace pathwatch::agent
