// Endpoint failover deadlines.
#include "agent/publish/endpoint_failover.hpp"

#include <algorithm>

namespace pathwatch::agent {

EndpointFailover::EndpointFailover(std::size_t count, shared::Nanos timeout)
    : count_(std::max<std::size_t>(count, 1)), timeout_(timeout), stretched_(timeout) {}

void EndpointFailover::heard(shared::MonoNanos now) {
  last_heard_ = std::max(last_heard_, now);
}

void EndpointFailover::opened(shared::MonoNanos now, double jitter01) {
  last_heard_ = now;
  const double j = std::clamp(jitter01, 0.0, 1.0);
  stretched_ = timeout_ + shared::Nanos{static_cast<shared::Nanos::rep>(
                              static_cast<double>(timeout_.count()) * 0.2 * j)};
}

bool EndpointFailover::due(shared::MonoNanos now) {
  if (count_ < 2 || now - last_heard_ < stretched_) return false;
  current_ = (current_ + 1) % count_;
  return true;
}

}  // namespace pathwatch::agent
