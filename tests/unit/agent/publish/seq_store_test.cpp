// SeqStore: a damaged next_seq file is recovered (never fatal), a reservation that cannot be
// written removes the file (so no later run trusts a stale one) and is logged at most once a
// minute, and what is written is exactly the reservation.
#include "agent/publish/seq_store.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/unit/agent/spool/spool_test_support.hpp"

namespace pathwatch::agent {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

struct SeqStoreTest : ::testing::Test {
  testing::TempDir tmp;
  shared::ManualClock clock{shared::from_unix_nanos(1'700'000'000'000'000'000)};
  std::string file() const { return tmp.spool() + "/next_seq"; }
  void make_dir() { fs::create_directories(tmp.spool()); }
};

TEST_F(SeqStoreTest, NoFileMeansNoReservation) {
  SeqStore store(tmp.spool(), clock);
  EXPECT_FALSE(store.persisted());
}

TEST_F(SeqStoreTest, ReservesABlockAheadAndACleanStopWritesTheExactNextSeq) {
  {
    SeqStore store(tmp.spool(), clock);
    ASSERT_TRUE(store.start_at(100));
    EXPECT_EQ(read_file(file()), "1124\n");  // 100 + 1024 (kBlock)
    EXPECT_TRUE(store.reserve(1123));        // inside the block: no write
    EXPECT_EQ(store.counters().writes, 1u);
    EXPECT_TRUE(store.reserve(1124));  // the next block: 1124 + 1024
    EXPECT_EQ(read_file(file()), "2148\n");
    EXPECT_TRUE(store.close(1200));
  }
  SeqStore again(tmp.spool(), clock);
  EXPECT_EQ(again.persisted(), 1200u);
}

TEST_F(SeqStoreTest, AnEmptyFileIsRecoveredNotFatal) {
  make_dir();
  write_file(file(), "");  // today's code throws: the agent cannot start
  SeqStore store(tmp.spool(), clock);
  EXPECT_FALSE(store.persisted());
  EXPECT_EQ(store.counters().unreadable_files, 1u);
  EXPECT_TRUE(store.start_at(5000));
  EXPECT_EQ(read_file(file()), "6024\n");
}

TEST_F(SeqStoreTest, ATornFileIsRecoveredNotFatal) {
  make_dir();
  // A power cut can leave the start of a write, or zero-filled pages.
  for (const std::string& torn : {std::string("12"), std::string("12\0\0\n", 5), std::string("0\n"),
                                  std::string("x\n"), std::string("99999999999999999999999\n")}) {
    write_file(file(), torn);
    SeqStore store(tmp.spool(), clock);
    EXPECT_FALSE(store.persisted()) << torn;
  }
}

TEST_F(SeqStoreTest, AFailedReservationRemovesTheFileAndIsLoggedOnceAMinute) {
  {
    SeqStore store(tmp.spool(), clock);
    ASSERT_TRUE(store.start_at(1));  // next_seq = 1025
  }
  // A directory where the temp file must go: every write fails (as on a full disk).
  fs::create_directory(file() + ".tmp");
  SeqStore store(tmp.spool(), clock);
  ASSERT_EQ(store.persisted(), 1025u);
  EXPECT_FALSE(store.start_at(1025));
  // The old reservation (1025) promised less than what this run uses: it must be gone, so
  // the next start takes the clock floor instead of reusing seqs.
  EXPECT_FALSE(fs::exists(file()));
  // 10,000 messages over 10 minutes: retries at most once a second, one error line a minute.
  for (std::uint64_t seq = 1025; seq < 11025; ++seq) {
    store.reserve(seq);
    clock.advance(60ms);
  }
  EXPECT_LE(store.counters().write_errors, 601u);  // 600 s of retries, 1 s apart, + the first
  EXPECT_GE(store.counters().write_errors, 500u);
  EXPECT_EQ(store.counters().error_lines, 10u);  // 0, 60, ..., 540 s
  EXPECT_FALSE(fs::exists(file()));
  // The disk works again: the next reservation covers everything used so far.
  fs::remove(file() + ".tmp");
  clock.advance(1s);
  EXPECT_TRUE(store.reserve(11025));
  EXPECT_EQ(read_file(file()), "12049\n");
}

TEST_F(SeqStoreTest, ACleanStopThatCannotWriteKeepsAReservationThatStillCoversEverything) {
  {
    SeqStore store(tmp.spool(), clock);
    ASSERT_TRUE(store.start_at(1));  // next_seq = 1025
  }
  SeqStore store(tmp.spool(), clock);
  ASSERT_EQ(store.persisted(), 1025u);
  ASSERT_TRUE(store.start_at(1025));      // 2049
  fs::create_directory(file() + ".tmp");  // from now on every write fails
  EXPECT_FALSE(store.close(1500));        // 1025..1499 used: 2049 still covers them
  EXPECT_EQ(read_file(file()), "2049\n");
}

TEST_F(SeqStoreTest, WithoutADirectoryNothingIsPersisted) {
  SeqStore store("", clock);
  EXPECT_FALSE(store.persisted());
  EXPECT_TRUE(store.start_at(7));
  EXPECT_TRUE(store.reserve(5000));
  EXPECT_TRUE(store.close(5001));
}

}  // namespace
}  // namespace pathwatch::agent
