// The API server under clients that misbehave: idle connections, slowloris headers, half-sent
// bodies, too many connections, a slow route. Servers bind 127.0.0.1 port 0; nothing sleeps:
// waits are on answers, latches or bounded receive timeouts.
#include "collector/api/http_server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "tests/unit/collector/api/raw_http_client.hpp"

namespace pathwatch::collector {
namespace {

using namespace std::chrono_literals;
using testing_support::get_request;
using testing_support::RawConnection;

ApiResponse echo(const ApiRequest& r) {
  return ApiResponse{200, R"({"target":")" + r.target + R"("})"};
}

// The deadlines the collector uses by default (10 s header/body, 30 s idle): long enough that
// any client the tests leave alone stays connected for the whole test.
HttpServerOptions defaults() {
  return HttpServerOptions{};
}

// Bounded (5 s) wait until the server has accepted `n` connections.
bool wait_for_connections(const HttpServer& server, std::size_t n) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (server.open_connections() < n) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

bool answered_200(const std::string& answer) {
  return answer.rfind("HTTP/1.1 200", 0) == 0;
}

TEST(HttpServerTest, FiftyClientsAreAnsweredWhileIdleAndSlowlorisClientsHoldConnections) {
  HttpServerOptions o = defaults();
  o.max_connections_per_peer = 64;  // every client here is 127.0.0.1
  HttpServer server("127.0.0.1", 0, echo, o);
  server.start();
  // One connection that never says anything, one that sends half a header and stalls.
  RawConnection idle(server.port(), 100ms);
  RawConnection slowloris(server.port(), 100ms);
  ASSERT_TRUE(idle.connected() && slowloris.connected());
  ASSERT_TRUE(slowloris.send("GET /v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a"));
  // 50 clients at once, each waiting at most 5 s for its answer: the old one-connection-at-a-
  // time server never answered any of them while the idle connection was open.
  std::vector<std::future<std::string>> answers;
  for (int i = 0; i < 50; ++i) {
    answers.push_back(std::async(std::launch::async, [port = server.port(), i] {
      RawConnection c(port, 5s);
      return c.request(get_request("/v1/n" + std::to_string(i)));
    }));
  }
  int ok = 0;
  for (int i = 0; i < 50; ++i) {
    const std::string a = answers[static_cast<std::size_t>(i)].get();
    if (answered_200(a) && a.find("/v1/n" + std::to_string(i)) != std::string::npos) ++ok;
  }
  EXPECT_EQ(ok, 50);
}

TEST(HttpServerTest, StopReturnsWithinTwoSecondsWhateverClientsDo) {
  auto server = std::make_unique<HttpServer>("127.0.0.1", 0, echo, defaults());
  server->start();
  const auto port = server->port();
  RawConnection idle(port, 3s);
  RawConnection slowloris(port, 3s);
  RawConnection half_body(port, 3s);
  RawConnection kept_alive(port, 3s);
  ASSERT_TRUE(slowloris.send("GET /v1/status HTTP/1.1\r\nHost: x\r\nX-Slow: a"));
  ASSERT_TRUE(half_body.send(
      "POST /v1/maintenance HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"start\":"));
  // A completed request on a kept-alive connection: the session then waits for the next one.
  ASSERT_TRUE(kept_alive.send("GET /v1/a HTTP/1.1\r\nHost: x\r\n\r\n"));
  // Every connection is open on the server before stop() (bounded wait on the server's count).
  ASSERT_TRUE(wait_for_connections(*server, 4));
  const auto t0 = std::chrono::steady_clock::now();
  auto stopped = std::async(std::launch::async, [&] { server->stop(); });
  // The functional deadline is 2 s (SIGTERM → exit); assert it with a margin.
  ASSERT_EQ(stopped.wait_for(2500ms), std::future_status::ready) << "stop() hung";
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2500ms);
  // And the clients see their connections closed (no answer to the half requests).
  bool closed = false;
  idle.receive_all(&closed);
  EXPECT_TRUE(closed);
  slowloris.receive_all(&closed);
  EXPECT_TRUE(closed);
}

TEST(HttpServerTest, IdleAndSlowlorisClientsAreDroppedAtTheHeaderDeadline) {
  HttpServerOptions o;
  o.header_timeout = 200ms;
  HttpServer server("127.0.0.1", 0, echo, o);
  server.start();
  // Receive timeouts of 5 s, 25× the deadline: the server must close first.
  RawConnection idle(server.port(), 5s);
  RawConnection slowloris(server.port(), 5s);
  ASSERT_TRUE(slowloris.send("GET / HTTP/1.1\r\nHost"));
  bool closed = false;
  EXPECT_EQ(idle.receive_all(&closed), "");
  EXPECT_TRUE(closed);
  EXPECT_EQ(slowloris.receive_all(&closed), "");
  EXPECT_TRUE(closed);
}

TEST(HttpServerTest, KeptAliveConnectionIsClosedAfterTheIdleDeadline) {
  HttpServerOptions o;
  o.idle_timeout = 200ms;
  HttpServer server("127.0.0.1", 0, echo, o);
  server.start();
  RawConnection c(server.port(), 5s);
  ASSERT_TRUE(c.send("GET /v1/a HTTP/1.1\r\nHost: x\r\n\r\n"));
  bool closed = false;
  const std::string answer = c.receive_all(&closed);
  EXPECT_TRUE(answered_200(answer));
  EXPECT_TRUE(closed);  // closed by the server after 200 ms idle, well before the 5 s timeout
}

TEST(HttpServerTest, ConnectionsBeyondTheCapAreRefusedWith503) {
  HttpServerOptions o;
  o.max_connections = 2;
  HttpServer server("127.0.0.1", 0, echo, o);
  server.start();
  RawConnection a(server.port(), 5s);
  RawConnection b(server.port(), 5s);
  ASSERT_TRUE(wait_for_connections(server, 2));
  RawConnection third(server.port(), 5s);
  const std::string answer = third.request(get_request("/v1/status"));
  EXPECT_EQ(answer.rfind("HTTP/1.1 503", 0), 0u) << answer;
}

TEST(HttpServerTest, OversizedBodyIsRefusedWith413) {
  HttpServerOptions o;
  o.max_body_bytes = 1024;
  HttpServer server("127.0.0.1", 0, echo, o);
  server.start();
  RawConnection c(server.port(), 5s);
  const std::string answer =
      c.request("POST /v1/maintenance HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" +
                std::string(5000, 'x'));
  EXPECT_EQ(answer.rfind("HTTP/1.1 413", 0), 0u) << answer;
}

TEST(HttpServerTest, ASlowRouteDoesNotHoldOtherClients) {
  std::mutex m;
  std::condition_variable cv;
  bool release = false;
  std::atomic<bool> slow_started{false};
  auto handler = [&](const ApiRequest& r) {
    if (r.target == "/slow") {
      slow_started = true;
      std::unique_lock lock(m);
      cv.wait_for(lock, 10s, [&] { return release; });
    }
    return echo(r);
  };
  HttpServer server("127.0.0.1", 0, handler, defaults());
  server.start();
  auto slow = std::async(std::launch::async, [port = server.port()] {
    RawConnection c(port, 15s);
    return c.request(get_request("/slow"));
  });
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!slow_started && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  ASSERT_TRUE(slow_started);
  RawConnection fast(server.port(), 5s);
  EXPECT_TRUE(answered_200(fast.request(get_request("/fast"))));  // while /slow still runs
  {
    std::lock_guard lock(m);
    release = true;
  }
  cv.notify_all();
  EXPECT_TRUE(answered_200(slow.get()));
}

TEST(HttpServerTest, TheHandlerSeesTheAuthorizationHeaderAndALoopbackPeer) {
  std::mutex m;
  ApiRequest seen;
  HttpServer server(
      "127.0.0.1", 0,
      [&](const ApiRequest& r) {
        std::lock_guard lock(m);
        seen = r;
        return ApiResponse{401, "{}", {{"WWW-Authenticate", "Bearer realm=\"pathwatch\""}}};
      },
      defaults());
  server.start();
  RawConnection c(server.port(), 5s);
  const std::string answer =
      c.request(get_request("/v1/status", "Authorization: Bearer pwt_abc\r\n"));
  EXPECT_EQ(answer.rfind("HTTP/1.1 401", 0), 0u);
  EXPECT_NE(answer.find("WWW-Authenticate: Bearer realm=\"pathwatch\""), std::string::npos);
  std::lock_guard lock(m);
  EXPECT_EQ(seen.authorization, "Bearer pwt_abc");
  EXPECT_TRUE(seen.peer_loopback);
  EXPECT_EQ(seen.peer, "127.0.0.1");
}

// One peer may not hold every slot: 64 in all, max(4, 64 / 8) = 8 per address.
TEST(HttpServerTest, ConnectionsBeyondThePerPeerCapAreRefusedWith503) {
  HttpServer server("127.0.0.1", 0, echo, defaults());
  server.start();
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 8; ++i) held.push_back(std::make_unique<RawConnection>(server.port(), 5s));
  ASSERT_TRUE(wait_for_connections(server, 8));
  RawConnection ninth(server.port(), 5s);
  const std::string answer = ninth.request(get_request("/v1/status"));
  EXPECT_EQ(answer.rfind("HTTP/1.1 503", 0), 0u) << answer;
  // A slot freed is a slot for the same peer again.
  held.pop_back();
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (server.open_connections() > 7 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  RawConnection again(server.port(), 5s);
  EXPECT_TRUE(answered_200(again.request(get_request("/v1/status"))));
}

// A 401 closes the connection even when the client asked to keep it: an unauthenticated peer
// must come back with a token, not hold the slot.
TEST(HttpServerTest, TheConnectionIsClosedAfterA401) {
  HttpServer server(
      "127.0.0.1", 0,
      [](const ApiRequest&) {
        return ApiResponse{401, R"({"error":"no"})"};
      },
      defaults());
  server.start();
  RawConnection c(server.port(), 5s);
  ASSERT_TRUE(c.send("GET /v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));  // keep-alive
  bool closed = false;
  const std::string answer = c.receive_all(&closed);
  EXPECT_EQ(answer.rfind("HTTP/1.1 401", 0), 0u) << answer;
  EXPECT_TRUE(closed);  // before the 5 s receive timeout
}

// RFC 9110 section 9.3.2: an answer to HEAD has no content, also a 405.
TEST(HttpServerTest, AnswersToHeadCarryNoBody) {
  HttpServer server(
      "127.0.0.1", 0,
      [](const ApiRequest&) {
        return ApiResponse{405, R"({"error":"HEAD not allowed here"})"};
      },
      defaults());
  server.start();
  RawConnection c(server.port(), 5s);
  const std::string answer =
      c.request("HEAD /v1/maintenance HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 405", 0), 0u) << answer;
  const auto end_of_header = answer.find("\r\n\r\n");
  ASSERT_NE(end_of_header, std::string::npos);
  EXPECT_EQ(answer.size(), end_of_header + 4) << answer;  // nothing after the header
}

TEST(HttpServerTest, TheHandlerSeesOriginHostAndContentType) {
  std::mutex m;
  ApiRequest seen;
  HttpServer server(
      "127.0.0.1", 0,
      [&](const ApiRequest& r) {
        std::lock_guard lock(m);
        seen = r;
        return ApiResponse{200, "{}"};
      },
      defaults());
  server.start();
  RawConnection c(server.port(), 5s);
  ASSERT_TRUE(answered_200(c.request(
      get_request("/v1/status", "Origin: https://evil.example\r\nContent-Type: text/plain\r\n"))));
  std::lock_guard lock(m);
  EXPECT_EQ(seen.origin, "https://evil.example");
  EXPECT_EQ(seen.host, "127.0.0.1");
  EXPECT_EQ(seen.content_type, "text/plain");
}

// A route that keeps reading (a year of events over the whole database, say) until the store
// says stop: stop() cancels it (the collector passes Store::cancel_api_reads) and returns within
// the 2 s bound; without the cancel it would wait for the route's 30 s.
TEST(HttpServerTest, StopCancelsASlowRouteAndReturnsWithinTwoSeconds) {
  std::atomic<bool> cancelled{false};
  std::atomic<bool> started{false};
  auto slow = [&](const ApiRequest&) {
    started = true;
    const auto until = std::chrono::steady_clock::now() + 30s;
    while (!cancelled && std::chrono::steady_clock::now() < until) std::this_thread::yield();
    return ApiResponse{500, R"({"error":"store: interrupted"})"};
  };
  auto server = std::make_unique<HttpServer>("127.0.0.1", 0, slow, defaults());
  server->set_route_cancel([&] { cancelled = true; });
  server->start();
  RawConnection c(server->port(), 3s);
  ASSERT_TRUE(c.send(get_request("/v1/events?since=2000-01-01")));
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!started && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  ASSERT_TRUE(started);
  const auto t0 = std::chrono::steady_clock::now();
  auto stopped = std::async(std::launch::async, [&] { server->stop(); });
  ASSERT_EQ(stopped.wait_for(2500ms), std::future_status::ready) << "stop() waited for the route";
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2500ms);
  server.reset();  // and nothing of the route runs on afterwards
}

}  // namespace
}  // namespace pathwatch::collector
