#include "collector/notify/mime.hpp"

#include <fmt/format.h>

#include "shared/time/jst.hpp"

namespace pathwatch::collector::notify {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::size_t kWordBytes = 39;

bool printable_ascii(std::string_view text) {
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u > 0x7e) return false;
  }
  // "=?" would be read as the start of an encoded word by the receiver.
  return text.find("=?") == std::string_view::npos;
}

// Length of the UTF-8 sequence starting with this byte (1 for stray continuation bytes).
std::size_t utf8_length(unsigned char lead) {
  if (lead >= 0xf0) return 4;
  if (lead >= 0xe0) return 3;
  if (lead >= 0xc0) return 2;
  return 1;
}

}  // namespace

std::string base64_encode(std::string_view bytes, std::size_t line_length) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4 + (line_length ? bytes.size() / line_length * 2 : 0));
  std::size_t column = 0;
  auto put = [&](char c) {
    if (line_length > 0 && column == line_length) {
      out += "\r\n";
      column = 0;
    }
    out += c;
    ++column;
  };
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = static_cast<unsigned char>(bytes[i]) << 16 |
                            static_cast<unsigned char>(bytes[i + 1]) << 8 |
                            static_cast<unsigned char>(bytes[i + 2]);
    put(kAlphabet[(v >> 18) & 63]);
    put(kAlphabet[(v >> 12) & 63]);
    put(kAlphabet[(v >> 6) & 63]);
    put(kAlphabet[v & 63]);
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    std::uint32_t v = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    put(kAlphabet[(v >> 18) & 63]);
    put(kAlphabet[(v >> 12) & 63]);
    put(rest == 2 ? kAlphabet[(v >> 6) & 63] : '=');
    put('=');
  }
  return out;
}

std::string encode_header_text(std::string_view utf8) {
  if (printable_ascii(utf8)) return std::string(utf8);
  std::string out;
  std::size_t start = 0;
  while (start < utf8.size()) {
    std::size_t end = start;
    while (end < utf8.size()) {
      const std::size_t len = utf8_length(static_cast<unsigned char>(utf8[end]));
      if (end + len - start > kWordBytes) break;
      end += len;
    }
    if (end == start) end = std::min(utf8.size(), start + kWordBytes);  // malformed input
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64_encode(utf8.substr(start, end - start)) + "?=";
    start = end;
  }
  return out;
}

std::string format_rfc5322_date(shared::UtcNanos t) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto c = shared::to_jst(t);
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(c.time_of_day).count();
  return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} +0900", kDays[c.weekday.c_encoding()],
                     static_cast<unsigned>(c.date.day()),
                     kMonths[static_cast<unsigned>(c.date.month()) - 1],
                     static_cast<int>(c.date.year()), secs / 3600, (secs / 60) % 60, secs % 60);
}

bool is_single_line(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

}  // namespace pathwatch::collector::notify
