// scan_spool_segment over crafted bytes: whole records, torn tails of every kind, damage in
// the middle skipped by finding the next intact record, duplicate seqs.
#include "agent/spool/segment_scan.hpp"

#include <gtest/gtest.h>

#include "agent/spool/spool_record.hpp"
#include "tests/unit/agent/spool/spool_test_support.hpp"

namespace pathwatch::agent {
namespace {

using testing::entry;

std::string records(std::initializer_list<std::uint64_t> seqs, std::size_t frame = 300) {
  std::string out;
  for (auto s : seqs) encode_spool_record(entry(s, MessageClass::kSummary, frame), out);
  return out;
}

std::vector<std::uint64_t> seqs_of(const SegmentScan& scan) {
  std::vector<std::uint64_t> out;
  for (const auto& r : scan.records) out.push_back(r.seq);
  return out;
}

TEST(SegmentScan, WholeRecordsAreAllIntact) {
  const std::string data = records({1, 2, 3});
  const SegmentScan scan = scan_spool_segment(data);
  EXPECT_EQ(seqs_of(scan), (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_EQ(scan.valid_end, 3u * 332);
  EXPECT_FALSE(scan.torn_tail);
  EXPECT_EQ(scan.records[1].offset, 332u);
  EXPECT_EQ(scan.records[1].frame_len, 300u);
}

TEST(SegmentScan, HeaderCutShortIsATornTail) {
  const std::string data = records({1, 2}) + records({3}).substr(0, 10);
  const SegmentScan scan = scan_spool_segment(data);
  EXPECT_EQ(seqs_of(scan), (std::vector<std::uint64_t>{1, 2}));
  EXPECT_TRUE(scan.torn_tail);
  EXPECT_EQ(scan.torn_bytes, 10u);
  EXPECT_EQ(scan.valid_end, 664u);
}

TEST(SegmentScan, ZeroFilledTailAfterPowerCutIsATornTail) {
  // A file whose size was extended but whose last page never reached the disk reads as zeros.
  const std::string data = records({1}) + std::string(4096, '\0');
  const SegmentScan scan = scan_spool_segment(data);
  EXPECT_EQ(seqs_of(scan), (std::vector<std::uint64_t>{1}));
  EXPECT_TRUE(scan.torn_tail);
  EXPECT_EQ(scan.torn_bytes, 4096u);
  EXPECT_EQ(scan.corrupt_records, 0u);
}

TEST(SegmentScan, DamagedHeaderInTheMiddleIsSkippedToTheNextIntactRecord) {
  std::string data = records({1, 2, 3, 4});
  data[332 + 5] ^= 0x40;  // record 2's length field: nothing lines up after it
  const SegmentScan scan = scan_spool_segment(data);
  EXPECT_EQ(seqs_of(scan), (std::vector<std::uint64_t>{1, 3, 4}));
  EXPECT_EQ(scan.corrupt_records, 1u);
  EXPECT_EQ(scan.corrupt_bytes, 332u);
  EXPECT_FALSE(scan.torn_tail);
  EXPECT_EQ(scan.valid_end, 4u * 332);
}

TEST(SegmentScan, DuplicateOrOlderSeqCountsAsDamage) {
  const std::string data = records({5, 6, 6, 4, 7});
  const SegmentScan scan = scan_spool_segment(data, /*after_seq=*/0);
  EXPECT_EQ(seqs_of(scan), (std::vector<std::uint64_t>{5, 6, 7}));
  EXPECT_EQ(scan.corrupt_records, 2u);
  EXPECT_EQ(seqs_of(scan_spool_segment(records({3, 4, 5}), /*after_seq=*/4)),
            (std::vector<std::uint64_t>{5}));
}

TEST(SegmentScan, EmptyFrameRoundTrips) {
  const SegmentScan scan = scan_spool_segment(records({9}, 0));
  ASSERT_EQ(scan.records.size(), 1u);
  EXPECT_EQ(scan.records[0].frame_len, 0u);
  EXPECT_EQ(scan.valid_end, 32u);
}

}  // namespace
}  // namespace pathwatch::agent
