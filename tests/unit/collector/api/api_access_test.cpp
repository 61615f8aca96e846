// Who may call the API: bearer tokens and roles (401 without, 403 with the wrong role), the
// loopback default without a token file, the audit trail of writes, and the token file's
// strict loading. Routes run through handle_api over the in-memory store.
#include "collector/api/api_access.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>

#include "collector/api/api_audit.hpp"
#include "collector/api/api_handler.hpp"
#include "collector/api/api_tokens.hpp"
#include "collector/api/refused_write_audit.hpp"
#include "collector/store/memory_store.hpp"
#include "shared/config/config_error.hpp"

namespace pathwatch::collector {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;

const shared::UtcNanos kT0 = shared::from_unix_nanos(1'793'491'200'000'000'000);
const std::string kViewerToken = "pwt_viewer-token-for-tests";
const std::string kOperatorToken = "pwt_operator-token-for-tests";
const std::string kMaintenanceBody =
    R"({"start":"2026-11-03 01:00","end":"2026-11-03 03:00","note":"core switch"})";

class ApiAccessTest : public ::testing::Test {
 protected:
  ApiAccessTest()
      : access_(ApiAccess::with_tokens({ApiTokenEntry{"nakamura", shared::ApiRole::kViewer,
                                                      shared::api_token_digest(kViewerToken)},
                                        ApiTokenEntry{"ops-tanaka", shared::ApiRole::kOperator,
                                                      shared::api_token_digest(kOperatorToken)}})) {
    ctx_.access = &access_;
  }
  ApiResponse call(const std::string& method, const std::string& target, const std::string& token,
                   const std::string& body = "") {
    ApiRequest r{method, target, body};
    if (!token.empty()) r.authorization = "Bearer " + token;
    if (method != "GET" && method != "HEAD") r.content_type = "application/json";
    r.peer = "198.18.0.7";
    return handle_api(r, ctx_);
  }
  static std::string header(const ApiResponse& r, const std::string& name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name) return v;
    }
    return "";
  }

  MemoryStore store_;
  AnalysisConfig analysis_;
  shared::ManualClock clock_{kT0};
  ApiAccess access_;
  ApiContext ctx_{&store_, &analysis_, nullptr, &clock_, 60s};
};

TEST_F(ApiAccessTest, UnauthenticatedWriteIs401WithWwwAuthenticateAndChangesNothing) {
  const auto r = call("POST", "/v1/maintenance", "", kMaintenanceBody);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(header(r, "WWW-Authenticate"), R"(Bearer realm="pathwatch")");
  EXPECT_TRUE(store_.maintenance().empty());
  // Not audited: anyone reaching the port could fill the table.
  EXPECT_TRUE(store_.audit_records({}, 10).empty());
}

TEST_F(ApiAccessTest, UnknownTokenIs401InvalidTokenAlsoForReads) {
  const auto r = call("GET", "/v1/status", "pwt_nobody");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(header(r, "WWW-Authenticate"), R"(Bearer realm="pathwatch", error="invalid_token")");
  EXPECT_EQ(r.body.find("pwt_nobody"), std::string::npos);  // never echoed
}

TEST_F(ApiAccessTest, ViewerReadsButItsWriteIs403AndAudited) {
  EXPECT_EQ(call("GET", "/v1/status", kViewerToken).status, 200);
  EXPECT_EQ(call("GET", "/v1/maintenance", kViewerToken).status, 200);
  const auto r = call("POST", "/v1/maintenance", kViewerToken, kMaintenanceBody);
  EXPECT_EQ(r.status, 403);
  EXPECT_TRUE(store_.maintenance().empty());
  const auto trail = store_.audit_records({}, 10);
  ASSERT_EQ(trail.size(), 1u);
  EXPECT_EQ(trail[0].who, "nakamura");
  EXPECT_EQ(trail[0].role, "viewer");
  EXPECT_EQ(trail[0].status, 403);
  EXPECT_EQ(call("DELETE", "/v1/maintenance/1", kViewerToken).status, 403);
  EXPECT_EQ(call("GET", "/v1/audit", kViewerToken).status, 403);  // the trail is operators'
}

TEST_F(ApiAccessTest, OperatorWriteSucceedsAndLeavesAnAuditRow) {
  clock_.advance(90s);
  const auto r = call("POST", "/v1/maintenance", kOperatorToken, kMaintenanceBody);
  ASSERT_EQ(r.status, 201) << r.body;
  const auto id = Json::parse(r.body)["id"].get<std::int64_t>();
  ASSERT_EQ(store_.maintenance().size(), 1u);
  const auto trail = store_.audit_records({}, 10);
  ASSERT_EQ(trail.size(), 1u);
  const AuditRecord& a = trail[0];
  EXPECT_EQ(a.who, "ops-tanaka");
  EXPECT_EQ(a.role, "operator");
  EXPECT_EQ(a.via, "token");
  EXPECT_EQ(a.peer, "198.18.0.7");
  EXPECT_EQ(a.at, kT0 + 90s);
  EXPECT_EQ(a.method, "POST");
  EXPECT_EQ(a.route, "/v1/maintenance");
  EXPECT_EQ(a.status, 201);
  EXPECT_EQ(a.result, "created " + std::to_string(id));
  EXPECT_NE(a.summary.find("core switch"), std::string::npos);
  EXPECT_EQ(a.summary.find(kOperatorToken), std::string::npos);

  // DELETE is audited too, and GET /v1/audit shows both, newest first.
  clock_.advance(30s);
  ASSERT_EQ(call("DELETE", "/v1/maintenance/" + std::to_string(id), kOperatorToken).status, 200);
  const auto listed = call("GET", "/v1/audit", kOperatorToken);
  ASSERT_EQ(listed.status, 200);
  const auto j = Json::parse(listed.body)["audit"];
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["method"], "DELETE");
  EXPECT_EQ(j[0]["result"], "removed " + std::to_string(id));
  EXPECT_EQ(j[1]["who"], "ops-tanaka");
  EXPECT_EQ(j[1]["at_jst"], "2026-11-01 09:01:30 JST");  // kT0 + 90 s, UTC+9
  // Reads are not audited.
  EXPECT_EQ(store_.audit_records({}, 10).size(), 2u);
}

// A viewer's POST to a path with invalid UTF-8: nlohmann's dump() used to throw on it, turning
// the 403 into a 500 that skipped the audit.
TEST_F(ApiAccessTest, InvalidUtf8InThePathIsRefusedAndAuditedNot500) {
  const auto r = call("POST", "/v1/\xff", kViewerToken, kMaintenanceBody);
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_TRUE(Json::accept(r.body)) << r.body;
  const auto trail = store_.audit_records({}, 10);
  ASSERT_EQ(trail.size(), 1u);
  EXPECT_EQ(trail[0].route, "/v1/\\xff");  // stored escaped by shared::printable
}

// An operator's DELETE with invalid UTF-8 used to be stored raw, and every later GET /v1/audit
// answered 500.
TEST_F(ApiAccessTest, InvalidUtf8InAnAuditedRouteKeepsTheTrailReadable) {
  EXPECT_EQ(call("DELETE", "/v1/maintenance/\xff", kOperatorToken).status, 400);
  const auto listed = call("GET", "/v1/audit", kOperatorToken);
  ASSERT_EQ(listed.status, 200) << listed.body;
  const auto j = Json::parse(listed.body)["audit"];
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["route"], "/v1/maintenance/\\xff");
}

// A viewer's POST loop: 100 refusals within a minute are one audit row; the next row, a minute
// later, says it stands for the 99 left out plus itself = 100.
TEST_F(ApiAccessTest, RefusedWritesAreAuditedOncePerCallerPerMinuteWithACount) {
  RefusedWriteAudit refused;
  ctx_.refused_writes = &refused;
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(call("POST", "/v1/maintenance", kViewerToken, kMaintenanceBody).status, 403);
    clock_.advance(100ms);  // 100 requests in 10 s
  }
  EXPECT_EQ(store_.audit_records({}, 1000).size(), 1u);
  clock_.advance(60s);
  ASSERT_EQ(call("POST", "/v1/maintenance", kViewerToken, kMaintenanceBody).status, 403);
  const auto trail = store_.audit_records({}, 1000);
  ASSERT_EQ(trail.size(), 2u);
  EXPECT_NE(trail[0].result.find("(this row stands for 100 refused writes)"), std::string::npos)
      << trail[0].result;
  // Another caller has its own minute; granted writes are always recorded.
  EXPECT_EQ(call("POST", "/v1/maintenance", kOperatorToken, kMaintenanceBody).status, 201);
  EXPECT_EQ(store_.audit_records({}, 1000).size(), 3u);
}

// Browser defences (docs/security.md "Browsers"), before authentication.
TEST_F(ApiAccessTest, RequestsWithAnOriginAreRefusedAndWritesMustBeJson) {
  ApiRequest r{"GET", "/v1/status", ""};
  r.authorization = "Bearer " + kViewerToken;
  r.origin = "https://evil.example";
  EXPECT_EQ(handle_api(r, ctx_).status, 403);
  ApiRequest w{"POST", "/v1/maintenance", kMaintenanceBody};
  w.authorization = "Bearer " + kOperatorToken;
  w.content_type = "text/plain";  // what a no-cors fetch sends without a preflight
  EXPECT_EQ(handle_api(w, ctx_).status, 415);
  w.content_type = "";
  EXPECT_EQ(handle_api(w, ctx_).status, 415);
  EXPECT_TRUE(store_.maintenance().empty());
  w.content_type = "Application/JSON; charset=utf-8";
  EXPECT_EQ(handle_api(w, ctx_).status, 201);
}

TEST(ApiLoopbackAccessTest, LoopbackOperatorsAnswerToLoopbackHostNamesOnly) {
  const ApiAccess open = ApiAccess::loopback_operators("127.0.0.1");
  const auto host = [&](const char* h) {
    const auto refusal = open.screen(RequestHeaders{"GET", std::nullopt, h, ""});
    return refusal ? refusal->status : 0;
  };
  EXPECT_EQ(host("127.0.0.1:7080"), 0);
  EXPECT_EQ(host("localhost:7080"), 0);
  EXPECT_EQ(host("LOCALHOST"), 0);
  EXPECT_EQ(host("[::1]:7080"), 0);
  EXPECT_EQ(host("127.0.0.2"), 0);
  // DNS rebinding: the attacker's name resolves to 127.0.0.1, the browser still sends it.
  EXPECT_EQ(host("rebind.evil.example:7080"), 421);
  EXPECT_EQ(host("127.0.0.1.evil.example"), 421);
  // With tokens the Host does not matter: a browser holds no bearer token.
  const ApiAccess closed = ApiAccess::with_tokens({});
  EXPECT_FALSE(closed.screen(RequestHeaders{"GET", std::nullopt, "rebind.evil.example", ""}));
}

TEST(ApiLoopbackAccessTest, WithoutTokensLoopbackCallersAreOperatorsAndOthersAreRefused) {
  const ApiAccess open = ApiAccess::loopback_operators();
  const auto local = open.authenticate("", true);
  ASSERT_TRUE(local.caller);
  EXPECT_EQ(local.caller->role, shared::ApiRole::kOperator);
  EXPECT_EQ(local.caller->name, "loopback");
  EXPECT_FALSE(open.authenticate("", false).caller);
  // With tokens, loopback is no excuse.
  const ApiAccess closed = ApiAccess::with_tokens({});
  EXPECT_FALSE(closed.authenticate("", true).caller);
}

TEST(BearerTokenTest, ParsesTheSchemeCaseInsensitively) {
  EXPECT_EQ(bearer_token("Bearer abc"), "abc");
  EXPECT_EQ(bearer_token("bearer   abc  "), "abc");
  EXPECT_FALSE(bearer_token("Basic abc"));
  EXPECT_FALSE(bearer_token("Bearer"));
  EXPECT_FALSE(bearer_token("Bearerabc"));
  EXPECT_FALSE(bearer_token("Bearer a b"));
}

TEST(AuditSummaryTest, KeepsFieldsBoundedAndRedactsSecrets) {
  EXPECT_EQ(audit_summary(""), "");
  EXPECT_EQ(audit_summary("not json"), "<8 bytes, not a JSON object>");
  const std::string s =
      audit_summary(R"({"note":")" + std::string(500, 'n') + R"(","api_token":"pwt_x","n":1})");
  EXPECT_EQ(s.find("pwt_x"), std::string::npos);
  EXPECT_NE(s.find(R"("api_token":"<redacted>")"), std::string::npos);
  EXPECT_LE(s.size(), kAuditSummaryBytes + 3);
  EXPECT_TRUE(Json::accept(s));
}

class TokenFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("pw-tokens-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& text, mode_t mode) {
    const std::string p = (dir_ / "tokens.yaml").string();
    std::ofstream(p) << text;
    ::chmod(p.c_str(), mode);
    return p;
  }
  static std::string error_of(const std::string& path) {
    try {
      load_api_token_file(path);
    } catch (const shared::ConfigError& e) {
      return e.what();
    }
    return "";
  }
  std::filesystem::path dir_;
};

TEST_F(TokenFileTest, LoadsDigestsAndRolesAndFindsTheCaller) {
  const std::string digest = shared::digest_hex(shared::api_token_digest(kOperatorToken));
  const auto entries =
      load_api_token_file(write("- {name: ops, role: operator, sha256: " + digest + "}\n", 0600));
  ASSERT_EQ(entries.size(), 1u);
  const ApiTokenRegistry registry(entries);
  const auto caller = registry.find(kOperatorToken);
  ASSERT_TRUE(caller);
  EXPECT_EQ(caller->name, "ops");
  EXPECT_EQ(caller->role, shared::ApiRole::kOperator);
  EXPECT_FALSE(registry.find(kViewerToken));
  EXPECT_TRUE(load_api_token_file(write("", 0600)).empty());
}

TEST_F(TokenFileTest, RefusesAFileOthersCanRead) {
  const std::string p = write("[]\n", 0644);
  EXPECT_EQ(error_of(p), p + ": token file has mode 0644: group/others may not have any access "
                             "(chmod 600 it)");
}

// A FIFO must be refused at once: a blocking open() would wait for a writer forever (at start-up,
// in --check-config). If it blocks, the test opens the writer side itself to free the thread.
TEST_F(TokenFileTest, RefusesAFifoWithoutBlocking) {
  const std::string p = (dir_ / "fifo.yaml").string();
  ASSERT_EQ(::mkfifo(p.c_str(), 0600), 0);
  auto loading = std::async(std::launch::async, [&] { return error_of(p); });
  if (loading.wait_for(2s) == std::future_status::timeout) {
    const int writer = ::open(p.c_str(), O_WRONLY | O_NONBLOCK);
    if (writer >= 0) ::close(writer);
    loading.wait();
    FAIL() << "loading a FIFO as the token file blocked";
  }
  EXPECT_EQ(loading.get(), p + ": API token file is a FIFO, not a regular file");
}

TEST_F(TokenFileTest, RefusesASymbolicLink) {
  const std::string target = write("[]\n", 0600);
  const std::string link = (dir_ / "link.yaml").string();
  std::filesystem::create_symlink(target, link);
  EXPECT_EQ(error_of(link), link + ": API token file is a symbolic link; name the file itself");
}

TEST_F(TokenFileTest, BadEntriesFailWithFileLineColumn) {
  const std::string digest = shared::digest_hex(shared::api_token_digest("x"));
  std::string p = write("- {name: a, role: operator, sha256: " + digest + "}\n" +
                            "- {name: a, role: viewer, sha256: " + digest + "}\n",
                        0600);
  EXPECT_EQ(error_of(p), p + ":2:10: [1].name: token 'a' is listed twice");
  p = write("- {name: b, role: admin, sha256: " + digest + "}\n", 0600);
  EXPECT_EQ(error_of(p), p + ":1:19: [0].role: expected one of: viewer, operator");
  p = write("- {name: c, role: viewer, sha256: abc}\n", 0600);
  EXPECT_NE(error_of(p).find(p + ":1:35: "), std::string::npos) << error_of(p);
}

}  // namespace
}  // namespace pathwatch::collector
