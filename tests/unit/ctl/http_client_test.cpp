// pathwatchctl's client against real and hostile servers on 127.0.0.1 port 0: a server that
// accepts and never answers, the collector's API server with idle and slowloris clients and
// 50 concurrent calls, tokens and roles end to end, and `token create`'s output.
#include "ctl/http_client.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "collector/api/api_access.hpp"
#include "collector/api/http_server.hpp"
#include "collector/store/memory_store.hpp"
#include "ctl/commands.hpp"
#include "tests/unit/collector/api/raw_http_client.hpp"

namespace pathwatch::ctl {
namespace {

using namespace std::chrono_literals;
using collector::ApiRequest;
using collector::ApiResponse;

// A socket that listens and never accepts: the kernel completes the handshake (backlog), so
// the client connects and then waits for an answer that never comes.
class SilentServer {
 public:
  SilentServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd_, 16);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~SilentServer() { ::close(fd_); }
  std::string port() const { return std::to_string(port_); }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

TEST(HttpClientTest, AServerThatNeverAnswersTimesOutWithAClearMessage) {
  SilentServer silent;
  const CollectorUrl url{"127.0.0.1", silent.port()};
  HttpOptions o;
  o.timeout = 1s;
  const auto t0 = std::chrono::steady_clock::now();
  const HttpResult r = http_request(url, "GET", "/v1/status", "", o);
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_FALSE(r.reached);
  EXPECT_TRUE(r.timed_out);
  EXPECT_LT(took, 2500ms);  // 1 s timeout plus a margin; the old client waited forever
  const std::string msg = failure_message(url, r, o);
  EXPECT_NE(msg.find("did not answer within 1 s"), std::string::npos) << msg;
}

TEST(HttpClientTest, RunCommandExitsOneOnAStalledServer) {
  SilentServer silent;
  CtlOptions o;
  o.collector = CollectorUrl{"127.0.0.1", silent.port()};
  o.http.timeout = 500ms;
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(run_command("status", {}, o), kExitFailure);
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("did not answer within 0.5 s"), std::string::npos) << err;
}

TEST(HttpClientTest, ARefusedConnectionSaysUnreachable) {
  std::string port;
  {
    SilentServer closed_soon;  // a port that was just free: nothing listens there any more
    port = closed_soon.port();
  }
  const CollectorUrl url{"127.0.0.1", port};
  const HttpResult r = http_request(url, "GET", "/v1/status", "", HttpOptions{});
  EXPECT_FALSE(r.reached);
  EXPECT_FALSE(r.timed_out);
  EXPECT_NE(failure_message(url, r, HttpOptions{}).find("unreachable"), std::string::npos);
}

// The collector's API (routes, tokens, audit) behind its real server.
class CtlAgainstCollectorTest : public ::testing::Test {
 protected:
  CtlAgainstCollectorTest()
      : access_(collector::ApiAccess::with_tokens(
            {collector::ApiTokenEntry{"viewer-1", shared::ApiRole::kViewer,
                                      shared::api_token_digest(kViewer)},
             collector::ApiTokenEntry{"operator-1", shared::ApiRole::kOperator,
                                      shared::api_token_digest(kOperator)}})),
        server_(
            "127.0.0.1", 0, [this](const ApiRequest& r) { return collector::handle_api(r, ctx_); },
            every_client_is_loopback()) {
    ctx_.access = &access_;
    server_.start();
    options_.collector = CollectorUrl{"127.0.0.1", std::to_string(server_.port())};
    options_.http.timeout = 5s;
  }
  int run(const std::string& command, const std::vector<std::string>& args,
          const std::string& token) {
    CtlOptions o = options_;
    o.http.token = token;
    ::testing::internal::CaptureStdout();
    ::testing::internal::CaptureStderr();
    const int rc = run_command(command, args, o);
    out_ = ::testing::internal::GetCapturedStdout();
    err_ = ::testing::internal::GetCapturedStderr();
    return rc;
  }

  // Every client here is 127.0.0.1: the per-address cap would refuse the fifty.
  static collector::HttpServerOptions every_client_is_loopback() {
    collector::HttpServerOptions o;
    o.max_connections_per_peer = 64;
    return o;
  }

  static constexpr const char* kViewer = "pwt_ctl-test-viewer";
  static constexpr const char* kOperator = "pwt_ctl-test-operator";
  collector::MemoryStore store_;
  collector::AnalysisConfig analysis_;
  shared::ManualClock clock_{shared::from_unix_nanos(1'793'491'200'000'000'000)};
  collector::ApiContext ctx_{&store_, &analysis_, nullptr, &clock_, std::chrono::seconds{60}};
  collector::ApiAccess access_;
  collector::HttpServer server_;
  CtlOptions options_;
  std::string out_, err_;
};

TEST_F(CtlAgainstCollectorTest, FiftyConcurrentCallsAreAnsweredBesideIdleAndSlowlorisClients) {
  testing_support::RawConnection idle(server_.port(), 100ms);
  testing_support::RawConnection slowloris(server_.port(), 100ms);
  ASSERT_TRUE(slowloris.send("GET /v1/status HTTP/1.1\r\nHost: x\r\nX-Slow: a"));
  std::vector<std::future<HttpResult>> calls;
  for (int i = 0; i < 50; ++i) {
    calls.push_back(std::async(std::launch::async, [this] {
      HttpOptions o = options_.http;
      o.token = kViewer;
      return http_request(options_.collector, "GET", "/v1/status", "", o);
    }));
  }
  int ok = 0;
  for (auto& c : calls) {
    const HttpResult r = c.get();
    if (r.reached && r.status == 200) ++ok;
  }
  EXPECT_EQ(ok, 50);
}

TEST_F(CtlAgainstCollectorTest, WritesNeedAnOperatorTokenAndAreAudited) {
  const std::vector<std::string> add{
      "add", "--start", "2026-11-03 01:00", "--end", "2026-11-03 03:00", "--note", "switch swap"};
  EXPECT_EQ(run("maintenance", add, ""), kExitFailure);
  EXPECT_NE(err_.find("collector answered 401"), std::string::npos) << err_;
  EXPECT_NE(err_.find("PATHWATCH_TOKEN"), std::string::npos) << err_;
  EXPECT_EQ(run("maintenance", add, kViewer), kExitFailure);
  EXPECT_NE(err_.find("collector answered 403"), std::string::npos) << err_;
  EXPECT_EQ(run("maintenance", add, kOperator), kExitOk) << err_;
  EXPECT_NE(out_.find("added maintenance window 1"), std::string::npos) << out_;
  ASSERT_EQ(run("audit", {}, kOperator), kExitOk) << err_;
  EXPECT_NE(out_.find("operator-1"), std::string::npos) << out_;
  EXPECT_NE(out_.find("POST /v1/maintenance"), std::string::npos) << out_;
  EXPECT_NE(out_.find("viewer-1"), std::string::npos) << out_;  // the refused attempt, 403
  EXPECT_EQ(store_.audit_records({}, 10).size(), 2u);           // 401s are not recorded
  // A DELETE has no body but is a write: pathwatchctl still says JSON (the collector answers
  // 415 to writes of any other type).
  EXPECT_EQ(run("maintenance", {"remove", "1"}, kOperator), kExitOk) << err_;
  EXPECT_TRUE(store_.maintenance().empty());
}

TEST(TokenCommandTest, PrintsTheTokenOnceAndTheLineWithItsDigest) {
  ::testing::internal::CaptureStdout();
  ASSERT_EQ(run_command("token", {"create", "--role", "operator", "--name", "ops-1"}, {}), kExitOk);
  const std::string out = ::testing::internal::GetCapturedStdout();
  std::istringstream lines(out);
  std::string line, token, entry;
  while (std::getline(lines, line)) {
    if (line.rfind("pwt_", 0) == 0) token = line;
    if (line.rfind("- {", 0) == 0) entry = line;
  }
  ASSERT_EQ(token.size(), 4u + 64u);  // "pwt_" + 32 bytes in hex
  EXPECT_EQ(entry, "- {name: ops-1, role: operator, sha256: " +
                       shared::digest_hex(shared::api_token_digest(token)) + "}");
  // The printed line is what the collector's token file reads.
  const auto parsed =
      collector::parse_api_tokens(shared::ConfigNode::load_string(entry + "\n", "tokens.yaml"));
  ASSERT_EQ(parsed.size(), 1u);
  EXPECT_TRUE(collector::ApiTokenRegistry(parsed).find(token));
  EXPECT_THROW(run_command("token", {"create", "--role", "admin", "--name", "x"}, {}),
               std::exception);
}

}  // namespace
}  // namespace pathwatch::ctl
