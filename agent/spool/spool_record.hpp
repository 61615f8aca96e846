// The on-disk form of one spooled message: a fixed 32-byte little-endian header (magic, frame
// length, seq, created time, class, CRC32 of header and frame) followed by the frame bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "agent/publish/outbox.hpp"

namespace pathwatch::agent {

inline constexpr std::size_t kSpoolHeaderBytes = 32;
// "PWS1": marks a record start, so a reader can find the next record after a damaged one.
inline constexpr std::uint32_t kSpoolMagic = 0x31535750;
// Larger lengths are damage, not frames (an Envelope is a few hundred bytes).
inline constexpr std::uint32_t kSpoolMaxFrameBytes = 16u << 20;

struct SpoolRecordHeader {
  std::uint32_t frame_len = 0;
  std::uint64_t seq = 0;
  std::int64_t created_unix_nanos = 0;
  MessageClass message_class = MessageClass::kSummary;
  std::uint32_t crc = 0;
};

// Appends the record (header + frame) for `entry` to `out`.
void encode_spool_record(const OutboxEntry& entry, std::string& out);

// Reads a header from `kSpoolHeaderBytes` bytes. False if the magic, class or length is
// impossible (the bytes are not a record start).
bool decode_spool_header(const char* bytes, SpoolRecordHeader& header);

// True if `frame` (header.frame_len bytes) matches the header's checksum.
bool spool_record_intact(const char* header_bytes, const SpoolRecordHeader& header,
                         std::string_view frame);

}  // namespace pathwatch::agent
