// Envelope -> StoredMessage: checks in the order an attacker's bytes meet them (size, parse,
// version, identity, seq, times), then maps the protobuf body onto the store's rows.
#include "collector/ingest/envelope_decoder.hpp"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <algorithm>

#include "pathwatch/v1/messages.pb.h"

namespace pathwatch::collector {

namespace pb = pathwatch::v1;
using shared::from_unix_nanos;

const char* to_string(RejectReason reason) {
  switch (reason) {
    case RejectReason::kOversized:
      return "oversized";
    case RejectReason::kMalformed:
      return "malformed";
    case RejectReason::kWrongSchema:
      return "wrong_schema_version";
    case RejectReason::kMissingAgent:
      return "missing_agent_id";
    case RejectReason::kMissingSite:
      return "missing_site";
    case RejectReason::kMissingBody:
      return "missing_body";
    case RejectReason::kZeroSeq:
      return "zero_seq";
    case RejectReason::kBadTimestamp:
      return "bad_timestamp";
    case RejectReason::kBadWindow:
      return "bad_window";
    case RejectReason::kUnauthorized:
      return "unauthorized";
    case RejectReason::kBadSeq:
      return "bad_seq";
    case RejectReason::kSeqReused:
      return "seq_reused";
  }
  return "unknown";
}

std::uint64_t max_seq(shared::UtcNanos received, const DecodeLimits& limits) {
  const std::int64_t latest_micros =
      (shared::to_unix_nanos(received) + limits.max_future_skew.count()) / 1000;
  return static_cast<std::uint64_t>(std::max<std::int64_t>(latest_micros, 0)) + kSeqHeadroom;
}

namespace {

FlowRef flow_of(const pb::Envelope& env, const pb::FlowKey& key) {
  FlowRef f;
  f.agent_id = env.agent_id();
  f.site = env.site();
  f.target = key.target();
  f.address = key.address();
  f.path = key.path();
  f.kind = static_cast<ProbeKind>(key.kind());
  f.port = key.port();
  return f;
}

// The identity fields (agent_id 2, site 3, seq 4) of an envelope too big to parse, read field
// by field and skipping everything else, so its reject can be told to the agent that sent it.
// Bounded: at most kMaxFields top-level fields and the bytes given; no allocation beyond the
// two strings (each capped at kMaxIdLength + 1).
void read_identity(std::span<const std::byte> bytes, DecodeResult& out) {
  namespace gp = google::protobuf;
  using gp::internal::WireFormatLite;
  constexpr int kMaxFields = 64;
  gp::io::CodedInputStream in(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                              static_cast<int>(bytes.size()));
  auto read_text = [&](std::string& into) {
    std::uint32_t length = 0;
    if (!in.ReadVarint32(&length)) return false;
    const std::uint32_t keep = std::min<std::uint32_t>(length, kMaxIdLength + 1);
    if (!in.ReadString(&into, static_cast<int>(keep))) return false;
    return in.Skip(static_cast<int>(length - keep));
  };
  for (int i = 0; i < kMaxFields; ++i) {
    const std::uint32_t tag = in.ReadTag();
    if (tag == 0) return;
    const auto type = WireFormatLite::GetTagWireType(tag);
    const int field = WireFormatLite::GetTagFieldNumber(tag);
    bool ok = true;
    if (field == 2 && type == WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      ok = read_text(out.agent_id);
    } else if (field == 3 && type == WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      ok = read_text(out.site);
    } else if (field == 4 && type == WireFormatLite::WIRETYPE_VARINT) {
      ok = in.ReadVarint64(&out.seq);
    } else {
      ok = WireFormatLite::SkipField(&in, tag);
    }
    if (!ok) return;
  }
}

PathState state_of(int wire) {
  return wire >= 0 && wire <= 4 ? static_cast<PathState>(wire) : PathState::kUnspecified;
}

}  // namespace

DecodeResult decode_envelope(std::span<const std::byte> bytes, shared::UtcNanos received,
                             const DecodeLimits& limits) {
  DecodeResult out;
  out.value = RejectReason::kMalformed;
  auto reject = [&](RejectReason r) {
    out.value = r;
    return out;
  };
  if (bytes.size() > limits.max_message_bytes) {
    read_identity(bytes, out);
    return reject(RejectReason::kOversized);
  }
  pb::Envelope env;
  if (!env.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return reject(RejectReason::kMalformed);
  }
  out.agent_id = env.agent_id().substr(0, kMaxIdLength + 1);
  out.site = env.site().substr(0, kMaxIdLength + 1);
  out.seq = env.seq();
  if (env.schema_version() != 1) return reject(RejectReason::kWrongSchema);
  if (env.agent_id().empty() || env.agent_id().size() > kMaxIdLength) {
    return reject(RejectReason::kMissingAgent);
  }
  if (env.site().empty() || env.site().size() > kMaxIdLength) {
    return reject(RejectReason::kMissingSite);
  }
  if (env.body_case() == pb::Envelope::BODY_NOT_SET) return reject(RejectReason::kMissingBody);
  if (env.seq() == 0) return reject(RejectReason::kZeroSeq);
  const std::uint64_t seq_limit = max_seq(received, limits);
  if (env.seq() > seq_limit) return reject(RejectReason::kBadSeq);
  const std::int64_t latest = shared::to_unix_nanos(received) + limits.max_future_skew.count();
  auto sane = [&](std::int64_t t) { return t >= kMinValidUnixNanos && t <= latest; };
  if (!sane(env.created_unix_nanos())) return reject(RejectReason::kBadTimestamp);

  StoredMessage m;
  m.agent_id = env.agent_id();
  m.site = env.site();
  m.seq = env.seq();
  m.created = from_unix_nanos(env.created_unix_nanos());
  m.received = received;
  switch (env.body_case()) {
    case pb::Envelope::kHello: {
      const auto& h = env.hello();
      StoredHello r;
      r.agent_id = m.agent_id;
      r.site = m.site;
      r.seq = m.seq;
      r.at = m.created;
      r.agent_version = h.agent_version();
      r.hostname = h.hostname();
      r.started = from_unix_nanos(h.started_unix_nanos());
      r.window_ns = h.window_ns();
      r.paths = static_cast<std::uint32_t>(h.paths_size());
      // A split Hello's parts each carry a share of the targets and the total.
      r.targets = h.parts() > 1 ? h.total_targets() : static_cast<std::uint32_t>(h.targets_size());
      r.incarnation = h.incarnation();
      // Above the seq limit these would give up (or await) seqs no agent can have used:
      // ignored, as from an agent older than them.
      auto plausible = [&](std::uint64_t s) { return s <= seq_limit ? s : 0; };
      r.first_seq = plausible(h.first_seq());
      r.carried_through = plausible(h.carried_through());
      r.lowest_kept_seq = plausible(h.lowest_kept_seq());
      r.part = h.part();
      r.parts = h.parts();
      m.body = std::move(r);
      break;
    }
    case pb::Envelope::kWindow: {
      const auto& w = env.window();
      if (!sane(w.start_unix_nanos()) || !sane(w.end_unix_nanos())) {
        return reject(RejectReason::kBadTimestamp);
      }
      if (w.end_unix_nanos() < w.start_unix_nanos() ||
          w.end_unix_nanos() - w.start_unix_nanos() > limits.max_window.count()) {
        return reject(RejectReason::kBadWindow);
      }
      StoredWindow r;
      r.flow = flow_of(env, w.flow());
      r.seq = m.seq;
      r.start = from_unix_nanos(w.start_unix_nanos());
      r.end = from_unix_nanos(w.end_unix_nanos());
      r.sent = w.sent();
      r.received = w.received();
      r.lost = w.lost();
      r.rtt_avg_ns = w.rtt().avg_ns();
      r.rtt_p99_ns = w.rtt().p99_ns();
      r.state = state_of(w.state());
      r.tcp_ok = w.tcp().ok();
      r.tcp_refused = w.tcp().refused();
      r.tcp_timeout = w.tcp().timeout();
      r.tcp_unreachable = w.tcp().unreachable();
      r.tcp_error = w.tcp().error();
      m.body = std::move(r);
      break;
    }
    case pb::Envelope::kStateChange: {
      const auto& c = env.state_change();
      if (!sane(c.at_unix_nanos())) return reject(RejectReason::kBadTimestamp);
      StoredStateChange r;
      r.flow = flow_of(env, c.flow());
      r.seq = m.seq;
      r.at = from_unix_nanos(c.at_unix_nanos());
      r.from = state_of(c.from());
      r.to = state_of(c.to());
      r.reason = c.reason().substr(0, 256);
      r.last_tcp_outcome = static_cast<std::uint8_t>(c.last_tcp_outcome());
      r.icmp_router = c.last_icmp_error().router();
      r.icmp_type = static_cast<std::uint8_t>(c.last_icmp_error().type());
      r.icmp_code = static_cast<std::uint8_t>(c.last_icmp_error().code());
      m.body = std::move(r);
      break;
    }
    case pb::Envelope::kRouteChange: {
      const auto& c = env.route_change();
      if (!sane(c.at_unix_nanos())) return reject(RejectReason::kBadTimestamp);
      StoredRouteChange r;
      r.agent_id = m.agent_id;
      r.site = m.site;
      r.seq = m.seq;
      r.at = from_unix_nanos(c.at_unix_nanos());
      r.prefix = c.prefix();
      r.from_path = c.from_path();
      r.to_path = c.to_path();
      r.out_interface = c.out_interface();
      r.gateway = c.gateway();
      r.source = static_cast<std::uint8_t>(c.source());
      m.body = std::move(r);
      break;
    }
    case pb::Envelope::kLinkChange: {
      const auto& c = env.link_change();
      if (!sane(c.at_unix_nanos())) return reject(RejectReason::kBadTimestamp);
      StoredLinkChange r;
      r.agent_id = m.agent_id;
      r.site = m.site;
      r.seq = m.seq;
      r.at = from_unix_nanos(c.at_unix_nanos());
      r.interface = c.interface();
      r.path = c.path();
      r.oper_up = c.oper_up();
      m.body = std::move(r);
      break;
    }
    case pb::Envelope::kHeartbeat: {
      const auto& h = env.heartbeat();
      m.body = StoredHeartbeat{m.created, h.spool_messages(), h.spool_bytes()};
      break;
    }
    case pb::Envelope::kDropReport: {
      const auto& d = env.drop_report();
      StoredDropReport r;
      r.agent_id = m.agent_id;
      r.site = m.site;
      r.seq = m.seq;
      r.at = m.created;
      r.dropped_summaries = d.dropped_summaries();
      r.dropped_events = d.dropped_events();
      r.first_dropped_seq = d.first_dropped_seq();
      r.last_dropped_seq = d.last_dropped_seq();
      r.dropped_ranges.reserve(static_cast<std::size_t>(d.dropped_ranges_size()));
      for (const auto& range : d.dropped_ranges()) {
        r.dropped_ranges.emplace_back(range.first(), range.last());
      }
      r.first_dropped = from_unix_nanos(d.first_dropped_unix_nanos());
      r.last_dropped = from_unix_nanos(d.last_dropped_unix_nanos());
      m.body = std::move(r);
      break;
    }
    case pb::Envelope::kBatch:
      // A batch is a frame, split before decoding (batch_frame.hpp); one inside another is not.
      return reject(RejectReason::kMalformed);
    case pb::Envelope::BODY_NOT_SET:
      return reject(RejectReason::kMissingBody);
  }
  out.value = std::move(m);
  return out;
}

}  // namespace pathwatch::collector
