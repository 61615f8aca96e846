// Base64 (RFC 4648 test vectors), RFC 2047 encoded words and the RFC 5322 date.
#include "collector/notify/mime.hpp"

#include <gtest/gtest.h>

#include "tests/unit/collector/notify/notification_fixture.hpp"

namespace pathwatch::collector::notify {
namespace {

TEST(Base64, Rfc4648TestVectors) {
  // RFC 4648 section 10.
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
}

TEST(Base64, BreaksLinesWithCrlf) {
  // 60 bytes -> 80 characters: 76 on the first line (RFC 2045 6.8), 4 on the second.
  const std::string out = base64_encode(std::string(60, 'a'), 76);
  ASSERT_EQ(out.size(), 82u);
  EXPECT_EQ(out.substr(76, 2), "\r\n");
  EXPECT_EQ(out.find("\r\n", 78), std::string::npos);
  // Exactly 57 bytes -> 76 characters: no trailing line break.
  EXPECT_EQ(base64_encode(std::string(57, 'a'), 76).find('\r'), std::string::npos);
}

TEST(EncodedWords, AsciiStaysReadable) {
  EXPECT_EQ(encode_header_text("[pathwatch] Down: Resident records"),
            "[pathwatch] Down: Resident records");
  // "=?" would start an encoded word on the reader's side, so it is encoded.
  EXPECT_EQ(encode_header_text("a=?b"), "=?UTF-8?B?YT0/Yg==?=");
}

TEST(EncodedWords, JapaneseIsBase64Utf8) {
  // 障害 = E9 9A 9C E5 AE B3; base64 "6Zqc5a6z" (Python: base64.b64encode('障害'.encode())).
  EXPECT_EQ(encode_header_text("障害"), "=?UTF-8?B?6Zqc5a6z?=");
}

TEST(EncodedWords, LongTextSplitsOnCharacterBoundaries) {
  // 21 characters of 3 bytes = 63 bytes: 39 bytes (13 characters) in the first word, 24 in
  // the second; expected words from Python's base64 on the same byte ranges.
  const std::string text = "住民記録システムで障害が発生しました。原因";
  ASSERT_EQ(text.size(), 63u);
  const std::string first = "=?UTF-8?B?5L2P5rCR6KiY6Yyy44K344K544OG44Og44Gn6Zqc5a6z44GM55m6?=";
  const std::string second = "=?UTF-8?B?55Sf44GX44G+44GX44Gf44CC5Y6f5Zug?=";
  EXPECT_EQ(encode_header_text(text), first + "\r\n " + second);
  // "Subject: " + the first word fits RFC 2047's 76-character line.
  EXPECT_LE(std::string("Subject: ").size() + first.size(), 76u);
}

TEST(EncodedWords, FourByteCharactersAreNotSplit) {
  // 10 x U+1F600 (4 bytes each) = 40 bytes: 9 characters (36 bytes) fit a 39-byte word.
  std::string text;
  for (int i = 0; i < 10; ++i) text += "\xF0\x9F\x98\x80";
  const std::string out = encode_header_text(text);
  const auto fold = out.find("\r\n ");
  ASSERT_NE(fold, std::string::npos);
  EXPECT_EQ(out.substr(0, fold), "=?UTF-8?B?" + base64_encode(text.substr(0, 36)) + "?=");
  EXPECT_EQ(out.substr(fold + 3), "=?UTF-8?B?" + base64_encode(text.substr(36)) + "?=");
}

TEST(Rfc5322Date, InJst) {
  // 2026-11-23 was a Monday (Python: date(2026,11,23).strftime('%a')).
  EXPECT_EQ(format_rfc5322_date(testing::jst(2026, 11, 23, 14, 5, 9)),
            "Mon, 23 Nov 2026 14:05:09 +0900");
  EXPECT_EQ(format_rfc5322_date(testing::jst(2027, 1, 3, 0, 0, 0)),
            "Sun, 03 Jan 2027 00:00:00 +0900");
}

TEST(SingleLine, RejectsLineBreaksAndNul) {
  EXPECT_TRUE(is_single_line("noc@example.lg.jp"));
  EXPECT_FALSE(is_single_line("a\r\nBcc: x@y"));
  EXPECT_FALSE(is_single_line(std::string("a\0b", 3)));
}

}  // namespace
}  // namespace pathwatch::collector::notify
