// Segment validation: walk length-prefixed records; on damage, look for the next intact
// record (magic + plausible header + matching CRC). Damage with nothing intact after it is a
// torn tail; damage followed by intact records is corruption, skipped and counted.
#include "agent/spool/segment_scan.hpp"

#include <cstring>

#include "agent/spool/spool_record.hpp"

namespace pathwatch::agent {
namespace {

// The record at `off` if it is whole and intact.
bool intact_at(std::string_view data, std::size_t off, SpoolRecordHeader& h) {
  if (data.size() - off < kSpoolHeaderBytes) return false;
  if (!decode_spool_header(data.data() + off, h)) return false;
  if (data.size() - off - kSpoolHeaderBytes < h.frame_len) return false;
  return spool_record_intact(data.data() + off, h,
                             data.substr(off + kSpoolHeaderBytes, h.frame_len));
}

std::size_t find_next_intact(std::string_view data, std::size_t from) {
  char magic[4];
  for (int i = 0; i < 4; ++i) magic[i] = static_cast<char>((kSpoolMagic >> (8 * i)) & 0xff);
  const std::string_view needle(magic, 4);
  SpoolRecordHeader h;
  for (std::size_t p = data.find(needle, from); p != std::string_view::npos;
       p = data.find(needle, p + 1)) {
    if (intact_at(data, p, h)) return p;
  }
  return std::string_view::npos;
}

}  // namespace

SegmentScan scan_spool_segment(std::string_view data, std::uint64_t after_seq) {
  SegmentScan scan;
  std::uint64_t last_seq = after_seq;
  std::size_t off = 0;
  while (off < data.size()) {
    SpoolRecordHeader h;
    if (intact_at(data, off, h)) {
      const std::size_t size = kSpoolHeaderBytes + h.frame_len;
      if (h.seq <= last_seq) {
        ++scan.corrupt_records;
        scan.corrupt_bytes += size;
      } else {
        scan.records.push_back({h.seq, h.created_unix_nanos, static_cast<std::uint32_t>(off),
                                h.frame_len, h.message_class});
        last_seq = h.seq;
      }
      off += size;
      scan.valid_end = off;
      continue;
    }
    const std::size_t next = find_next_intact(data, off + 1);
    if (next == std::string_view::npos) {
      scan.torn_tail = true;
      scan.torn_bytes = data.size() - off;
      break;
    }
    ++scan.corrupt_records;
    scan.corrupt_bytes += next - off;
    off = next;
  }
  return scan;
}

}  // namespace pathwatch::agent
