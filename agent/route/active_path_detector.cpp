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
  settings_.none_after_misses = std::max<std::uint32_t>(1, settings_.none_after_misses);
  for (const auto& [hop, line] : path.line_hops) line_hops_[canonical(hop)] = line;
}

std::optional<RouteChangeEvent> ActivePathDetector::on_result(const ProbeResult& result) {
  if (result.duplicate || result.late) {
    ++counters_.ignored;
    return std::nullopt;
  }
  const shared::UtcNanos at = result.sent_utc + result.rtt.value_or(shared::Nanos{0});

  if (result.outcome == Outcome::kOk) {
    ++counters_.direct_replies;
    return std::nullopt;
  }

  const bool answered =
      result.outcome == Outcome::kTimeExceeded && result.icmp && !result.icmp->router.empty();
  if (!answered) {
    ++counters_.misses;
    ++miss_streak_;
    if (miss_streak_ >= settings_.none_after_misses && (!known_ || !path_.empty())) {
      candidate_.clear();
      candidate_router_.clear();
      candidate_count_ = 0;
      return decide("", "", at);
    }
    return std::nullopt;
  }

  miss_streak_ = 0;
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
  candidate_router_ = router;
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
