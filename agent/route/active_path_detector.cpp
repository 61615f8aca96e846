// Debounced identification of the line carrying as-routed traffic from TTL-limited probes.
#include "agent/route/active_path_detector.hpp"

#include <algorithm>
#include <boost/asio/ip/address.hpp>

namespace pathwatch::agent {

namespace {

// "fd00:5057:101:0::1" and "fd00:5057:101::1" are the same router.
std::string canonical(const std::string& address) {
  boost::system::error_code ec;
  const auto parsed = boost::asio::ip::make_address(address, ec);
  return ec ? address : parsed.to_string();
}

}  // namespace

ActivePathDetector::ActivePathDetector(std::string target, const PathConfig& path,
                                       ActivePathDetectorSettings settings)
    : target_(std::move(target)), settings_(settings) {
  settings_.confirm_answers = std::max<std::uint32_t>(1, settings_.confirm_answers);
  for (const auto& [hop, line] : path.line_hops) line_hops_[canonical(hop)] = line;
}

bool ActivePathDetector::line_known() const {
  return known_ && !path_.empty() && path_ != kUnknownPath &&
         !path_.starts_with(kUnknownPathPrefix);
}

std::optional<RouteChangeEvent> ActivePathDetector::on_result(const ProbeResult& result) {
  if (result.duplicate || result.late) {
    ++counters_.ignored;
    return std::nullopt;
  }
  const shared::UtcNanos at = result.sent_utc + result.rtt.value_or(shared::Nanos{0});
  if (!evidence_at_) evidence_at_ = result.sent_utc;

  const bool answered =
      result.outcome == Outcome::kTimeExceeded && result.icmp && !result.icmp->router.empty();
  if (!answered) {
    // No router answered: rate-limited, filtered, lost, or the target itself answered (it
    // is within hop_ttl). None of these says which line carries the traffic, and none says
    // there is no line: only the lack of answers for a long while makes the line unknown.
    if (result.outcome == Outcome::kOk) {
      ++counters_.direct_replies;
    } else {
      ++counters_.misses;
    }
    if (result.sent_utc - *evidence_at_ >= settings_.unknown_after && path_ != kUnknownPath) {
      candidate_.clear();
      candidate_count_ = 0;
      return decide(kUnknownPath, "", result.sent_utc);
    }
    return std::nullopt;
  }

  evidence_at_ = at;
  std::string router = canonical(result.icmp->router);
  std::string path;
  if (const auto it = line_hops_.find(router); it != line_hops_.end()) {
    ++counters_.answers;
    path = it->second;
  } else {
    ++counters_.unknown_routers;
    path = kUnknownPathPrefix + router;
  }

  if (known_ && path == path_) {
    // Confirms the current decision; a competing candidate loses its streak.
    router_ = std::move(router);
    candidate_ = path_;
    candidate_count_ = settings_.confirm_answers;
    return std::nullopt;
  }
  if (path == candidate_) {
    ++candidate_count_;
  } else {
    candidate_ = path;
    candidate_count_ = 1;
  }
  if (candidate_count_ < settings_.confirm_answers) return std::nullopt;
  return decide(std::move(path), std::move(router), at);
}

RouteChangeEvent ActivePathDetector::decide(std::string path, std::string router,
                                            shared::UtcNanos at) {
  RouteChangeEvent event;
  event.prefix = target_;
  event.from_path = path_;
  event.to_path = path;
  event.gateway = router;
  event.at = at;
  event.source = RouteSource::kHops;
  event.initial = !known_;
  if (known_) ++counters_.changes;
  known_ = true;
  path_ = std::move(path);
  router_ = std::move(router);
  return event;
}

}  // namespace pathwatch::agent
