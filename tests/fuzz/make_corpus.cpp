// Writes the fuzz seeds under tests/fuzz/corpus/: serialized Envelopes of every body type (as an
// agent sends them), multi-frame sessions, hostile frames, and ICMP packets built by the agent's
// own packet code. Run by hand after a schema change: fuzz_make_corpus tests/fuzz/corpus
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "agent/probe/icmp_packet.hpp"
#include "pathwatch/v1/messages.pb.h"

namespace {

namespace pb = pathwatch::v1;
namespace fs = std::filesystem;

// 2026-11-01T00:00:00Z minus one hour: inside the fuzz target's acceptance window.
constexpr std::int64_t kCreated = 1'793'491'200'000'000'000 - 3'600'000'000'000;
constexpr std::int64_t kSecond = 1'000'000'000;
const std::string kFrameSeparator("\x00PWFRAME\x00", 9);

void write(const fs::path& file, const std::string& bytes) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

pb::Envelope base(std::uint64_t seq) {
  pb::Envelope e;
  e.set_schema_version(1);
  e.set_agent_id("honcho-1");
  e.set_site("honcho");
  e.set_seq(seq);
  e.set_created_unix_nanos(kCreated + static_cast<std::int64_t>(seq) * 10 * kSecond);
  return e;
}

void set_flow(pb::FlowKey* f, bool tcp) {
  f->set_target("asp-app");
  f->set_address(tcp ? "fd00:5057::30:10" : "198.18.30.10");
  f->set_path(tcp ? "backup" : "primary");
  f->set_kind(tcp ? pb::PROBE_KIND_TCP : pb::PROBE_KIND_ICMP);
  if (tcp) f->set_port(443);
}

std::vector<std::pair<std::string, pb::Envelope>> every_body() {
  std::vector<std::pair<std::string, pb::Envelope>> out;
  {
    pb::Envelope e = base(1);
    auto* h = e.mutable_hello();
    h->set_agent_version("0.1.0");
    h->set_hostname("pw-honcho");
    h->set_started_unix_nanos(kCreated);
    h->set_window_ns(10 * kSecond);
    auto* p = h->add_paths();
    p->set_name("primary");
    p->set_interface("eth1");
    auto* b = h->add_paths();
    b->set_name("backup");
    b->set_source_address("198.19.2.1");
    b->set_fwmark(2);
    auto* t = h->add_targets();
    t->set_name("asp-app");
    t->set_address("198.18.30.10");
    t->add_paths("primary");
    t->add_paths("backup");
    t->add_kinds(pb::PROBE_KIND_ICMP);
    t->add_kinds(pb::PROBE_KIND_TCP);
    t->add_tcp_ports(443);
    t->set_interval_ns(kSecond);
    out.emplace_back("hello", e);
  }
  for (const bool tcp : {false, true}) {
    pb::Envelope e = base(2);
    auto* w = e.mutable_window();
    set_flow(w->mutable_flow(), tcp);
    w->set_start_unix_nanos(e.created_unix_nanos() - 10 * kSecond);
    w->set_end_unix_nanos(e.created_unix_nanos());
    w->set_sent(10);
    w->set_received(9);
    w->set_lost(1);
    w->set_duplicates(1);
    w->set_reordered(1);
    auto* r = w->mutable_rtt();
    r->set_min_ns(800'000);
    r->set_avg_ns(1'200'000);
    r->set_max_ns(3'000'000);
    r->set_p99_ns(2'900'000);
    r->set_jitter_rfc3550_ns(150'000);
    if (tcp) {
      w->mutable_tcp()->set_ok(8);
      w->mutable_tcp()->set_timeout(1);
      w->mutable_tcp()->set_refused(1);
    }
    auto* ie = w->add_icmp_errors();
    ie->set_router("198.18.1.1");
    ie->set_type(3);
    ie->set_code(1);
    ie->set_count(1);
    w->set_state(pb::PATH_STATE_DEGRADED);
    auto* ic = w->add_interfaces();
    ic->set_interface("eth1");
    ic->set_oper_up(true);
    ic->set_rx_errors(2);
    out.emplace_back(tcp ? "window_tcp" : "window_icmp", e);
  }
  {
    pb::Envelope e = base(3);
    auto* c = e.mutable_state_change();
    set_flow(c->mutable_flow(), false);
    c->set_from(pb::PATH_STATE_UP);
    c->set_to(pb::PATH_STATE_DOWN);
    c->set_at_unix_nanos(e.created_unix_nanos() - kSecond);
    c->set_reason("3 consecutive losses");
    c->set_last_tcp_outcome(pb::TCP_OUTCOME_UNREACHABLE);
    c->mutable_last_icmp_error()->set_router("198.18.1.1");
    c->mutable_last_icmp_error()->set_type(3);
    c->mutable_last_icmp_error()->set_code(13);
    c->set_last_errno(113);
    out.emplace_back("state_change", e);
  }
  {
    pb::Envelope e = base(4);
    auto* c = e.mutable_route_change();
    c->set_prefix("198.18.30.0/24");
    c->set_from_path("primary");
    c->set_to_path("backup");
    c->set_out_interface("eth2");
    c->set_gateway("198.19.2.254");
    c->set_at_unix_nanos(e.created_unix_nanos() - kSecond);
    c->set_source(pb::RouteChange::SOURCE_NETLINK);
    out.emplace_back("route_change", e);
  }
  {
    pb::Envelope e = base(5);
    auto* c = e.mutable_link_change();
    c->set_interface("eth1");
    c->set_path("primary");
    c->set_oper_up(false);
    c->set_at_unix_nanos(e.created_unix_nanos() - kSecond);
    out.emplace_back("link_change", e);
  }
  {
    pb::Envelope e = base(6);
    auto* h = e.mutable_heartbeat();
    h->set_at_unix_nanos(e.created_unix_nanos());
    h->set_spool_messages(12);
    h->set_spool_bytes(4096);
    out.emplace_back("heartbeat", e);
  }
  {
    pb::Envelope e = base(20);
    auto* d = e.mutable_drop_report();
    d->set_dropped_summaries(10);
    d->set_dropped_events(2);
    d->set_first_dropped_seq(7);
    d->set_last_dropped_seq(19);
    d->set_first_dropped_unix_nanos(kCreated);
    d->set_last_dropped_unix_nanos(kCreated + 60 * kSecond);
    out.emplace_back("drop_report", e);
  }
  return out;
}

void ingest_corpus(const fs::path& dir) {
  fs::create_directories(dir);
  std::string session;
  for (const auto& [name, e] : every_body()) {
    write(dir / ("envelope_" + name), e.SerializeAsString());
    if (!session.empty()) session += kFrameSeparator;
    session += e.SerializeAsString();
  }
  // A whole session, then the same frames again (replays) and a gap.
  write(dir / "session_every_body", session);
  write(dir / "session_replayed", session + kFrameSeparator + session);
  // Hostile frames: the collector's reply sent back as an Envelope, wrong schema, zero seq.
  pb::CollectorMessage reply;
  reply.set_schema_version(1);
  reply.mutable_ack()->set_through_seq(5);
  write(dir / "wrong_type_collector_message", reply.SerializeAsString());
  pb::Envelope v2 = every_body()[0].second;
  v2.set_schema_version(2);
  write(dir / "wrong_schema", v2.SerializeAsString());
  pb::Envelope zero = every_body()[1].second;
  zero.set_seq(0);
  write(dir / "zero_seq", zero.SerializeAsString());
  write(dir / "empty", "");
  // Batch frames (several envelopes in one message): every body in one batch, the batch
  // replayed next to single frames, a batch inside a batch, a batch with an identity of its
  // own, and one cut short.
  pb::Envelope batch;
  batch.set_schema_version(1);
  for (const auto& [name, e] : every_body())
    batch.mutable_batch()->add_envelopes(e.SerializeAsString());
  const std::string batch_bytes = batch.SerializeAsString();
  write(dir / "batch_every_body", batch_bytes);
  write(dir / "batch_replayed_with_singles", batch_bytes + kFrameSeparator +
                                                 every_body()[1].second.SerializeAsString() +
                                                 kFrameSeparator + batch_bytes);
  pb::Envelope nested;
  nested.set_schema_version(1);
  nested.mutable_batch()->add_envelopes(every_body()[1].second.SerializeAsString());
  nested.mutable_batch()->add_envelopes(batch_bytes);
  write(dir / "batch_nested", nested.SerializeAsString());
  pb::Envelope named = batch;
  named.set_agent_id("honcho-1");
  write(dir / "batch_with_identity", named.SerializeAsString());
  write(dir / "batch_truncated", batch_bytes.substr(0, batch_bytes.size() - 7));
}

std::string bytes_of(const std::vector<std::uint8_t>& v) {
  return std::string(v.begin(), v.end());
}

void icmp_corpus(const fs::path& dir) {
  using pathwatch::agent::IcmpFamily;
  fs::create_directories(dir);
  const pathwatch::agent::ProbeStamp stamp{0x0123456789abcdefULL, 7, 42};
  // Selector byte (see fuzz_icmp_packet.cpp): bit 0 family, bits 1-2 parser, bit 3 checksum.
  for (const auto family : {IcmpFamily::kV4, IcmpFamily::kV6}) {
    const bool v6 = family == IcmpFamily::kV6;
    auto req = pathwatch::agent::build_echo_request(family, 0x1234, 9, stamp, 56);
    const std::string tag = v6 ? "v6" : "v4";
    write(dir / ("message_echo_request_" + tag),
          std::string(1, static_cast<char>(v6 ? 1 : 8)) + bytes_of(req));
    auto reply = req;
    reply[0] = pathwatch::agent::icmp_types(family).echo_reply;
    if (!v6) {
      reply[2] = reply[3] = 0;
      const auto sum = pathwatch::agent::internet_checksum(reply);
      reply[2] = static_cast<std::uint8_t>(sum >> 8);
      reply[3] = static_cast<std::uint8_t>(sum & 0xFF);
    }
    write(dir / ("message_echo_reply_" + tag),
          std::string(1, static_cast<char>(v6 ? 1 : 8)) + bytes_of(reply));
    // Quoted echo (the MSG_ERRQUEUE payload) and a queued error (type, code, quote).
    write(dir / ("quoted_echo_" + tag),
          std::string(1, static_cast<char>(4 | (v6 ? 1 : 0))) + bytes_of(req));
    const std::uint8_t unreach = pathwatch::agent::icmp_types(family).dest_unreachable;
    write(dir / ("queued_error_" + tag), std::string(1, static_cast<char>(6 | (v6 ? 1 : 0))) +
                                             std::string(1, static_cast<char>(unreach)) +
                                             std::string(1, '\x01') + bytes_of(req));
  }
  // A raw IPv4 packet: 20-byte header (no options) + the echo reply.
  auto req = pathwatch::agent::build_echo_request(IcmpFamily::kV4, 0x1234, 9, stamp, 56);
  req[0] = 0;  // echo reply
  req[2] = req[3] = 0;
  const auto sum = pathwatch::agent::internet_checksum(req);
  req[2] = static_cast<std::uint8_t>(sum >> 8);
  req[3] = static_cast<std::uint8_t>(sum & 0xFF);
  std::vector<std::uint8_t> ip = {0x45, 0, 0,   0,  0,  0,  0x40, 0,  64, 1,
                                  0,    0, 198, 18, 30, 10, 198,  18, 0,  2};
  const auto total = ip.size() + req.size();
  ip[2] = static_cast<std::uint8_t>(total >> 8);
  ip[3] = static_cast<std::uint8_t>(total & 0xFF);
  ip.insert(ip.end(), req.begin(), req.end());
  write(dir / "ipv4_echo_reply", std::string(1, '\x02') + bytes_of(ip));
  // A time-exceeded from a router quoting the original IPv4 header + 28 bytes of our request.
  auto orig = pathwatch::agent::build_echo_request(IcmpFamily::kV4, 0x1234, 9, stamp, 56);
  std::vector<std::uint8_t> quoted_ip = {0x45, 0, 0,   84, 0, 0, 0x40, 0,  1,  1,
                                         0,    0, 198, 18, 0, 2, 198,  18, 30, 10};
  std::vector<std::uint8_t> te = {11, 0, 0, 0, 0, 0, 0, 0};
  te.insert(te.end(), quoted_ip.begin(), quoted_ip.end());
  te.insert(te.end(), orig.begin(), orig.end());
  const auto tsum = pathwatch::agent::internet_checksum(te);
  te[2] = static_cast<std::uint8_t>(tsum >> 8);
  te[3] = static_cast<std::uint8_t>(tsum & 0xFF);
  write(dir / "message_time_exceeded_v4", std::string(1, '\x08') + bytes_of(te));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: fuzz_make_corpus DIR (tests/fuzz/corpus)\n";
    return 2;
  }
  const fs::path root = argv[1];
  ingest_corpus(root / "fuzz_ingest");
  icmp_corpus(root / "fuzz_icmp_packet");
  return 0;
}
