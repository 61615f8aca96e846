// Maps a kernel receive timestamp (CLOCK_REALTIME, from SO_TIMESTAMPNS) onto CLOCK_MONOTONIC,
// so RTTs are monotonic differences and never differences of wall-clock readings.
#pragma once

#include <optional>

#include "shared/time/time_types.hpp"

namespace pathwatch::agent {

// Why this way: the kernel stamps packets on arrival with the wall clock only, while send
// times are monotonic. At read time we measure how long the packet waited in the socket,
// rx_delay = utc_now - kernel_stamp (two wall readings microseconds apart, so an NTP step or
// slew between them is practically impossible), and place the arrival on the monotonic axis
// as mono_now - rx_delay. A clock step between the stamp and the read shows up as a negative
// delay or one longer than the probe has been in flight; then the stamp is not trusted and
// the arrival is the read time itself (the RTT then includes the read latency, nothing worse).
// `utc_now` and `mono_now` are read back to back, just after the packet was read.
shared::MonoNanos arrival_mono(std::optional<shared::UtcNanos> kernel_stamp,
                               shared::UtcNanos utc_now, shared::MonoNanos mono_now,
                               shared::Nanos max_delay);

}  // namespace pathwatch::agent
