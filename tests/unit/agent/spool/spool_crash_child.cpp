// The process the crash test kills: opens the spool in argv[1], resumes numbering above what
// it holds, and pushes entries in a loop (every 7th an event), acknowledging now and then.
// After each push() returns it writes "P seq" to stdout (a pipe to the test), after each
// ack() "A seq", so the test knows what the spool must hold when SIGKILL arrives.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "agent/spool/disk_spool.hpp"
#include "shared/time/clock.hpp"
#include "tests/unit/agent/spool/spool_test_support.hpp"

namespace {

void report(char kind, std::uint64_t seq) {
  char line[32];
  const int n =
      std::snprintf(line, sizeof line, "%c %llu\n", kind, static_cast<unsigned long long>(seq));
  // One write(2) per line: unbuffered, so nothing reported is still in this process.
  if (::write(STDOUT_FILENO, line, static_cast<std::size_t>(n)) != n) std::_Exit(3);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace pathwatch::agent;
  if (argc != 3) return 2;
  pathwatch::shared::SystemClock clock;
  DiskSpoolOptions options;
  options.directory = argv[1];
  options.max_bytes = 1ull << 30;
  options.segment_bytes = 64 << 10;  // many segment rotations within one run
  DiskSpool spool(options, clock);
  const std::uint64_t count = std::strtoull(argv[2], nullptr, 10);
  const std::uint64_t first = spool.resume_seq(1);
  report('S', first);
  for (std::uint64_t seq = first; seq < first + count; ++seq) {
    spool.push(testing::entry(seq, seq % 7 == 0 ? MessageClass::kEvent : MessageClass::kSummary));
    report('P', seq);
    if (seq % 50 == 0) {
      spool.ack(seq - 25);
      report('A', seq - 25);
    }
  }
  return 0;
}
