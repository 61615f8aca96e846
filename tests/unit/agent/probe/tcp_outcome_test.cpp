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

}  // namespace
}  // namespace pathwatch::agent
