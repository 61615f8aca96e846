// TCP connect outcome classes from errno and the queued ICMP error.
#include "agent/probe/tcp_outcome.hpp"

#include <gtest/gtest.h>

#include <cerrno>

namespace pathwatch::agent {
namespace {

TEST(TcpOutcome, Classes) {
  EXPECT_EQ(classify_connect(0, std::nullopt, false).outcome, Outcome::kOk);
  EXPECT_EQ(classify_connect(ECONNREFUSED, std::nullopt, false).outcome, Outcome::kRefused);
  EXPECT_EQ(classify_connect(EHOSTUNREACH, std::nullopt, false).outcome, Outcome::kUnreachable);
  EXPECT_EQ(classify_connect(ENETUNREACH, std::nullopt, true).outcome, Outcome::kUnreachable);
  const ProbeAnswer e = classify_connect(EACCES, std::nullopt, false);
  EXPECT_EQ(e.outcome, Outcome::kError);
  EXPECT_EQ(e.error_number, EACCES);
}

TEST(TcpOutcome, IcmpPortUnreachableIsNotAnRst) {
  // The kernel maps ICMP port unreachable (type 3 code 3) to ECONNREFUSED; the queued ICMP
  // says a router or firewall answered, not the host: unreachable, code 3.
  const ProbeAnswer a = classify_connect(ECONNREFUSED, IcmpEvidence{"198.18.30.1", 3, 3}, false);
  EXPECT_EQ(a.outcome, Outcome::kUnreachable);
  EXPECT_EQ(a.icmp->code, 3);
  EXPECT_EQ(a.error_number, ECONNREFUSED);
}

TEST(TcpOutcome, IcmpTypesPerFamily) {
  EXPECT_EQ(classify_connect(EHOSTUNREACH, IcmpEvidence{"r", 1, 1}, false).outcome,
            Outcome::kError);  // type 1 is unassigned in ICMPv4
  EXPECT_EQ(classify_connect(EHOSTUNREACH, IcmpEvidence{"r", 1, 1}, true).outcome,
            Outcome::kUnreachable);  // ICMPv6 destination unreachable
  EXPECT_EQ(classify_connect(EHOSTUNREACH, IcmpEvidence{"r", 11, 0}, false).outcome,
            Outcome::kTimeExceeded);
  EXPECT_EQ(classify_connect(EHOSTUNREACH, IcmpEvidence{"r", 3, 0}, true).outcome,
            Outcome::kTimeExceeded);
}

TEST(TcpOutcome, KernelHandshakeRtt) {
  // tcpi_rtt 83 us, no retransmission: 83 000 ns.
  EXPECT_EQ(kernel_handshake_rtt(83, 0), std::optional<shared::Nanos>(83'000));
  EXPECT_FALSE(kernel_handshake_rtt(83, 1));  // SYN retransmitted: measure it ourselves
  EXPECT_FALSE(kernel_handshake_rtt(0, 0));   // no sample
}

TEST(TcpOutcome, TrackerPrefersKernelRtt) {
  ProbeTracker t;
  const shared::MonoNanos t0{shared::Nanos{1'000'000}};
  ASSERT_TRUE(t.start({1, 1}, shared::UtcNanos{}, t0, std::chrono::seconds{1}));
  ProbeAnswer a;
  a.received_mono = t0 + std::chrono::microseconds{150};  // completion seen by the event loop
  a.kernel_rtt = std::chrono::microseconds{83};           // SYN -> SYN-ACK in the kernel
  EXPECT_EQ(t.answer({1, 1}, a)->rtt, shared::Nanos{83'000});
}

}  // namespace
}  // namespace pathwatch::agent
