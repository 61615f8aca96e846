// Crash test: a child process pushes into a DiskSpool and is killed with SIGKILL at a random
// point, several times over one directory. After each kill, reopening must find every entry
// whose push() returned (the child reported it through a pipe), in seq order, contiguous, no
// duplicates, no damage, nothing acknowledged resent beyond the last ack, and the next run
// must number above everything it held.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>
#include <sstream>

#include "agent/spool/disk_spool.hpp"
#include "shared/time/clock.hpp"
#include "tests/unit/agent/spool/spool_test_support.hpp"

namespace pathwatch::agent {
namespace {

constexpr int kRounds = 6;
constexpr std::uint64_t kChildPushes = 100'000;  // the child stops by itself after these

struct ChildReport {
  std::uint64_t start = 0;
  std::uint64_t last_push = 0;  // 0: none
  std::uint64_t last_ack = 0;
  bool started = false;
};

// Runs the child, kills it after `kill_after` report lines, reads the rest of what it wrote
// before it died. Returns what the pushes and acks that returned were.
ChildReport run_and_kill(const std::string& dir, std::uint64_t kill_after) {
  int fds[2];
  EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    const std::string count = std::to_string(kChildPushes);
    ::execl(PATHWATCH_SPOOL_CRASH_CHILD, PATHWATCH_SPOOL_CRASH_CHILD, dir.c_str(), count.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[1]);
  ChildReport r;
  std::string pending;
  std::uint64_t lines = 0;
  bool killed = false;
  char buf[4096];
  for (;;) {  // ends at EOF: the child exited or was killed
    if (!killed && lines >= kill_after) {
      ::kill(pid, SIGKILL);
      killed = true;
    }
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    pending.append(buf, static_cast<std::size_t>(n));
    std::size_t nl;
    while ((nl = pending.find('\n')) != std::string::npos) {
      std::istringstream line(pending.substr(0, nl));
      pending.erase(0, nl + 1);
      char kind;
      std::uint64_t seq;
      line >> kind >> seq;
      if (kind == 'S') {
        r.start = seq;
        r.started = true;
      } else if (kind == 'P') {
        r.last_push = seq;
      } else if (kind == 'A') {
        r.last_ack = seq;
      }
      ++lines;
    }
  }
  if (!killed) ::kill(pid, SIGKILL);
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) == 0))
      << "child status " << status;
  return r;
}

TEST(SpoolCrash, SigkillAtRandomMomentsLosesNothingThatPushReturnedFor) {
  testing::TempDir dir;
  const std::uint32_t seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  std::uniform_int_distribution<std::uint64_t> when(0, 4000);

  shared::ManualClock clock;
  std::uint64_t highest_seen = 0;  // across rounds
  std::uint64_t acked_before = 0;  // acknowledged as of the previous round
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const ChildReport r = run_and_kill(dir.spool(), when(rng));
    if (r.started) {
      EXPECT_EQ(r.start, highest_seen + 1) << "the child must number above what the spool held";
    }
    DiskSpoolOptions options;
    options.directory = dir.spool();
    options.max_bytes = 1ull << 30;
    DiskSpool spool(options, clock);
    EXPECT_EQ(spool.counters().corrupt_records, 0u);
    // A kill mid-write may leave a torn tail (only if write(2) itself was cut); never damage.

    // The ack after the last reported one may have happened without being reported.
    const std::uint64_t acked = spool.acked_through();
    const std::uint64_t floor = std::max(acked_before, r.last_ack);
    EXPECT_GE(acked, floor);
    if (r.last_push > 0) {
      EXPECT_LE(acked, r.last_push + 1);
    }
    const std::uint64_t last_pushed = std::max(r.last_push, highest_seen);
    std::uint64_t expect = acked + 1;
    std::uint64_t at = 0;
    for (std::uint64_t i = 0; i < 2 * kChildPushes * kRounds; ++i) {
      const OutboxEntry* e = spool.next_after(at);
      if (e == nullptr) break;
      ASSERT_EQ(e->seq, expect) << "missing or duplicated seq";
      ASSERT_EQ(e->frame, testing::frame_for(e->seq));
      ASSERT_EQ(e->message_class, e->seq % 7 == 0 ? MessageClass::kEvent : MessageClass::kSummary);
      at = e->seq;
      ++expect;
    }
    const std::uint64_t last_found = expect - 1;
    // Every reported push is there; at most one more (pushed, killed before reporting).
    EXPECT_GE(last_found, last_pushed);
    EXPECT_LE(last_found, last_pushed + 1);
    EXPECT_EQ(spool.highest_seq(), std::max(last_found, acked));
    highest_seen = spool.highest_seq();
    acked_before = acked;
  }
}

}  // namespace
}  // namespace pathwatch::agent
