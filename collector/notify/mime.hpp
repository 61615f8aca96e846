// The pieces of an Internet message that need encoding: base64 (RFC 2045), encoded words for
// non-ASCII header text (RFC 2047, UTF-8 "B" encoding) and the RFC 5322 date.
#pragma once

#include <string>
#include <string_view>

#include "shared/time/time_types.hpp"

namespace pathwatch::collector::notify {

// Standard alphabet with padding; line_length > 0 breaks lines with CRLF every that many chars.
std::string base64_encode(std::string_view bytes, std::size_t line_length = 0);

// Header text: returned as is when it is printable ASCII; otherwise one or more
// "=?UTF-8?B?...?=" words folded with CRLF + space. Each word carries at most 39 bytes of text
// (52 base64 characters, a 64-character word) and never splits a UTF-8 character, so a
// "Subject: " line stays within RFC 2047's 76 characters.
std::string encode_header_text(std::string_view utf8);

// "Mon, 23 Nov 2026 14:05:09 +0900": RFC 5322 section 3.3, in JST (the operators' zone).
std::string format_rfc5322_date(shared::UtcNanos t);

// True when the text holds no CR, LF or NUL (no header injection through configured values).
bool is_single_line(std::string_view text);

}  // namespace pathwatch::collector::notify
