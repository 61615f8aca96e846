// The RFC 5322 message: header set and order, threading of one incident's messages, CRLF
// body in base64, and the envelope's owner copies.
#include "collector/notify/email_message.hpp"

#include <gtest/gtest.h>

#include "collector/notify/mime.hpp"
#include "collector/notify/smtp_notifier.hpp"
#include "tests/unit/collector/notify/notification_fixture.hpp"

namespace pathwatch::collector::notify {
namespace {

const EmailEnvelope kEnvelope{
    "pathwatch@city.example.lg.jp", {"noc@city.example.lg.jp", "it@city.example.lg.jp"}, {}};

std::string headers_of(const EmailMessage& m) {
  return m.data.substr(0, m.data.find("\r\n\r\n") + 2);
}

TEST(EmailMessage, OpenedIsTheThreadRoot) {
  const Notification n = testing::opened_incident();
  const auto date = testing::jst(2026, 11, 23, 14, 5, 30);
  const EmailMessage m = build_email(n, render_message(n, Language::kJa), kEnvelope, date);
  EXPECT_EQ(m.message_id, "<pathwatch.INC-20261123-0001@city.example.lg.jp>");
  EXPECT_EQ(headers_of(m),
            "Date: Mon, 23 Nov 2026 14:05:30 +0900\r\n"
            "From: pathwatch@city.example.lg.jp\r\n"
            "To: noc@city.example.lg.jp, it@city.example.lg.jp\r\n"
            "Subject: " +
                encode_header_text(render_message(n, Language::kJa).subject) +
                "\r\n"
                "Message-ID: <pathwatch.INC-20261123-0001@city.example.lg.jp>\r\n"
                "MIME-Version: 1.0\r\n"
                "Content-Type: text/plain; charset=UTF-8\r\n"
                "Content-Transfer-Encoding: base64\r\n"
                "Auto-Submitted: auto-generated\r\n"
                "X-Pathwatch-Incident: INC-20261123-0001\r\n"
                "X-Pathwatch-Kind: opened\r\n");
}

TEST(EmailMessage, LaterMessagesReferToTheRoot) {
  Notification n = testing::recovered_incident();
  const EmailMessage m = build_email(n, render_message(n, Language::kJa), kEnvelope, n.at);
  // Unique per kind and time: 15:28:49 JST = 06:28:49 UTC = 1795415329 s since the epoch
  // (Python: calendar.timegm((2026,11,23,6,28,49))).
  EXPECT_EQ(m.message_id,
            "<pathwatch.INC-20261123-0001.recovered.1795415329000000000@city.example.lg.jp>");
  const std::string h = headers_of(m);
  EXPECT_NE(h.find("In-Reply-To: <pathwatch.INC-20261123-0001@city.example.lg.jp>\r\n"),
            std::string::npos)
      << h;
  EXPECT_NE(h.find("References: <pathwatch.INC-20261123-0001@city.example.lg.jp>\r\n"),
            std::string::npos)
      << h;
  n.kind = NotificationKind::kUpdated;
  EXPECT_NE(message_id(n, "x.example"), m.message_id);
  EXPECT_EQ(thread_root_id(n.incident_id, "x.example"), "<pathwatch.INC-20261123-0001@x.example>");
}

TEST(EmailMessage, IncidentIdIsMadeSafeForMessageId) {
  // '/', ' ' and '.' are written as =XX: the id stays one dot-atom and stays unique.
  EXPECT_EQ(thread_root_id("a/b c.d", "e.example"), "<pathwatch.a=2Fb=20c=2Ed@e.example>");
}

TEST(EmailMessage, BodyIsCrlfBase64) {
  const Notification n = testing::opened_incident();
  const MessageText text = render_message(n, Language::kJa);
  const EmailMessage m = build_email(n, text, kEnvelope, n.at);
  std::string crlf;
  for (const char c : text.body) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  const std::string body = m.data.substr(m.data.find("\r\n\r\n") + 4);
  EXPECT_EQ(body, base64_encode(crlf, 76) + "\r\n");
}

TEST(EmailMessage, AddressDomain) {
  EXPECT_EQ(address_domain("pathwatch@city.example.lg.jp"), "city.example.lg.jp");
  EXPECT_EQ(address_domain("nodomain"), "localhost");
}

TEST(Envelope, OwnersCopiedOnlyWhenAskedAndConclusive) {
  EmailChannelConfig config;
  config.from = "pathwatch@city.example.lg.jp";
  config.to = {"noc@city.example.lg.jp"};
  Notification n = testing::opened_incident();
  EXPECT_TRUE(envelope_for(config, n).cc.empty());  // cc_owners defaults to false
  config.cc_owners = true;
  EXPECT_EQ(envelope_for(config, n).cc, std::vector<std::string>{"noc@carrier-a.example"});
  n.verdict.conclusive = false;  // a guess: the carrier is not mailed
  EXPECT_TRUE(envelope_for(config, n).cc.empty());
  n.verdict.conclusive = true;
  n.verdict.causes[0].alternatives[0].email = "evil@x.example\r\nBcc: y@z";
  EXPECT_TRUE(envelope_for(config, n).cc.empty());
}

}  // namespace
}  // namespace pathwatch::collector::notify
