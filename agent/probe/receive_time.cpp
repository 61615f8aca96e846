// Kernel receive stamp -> monotonic arrival instant (see the header for why).
#include "agent/probe/receive_time.hpp"

namespace pathwatch::agent {

shared::MonoNanos arrival_mono(std::optional<shared::UtcNanos> kernel_stamp,
                               shared::UtcNanos utc_now, shared::MonoNanos mono_now,
                               shared::Nanos max_delay) {
  if (!kernel_stamp) return mono_now;
  const shared::Nanos rx_delay = utc_now - *kernel_stamp;
  if (rx_delay < shared::Nanos{0} || rx_delay > max_delay) return mono_now;
  return mono_now - rx_delay;
}

}  // namespace pathwatch::agent
